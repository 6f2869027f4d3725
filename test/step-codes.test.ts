import t from 'tap';
import { readFileSync } from 'node:fs';
import { AUTH_CODES, CLIENT_HANDSHAKE_CODES, DNS_CODES, HTTP_CODES, PPP_CODES, SSTP_CODES, TCP_CODES, TLS_CODES, WAIT_CODES } from '../lib/step-codes.js';
import { PROXY_TUNNEL_CODES } from '../lib/proxy/connect.js';
import { STEP_NAMES, type StepName } from '../lib/types.js';

// docs/causes.md lists, per step, the codes that exist: the doc and the tables must say the same.

const doc = readFileSync(new URL('../docs/causes.md', import.meta.url), 'utf8');
const tables: Record<StepName, Record<string, string>> = {
  dns: DNS_CODES,
  tcp: TCP_CODES,
  proxy: { ...PROXY_TUNNEL_CODES, cancelled: WAIT_CODES.cancelled },
  tls: TLS_CODES,
  http: HTTP_CODES,
  sstp: SSTP_CODES,
  ppp: PPP_CODES,
  auth: AUTH_CODES,
};

function documented(step: StepName | 'client-handshake'): string[] {
  const start = doc.indexOf(`#### \`${step}\``);
  if (start === -1) return [];
  const rest = doc.slice(start + 1);
  const end = rest.search(/\n#/);
  const section = end === -1 ? rest : rest.slice(0, end);
  return [...section.matchAll(/^- `([a-z0-9-]+)`:/gm)].map((m) => m[1]!);
}

t.test('every step has a table, and docs/causes.md lists exactly its codes', async (t) => {
  for (const step of STEP_NAMES) {
    t.same(documented(step).sort(), Object.keys(tables[step]).sort(), step);
  }
});

t.test('every step that waits can time out and be cancelled', async (t) => {
  for (const step of STEP_NAMES) {
    const codes = Object.keys(tables[step]);
    t.ok(codes.includes('cancelled'), `${step}: cancelled`);
    t.ok(codes.includes(step === 'proxy' ? 'proxy-timeout' : 'timeout'), `${step}: timeout`);
  }
});

t.test('each code has a one-line meaning', async (t) => {
  for (const step of STEP_NAMES) {
    for (const [code, meaning] of Object.entries(tables[step])) t.ok(meaning.length > 10 && !meaning.includes('\n'), `${step} ${code}`);
  }
});

t.test('the client profiles\' handshakes have their own table, documented like a step\'s', async (t) => {
  t.same(documented('client-handshake').sort(), Object.keys(CLIENT_HANDSHAKE_CODES).sort());
  t.ok('timeout' in CLIENT_HANDSHAKE_CODES && 'cancelled' in CLIENT_HANDSHAKE_CODES, 'bounded and cancellable like every step');
  for (const [code, meaning] of Object.entries(CLIENT_HANDSHAKE_CODES)) t.ok(meaning.length > 10 && !meaning.includes('\n'), code);
});

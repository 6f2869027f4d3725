import t from 'tap';
import { readFileSync } from 'node:fs';
import { CAUSE_IDS, CAUSES, causeSpec, RULES } from '../lib/diagnose/index.js';
import { SEVERITIES } from '../lib/types.js';

const doc = readFileSync(new URL('../docs/causes.md', import.meta.url), 'utf8');
const documented = [...doc.matchAll(/^### `([a-z0-9-]+)`\s*$/gm)].map((m) => m[1]);

t.test('the causes the brief names are all in the catalogue', async (t) => {
  for (const id of [
    'dns-resolution-failed', 'tcp-refused', 'tcp-timeout', 'tcp-unreachable',
    'proxy-unreachable', 'proxy-auth-required', 'proxy-rejected',
    'tls-handshake-failed',
    'cert-untrusted', 'cert-expired', 'cert-name-mismatch', 'cert-eku-invalid', 'cert-revocation-unreachable', 'cert-revoked', 'cert-hash-mismatch',
    'http-no-response', 'http-version', 'http-url-not-registered', 'http-service-unavailable', 'http-not-sstp', 'http-status',
    'sstp-negotiation-failed', 'ppp-negotiation-failed', 'auth-failed', 'crypto-binding-rejected', 'address-inconsistent',
  ]) {
    t.ok(CAUSE_IDS.includes(id as (typeof CAUSE_IDS)[number]), id);
  }
});

t.test('every cause has its section in docs/causes.md, and the doc names no other', async (t) => {
  t.same([...documented].sort(), [...CAUSE_IDS].sort());
  t.equal(new Set(documented).size, documented.length, 'no section twice');
});

t.test('each doc section states the default severity of its cause', async (t) => {
  for (const id of CAUSE_IDS) {
    const start = doc.indexOf(`### \`${id}\``);
    const rest = doc.slice(start + 1);
    const end = rest.search(/\n##/);
    const section = end === -1 ? rest : rest.slice(0, end);
    t.match(section, new RegExp(`\\*\\*Severity:\\*\\* ${CAUSES[id].severity}`), id);
  }
});

t.test('every catalogue entry is complete and every cause can be raised by a rule', async (t) => {
  const raised = new Set(RULES.flatMap((r) => r.causes));
  for (const id of CAUSE_IDS) {
    const spec = CAUSES[id];
    t.ok(spec.meaning.length > 10 && spec.evidence.length > 5, `${id} says what it means and when`);
    t.ok((SEVERITIES as readonly string[]).includes(spec.severity), `${id} severity`);
    t.ok(raised.has(id), `${id} is raised by a rule`);
  }
  for (const id of raised) t.ok(CAUSE_IDS.includes(id), `rule cause ${id} is catalogued`);
});

t.test('an ID off the table reads as UNKNOWN', async (t) => {
  t.equal(causeSpec('cert-from-the-future').id, 'UNKNOWN(cert-from-the-future)');
  t.equal(causeSpec('tcp-refused').windowsError, '0x800704C9 (ERROR_CONNECTION_REFUSED, 1225)');
});

t.test('findings come errors first, then warnings, then notes', async (t) => {
  const { demoScenarios } = await import('../fixtures/demo.js');
  const { findScenario } = await import('../fixtures/scenarios/index.js');
  const [result] = await demoScenarios([findScenario('auth-tls-offload')!], { stepTimeoutMs: 1_500 });
  const severities = result!.report.findings.map((f) => f.severity);
  t.ok(severities.includes('error') && severities.includes('info'), severities.join(','));
  const rank = { error: 0, warning: 1, info: 2 } as const;
  t.same(severities, [...severities].sort((a, b) => rank[a] - rank[b]));
});

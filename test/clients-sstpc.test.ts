import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probe } from '../lib/probe.js';
import { fixtureStarter } from './helpers/fixture.js';
import { requireProgram } from './helpers/programs.js';
import { runSstpcUntil } from './helpers/sstpc.js';

// The sstpc profile checked against the real sstpc (Debian's sstp-client 1.0.x): for each scenario, the
// probe's verdict for `sstpc` must be what sstpc really did, reaching the Call Connect Ack or not. sstpc is
// run with --ca-cert (the fixture PKI's root), the configuration the profile models: OpenSSL verifies the
// chain as sent, no name comparison. Where the two disagree, the profile is wrong.

const start = fixtureStarter();
const dir = mkdtempSync(join(tmpdir(), 'sstp-probe-sstpc-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

/** What ends an sstpc run either way: the Ack, or its own verdict that the server failed. */
const DECIDED = /CONNECT ACK|\*\*Error:/;
const SYSTEM_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

const SCENARIOS = [
  { name: 'healthy', sstpc: 'connects' },
  { name: 'cert-missing-intermediate', sstpc: 'fails' },
  { name: 'cert-any-purpose-eku', sstpc: 'fails' },
  { name: 'cert-wrong-name', sstpc: 'connects' },
  { name: 'cert-self-signed', sstpc: 'fails' },
  { name: 'tls13-only', sstpc: 'connects' },
  { name: 'tls-legacy-only', sstpc: 'fails' },
  { name: 'tls-chacha-only', sstpc: 'connects' },
] as const;

for (const scenario of SCENARIOS) {
  t.test(`${scenario.name}: the sstpc profile says what sstpc --ca-cert does`, async (t) => {
    if (!requireProgram(t, 'sstpc', 'sstp-client')) return;
    const first = await start(t, scenario.name);
    const report = await probe(first.address, { stepTimeoutMs: 5_000, trustedCaPems: first.trustedCaPems, ppp: false });
    const profile = report.clients?.find((c) => c.client === 'sstpc');
    // A run that stalls (sstpc's own flake, see the helper) is retried against the same server.
    // A self-made certificate has no CA: sstpc gets the system's CA bundle, as a client with no private CA has.
    const ca = first.trustedCaPems.length > 0 ? caFile(first.trustedCaPems) : SYSTEM_BUNDLE;
    const log = await runSstpcUntil(async () => first, DECIDED, ['--ca-cert', ca]);
    const real = /CONNECT ACK/.test(log) ? 'connects' : /\*\*Error:/.test(log) ? 'fails' : 'undecided';
    t.equal(real, scenario.sstpc, `sstpc itself ${real} (log: ${log.split('\n').filter((l) => /verif|Error|ACK/i.test(l)).join(' | ').replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '').slice(0, 300)})`);
    t.equal(profile?.verdict, real, `the profile agrees (${profile?.detail ?? 'no verdict'})`);
  });
}

t.test('without --ca-cert sstpc 1.0.18 still verifies the chain (against its default store), so no CA means no trust', async (t) => {
  if (!requireProgram(t, 'sstpc', 'sstp-client')) return;
  const server = await start(t, 'healthy');
  const log = await runSstpcUntil(async () => server, DECIDED, []);
  t.match(log, /unable to get local issuer certificate/);
  t.notMatch(log, /CONNECT ACK/);
});

function caFile(pems: string[]): string {
  const file = join(dir, `ca-${Math.random().toString(36).slice(2)}.pem`);
  writeFileSync(file, pems.join('\n'));
  return file;
}

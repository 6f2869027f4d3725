import t, { type Test } from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probe } from '../lib/probe.js';
import { UsageError } from '../lib/errors.js';
import { CLIENT_IDS, CLIENT_PROFILES } from '../lib/clients/profiles.js';
import { provenByMain } from '../lib/clients/handshake.js';
import { serve } from '../lib/serve/server.js';
import { renderText } from '../lib/report/text.js';
import { startFixtureProxy } from '../fixtures/proxy-server.js';
import type { ClientResult, ProbeReport } from '../lib/types.js';
import { fixtureStarter } from './helpers/fixture.js';
import { runBin } from './helpers/cli.js';
import { httpGet } from './helpers/http-get.js';
import { parseExposition, sampleValue } from './helpers/prometheus-text.js';
import { validateReport } from './helpers/schema.js';

// Which SSTP clients can connect, over real sockets: the fixture server restricted like a real one (TLS 1.3
// only, TLS 1.0 / 1.1 only, ChaCha20 only, a missing intermediate, an Any Purpose EKU), probed through the
// library and through the built CLI for the exit codes.

const start = fixtureStarter();
const dir = mkdtempSync(join(tmpdir(), 'sstp-probe-clients-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

function caFile(pems: string[]): string {
  const file = join(dir, `ca-${Math.random().toString(36).slice(2)}.pem`);
  writeFileSync(file, pems.join('\n'));
  return file;
}

function client(report: { clients?: ClientResult[] }, id: string): ClientResult {
  const found = report.clients?.find((c) => c.client === id);
  if (!found) throw new Error(`no verdict for ${id}`);
  return found;
}

const verdicts = (report: { clients?: ClientResult[] }): Record<string, string> =>
  Object.fromEntries((report.clients ?? []).map((c) => [c.client, c.verdict]));

async function cliRun(t: Test, scenario: string, extra: string[] = []) {
  const server = await start(t, scenario);
  const run = await runBin([server.address, '--json', '--step-timeout', '5000', '--ca', caFile(server.trustedCaPems), ...extra]);
  return { run, report: JSON.parse(run.stdout || '{}') as ProbeReport };
}

t.test('TLS 1.3-only server: windows-10 fails, windows-11 connects, a client-incompatible error, exit 1', async (t) => {
  const { run, report } = await cliRun(t, 'tls13-only');
  t.equal(run.code, 1, run.stderr);
  t.same(verdicts(report), { 'windows-11': 'connects', 'windows-10': 'fails', sstpc: 'connects' });
  t.match(client(report, 'windows-10'), { causes: ['client-incompatible'], detail: /no TLS version in common/, handshake: { basis: 'own', code: 'no-common-version', alert: 'protocol version' } });
  t.match(client(report, 'windows-11').handshake, { basis: 'main', protocol: 'TLSv1.3' }, 'windows-11 is proven by the main handshake: no handshake of its own');
  const finding = report.findings.find((f) => f.cause === 'client-incompatible');
  t.match(finding, { severity: 'error', summary: /windows-10 cannot connect: no TLS version in common/ });
  t.match(finding?.remediation.join('\n'), /SCHANNEL\\Protocols\\TLS 1\.2\\Server/);
  t.equal(report.ok, false);
  t.ok(validateReport(report), `the report with its clients matches the schema: ${JSON.stringify(validateReport.errors)}`);
});

t.test('TLS 1.0 / 1.1-only server: windows-11 fails, windows-10 connects, error, exit 1', async (t) => {
  const { run, report } = await cliRun(t, 'tls-legacy-only');
  t.equal(run.code, 1, run.stderr);
  t.same(verdicts(report), { 'windows-11': 'fails', 'windows-10': 'connects', sstpc: 'fails' });
  t.match(report.tls, { protocol: /^TLSv1(\.1)?$/ });
  t.match(client(report, 'windows-11').handshake, { basis: 'own', code: 'no-common-version' });
  t.match(report.findings.find((f) => f.cause === 'client-incompatible'), { severity: 'error', summary: /windows-11, sstpc cannot connect: no TLS version in common/ });
});

t.test('no suite in common with SChannel: both Windows profiles fail with "no cipher suite in common"', async (t) => {
  const { run, report } = await cliRun(t, 'tls-chacha-only');
  t.equal(run.code, 1, run.stderr);
  for (const id of ['windows-11', 'windows-10']) {
    t.match(client(report, id), { verdict: 'fails', detail: /no cipher suite in common/, handshake: { code: 'no-common-cipher' } }, id);
  }
  t.match(client(report, 'sstpc'), { verdict: 'connects' }, 'OpenSSL offers ChaCha20-Poly1305');
  const finding = report.findings.find((f) => f.cause === 'client-incompatible');
  t.match(finding, { severity: 'error', summary: /windows-11, windows-10 cannot connect: no cipher suite in common/ });
  t.match(finding?.remediation.join('\n'), /Enable-TlsCipherSuite -Name TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384/);
});

t.test('missing intermediate with working AIA: Windows connects, sstpc fails, a warning, exit 0', async (t) => {
  const { run, report } = await cliRun(t, 'cert-missing-intermediate');
  t.equal(run.code, 0, run.stderr);
  t.same(verdicts(report), { 'windows-11': 'connects', 'windows-10': 'connects', sstpc: 'fails' });
  t.match(client(report, 'sstpc'), { causes: ['client-incompatible'], detail: /does not fetch AIA/ });
  const finding = report.findings.find((f) => f.cause === 'client-incompatible');
  t.match(finding, { severity: 'warning', summary: /sstpc cannot connect/ });
  t.match(finding?.remediation.join('\n'), /Intermediate Certification Authorities/);
  t.equal(report.ok, true);
});

t.test('Any Purpose EKU only: Windows connects, sstpc fails, a warning, exit 0', async (t) => {
  const { run, report } = await cliRun(t, 'cert-any-purpose-eku');
  t.equal(run.code, 0, run.stderr);
  t.same(verdicts(report), { 'windows-11': 'connects', 'windows-10': 'connects', sstpc: 'fails' });
  t.match(report.findings.find((f) => f.cause === 'client-incompatible'), { severity: 'warning', summary: /sstpc cannot connect: EKU not accepted/ });
});

t.test('healthy server: every profile connects and ok is true, with one handshake of its own at most', async (t) => {
  const server = await start(t, 'healthy');
  const report = await probe(server.address, { stepTimeoutMs: 5_000, trustedCaPems: server.trustedCaPems });
  t.same(verdicts(report), { 'windows-11': 'connects', 'windows-10': 'connects', sstpc: 'connects' });
  t.equal(report.ok, true);
  t.notOk(report.findings.some((f) => f.cause === 'client-incompatible'));
  const own = (report.clients ?? []).filter((c) => c.handshake?.basis === 'own').map((c) => c.client);
  t.same(own, ['windows-10'], 'TLS 1.3 with AES-GCM proves windows-11 and sstpc; only windows-10 (no TLS 1.3) needs its own');
  // The fixture saw the extra handshake: one more TLS connection than the main path's.
  t.equal(server.events.filter((e) => e.type === 'tls').length, 2);
});

t.test('--clients windows-11 on the TLS 1.3-only server: exit 0, windows-10 shown as not selected', async (t) => {
  const { run, report } = await cliRun(t, 'tls13-only', ['--clients', 'windows-11']);
  t.equal(run.code, 0, run.stderr);
  t.match(client(report, 'windows-10'), { verdict: 'fails', selected: false });
  t.match(client(report, 'windows-11'), { verdict: 'connects', selected: true });
  t.match(report.findings.find((f) => f.cause === 'client-incompatible'), { severity: 'warning', summary: /windows-10 \(not selected\)/ });
  const server = await start(t, 'tls13-only');
  const text = await runBin([server.address, '--ca', caFile(server.trustedCaPems), '--clients', 'windows-11', '--step-timeout', '5000'], { NO_COLOR: '1' });
  t.equal(text.code, 0);
  t.match(text.stdout, /Clients\n\s+windows-11\s+✔ connects .*\n\s+windows-10\s+✘ fails\s+no TLS version in common \(not selected\)/);
});

t.test('--clients with an unknown id is a usage error naming the valid ids; the library refuses it before any I/O', async (t) => {
  const run = await runBin(['127.0.0.1:9', '--clients', 'windows-11,windows-7']);
  t.equal(run.code, 2);
  t.match(run.stderr, /--clients: unknown client profile "windows-7": valid ids are windows-11, windows-10, sstpc/);
  t.equal(run.stderr.split('\n').filter(Boolean).length, 2, 'one line and the --help hint, no stack');
  const empty = await runBin(['127.0.0.1:9', '--clients', ' , ']);
  t.equal(empty.code, 2);
  await t.rejects(probe('127.0.0.1:9', { clients: ['macos'] }), UsageError);
  await t.rejects(probe('127.0.0.1:9', { clients: [] }), /at least one client profile/);
});

t.test('the exporter passes ?clients= through: the same probe judged for the clients named', async (t) => {
  const server = await start(t, 'tls13-only');
  const running = await serve({ host: '127.0.0.1', port: 0, probeOptions: { trustedCaPems: server.trustedCaPems, timeoutMs: 20_000 } });
  t.teardown(() => running.close());
  const url = (extra: string): string => `${running.url}/probe?target=${encodeURIComponent(server.address)}${extra}`;
  const named = parseExposition((await httpGet(url('&clients=windows-11'))).body);
  t.equal(sampleValue(named, 'probe_success'), 1, 'windows-10 is not one of the clients named: no error');
  t.equal(sampleValue(named, 'sstp_probe_client_connects', { client: 'windows-10' }), 0);
  t.equal(sampleValue(named, 'sstp_probe_client_connects', { client: 'windows-11' }), 1);
  const all = parseExposition((await httpGet(url(''))).body);
  t.equal(sampleValue(all, 'probe_success'), 0, 'by default windows-10 is one of them');
  const bad = await httpGet(url('&clients=windows-7'));
  t.equal(bad.status, 400);
  t.match(bad.body, /unknown client profile "windows-7"/);
});

t.test('through a proxy no extra handshakes are made: a client the main handshake does not prove is unknown', async (t) => {
  const server = await start(t, 'tls13-only');
  const proxy = await startFixtureProxy('ok');
  t.teardown(() => proxy.close());
  // Revocation off: its CRL download would be a CONNECT of its own.
  const report = await probe(server.address, { proxy: proxy.url, stepTimeoutMs: 5_000, trustedCaPems: server.trustedCaPems, revocation: false });
  t.equal(proxy.connects.length, 1, 'one CONNECT: the main path only');
  t.match(client(report, 'windows-10'), { verdict: 'unknown', detail: /through a proxy/, handshake: null });
  t.match(client(report, 'windows-11'), { verdict: 'connects', handshake: { basis: 'main' } });
  t.notOk(report.findings.some((f) => f.cause === 'client-incompatible'), 'no finding from what was not seen');
  t.ok(validateReport(JSON.parse(JSON.stringify(report))), 'a client without a handshake matches the schema');
});

t.test('a server every client fails names the server-wide cause, not client-incompatible', async (t) => {
  const server = await start(t, 'cert-self-signed');
  const report = await probe(server.address, { stepTimeoutMs: 5_000 });
  for (const id of CLIENT_IDS) t.match(client(report, id), { verdict: 'fails', causes: ['cert-untrusted'] }, id);
  t.notOk(report.findings.some((f) => f.cause === 'client-incompatible'));
  const refused = await probe('127.0.0.1:1', { stepTimeoutMs: 2_000 });
  for (const id of CLIENT_IDS) t.match(client(refused, id), { verdict: 'fails', causes: ['tcp-refused'] }, id);
});

t.test('a probe cancelled from outside leaves every client unknown, and the extra handshake settles', async (t) => {
  const server = await start(t, 'healthy');
  const controller = new AbortController();
  // Cancel as soon as the main handshake is done: the extra handshake is in flight beside HTTP.
  const report = await probe(server.address, {
    stepTimeoutMs: 5_000,
    trustedCaPems: server.trustedCaPems,
    signal: controller.signal,
    onStep: (step) => {
      if (step.name === 'tls') controller.abort();
    },
  });
  t.equal(report.cancelled, true);
  t.same(verdicts(report), { 'windows-11': 'unknown', 'windows-10': 'unknown', sstpc: 'unknown' });
  t.equal(report.ok, false);
});

t.test('the text report shows one line per client: client, verdict, why', async (t) => {
  const server = await start(t, 'tls-chacha-only');
  const report = await probe(server.address, { stepTimeoutMs: 5_000, trustedCaPems: server.trustedCaPems });
  const text = renderText(report, { color: false });
  t.match(text, /Clients\n {2}windows-11 {2}✘ fails {5}no cipher suite in common\n {2}windows-10 {2}✘ fails {5}no cipher suite in common\n {2}sstpc {7}✔ connects {2}TLSv1\.2 ECDHE-RSA-CHACHA20-POLY1305/);
});

t.test('a profile is proven by the main handshake only by a version and a suite it offers', async (t) => {
  t.ok(provenByMain(CLIENT_PROFILES['windows-11'], 'TLSv1.3', 'TLS_AES_256_GCM_SHA384'));
  t.notOk(provenByMain(CLIENT_PROFILES['windows-11'], 'TLSv1.3', 'TLS_CHACHA20_POLY1305_SHA256'), 'SChannel offers no ChaCha20');
  t.notOk(provenByMain(CLIENT_PROFILES['windows-10'], 'TLSv1.3', 'TLS_AES_256_GCM_SHA384'), 'no TLS 1.3 in Windows 10');
  t.ok(provenByMain(CLIENT_PROFILES['windows-10'], 'TLSv1.1', 'ECDHE-RSA-AES256-SHA'));
  t.notOk(provenByMain(CLIENT_PROFILES['windows-11'], 'TLSv1.1', 'ECDHE-RSA-AES256-SHA'), 'TLS 1.1 is off in Windows 11');
  t.ok(provenByMain(CLIENT_PROFILES.sstpc, 'TLSv1.3', 'TLS_CHACHA20_POLY1305_SHA256'));
  t.notOk(provenByMain(CLIENT_PROFILES.sstpc, 'TLSv1.2', 'ECDHE-RSA-AES256-GCM-SHA384'), 'OpenSSL DEFAULT names no suite: a handshake of its own decides');
});

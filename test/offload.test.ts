// SSTP offload as large deployments run it: haproxy ends TLS with its certificate and passes SSTP on as plain
// HTTP to an RRAS with UseHttps=0 that checks the crypto binding against SHA256CertificateHash, the
// balancer's certificate (MS-SSTP §3.2.5.2). The probe proves that setup from both sides.
import t, { type Test } from 'tap';
import { X509Certificate } from 'node:crypto';
import { createCertFactory } from '../fixtures/certs.js';
import { startPkiServer } from '../fixtures/pki-server.js';
import { startFixtureServer, type FixtureEvent, type FixtureServer } from '../fixtures/server.js';
import type { Scenario } from '../fixtures/scenario.js';
import { TEST_PASSWORD, TEST_USER } from '../fixtures/scenarios/ppp.js';
import { probe, type ProbeOptions } from '../lib/probe.js';
import { parseTarget } from '../lib/target.js';
import { UsageError } from '../lib/errors.js';
import { stepOf } from './helpers/report-builder.js';
import { requireProgram } from './helpers/programs.js';
import { startTlsOffload } from './helpers/haproxy-pool.js';
import { runBin } from './helpers/cli.js';
import { validateReport } from './helpers/schema.js';

const factory = createCertFactory();
const LOGIN = { credentials: { userName: TEST_USER, password: TEST_PASSWORD } };
const FAST: ProbeOptions = { stepTimeoutMs: 3_000, timeoutMs: 15_000, bindingWaitMs: 1_000 };
const NAMES = { dnsNames: ['localhost', 'sstp.test'], ipAddresses: ['127.0.0.1', '::1'] };

type CallConnectedEvent = Extract<FixtureEvent, { type: 'call-connected' }>;
const callConnected = (server: FixtureServer): CallConnectedEvent[] =>
  server.events.filter((e): e is CallConnectedEvent => e.type === 'call-connected');

/** The balancer's certificate (a test PKI leaf for 127.0.0.1) and an offloaded RRAS configured with its hash. */
async function offloaded(t: Test, http: Scenario['http'] = undefined) {
  // An enterprise CA's leaf names its CRL, published on loopback, as Windows clients need to check it.
  const publication = await startPkiServer();
  t.teardown(() => publication.close());
  const pki = factory.createPki({ leafCrlUrls: [`${publication.url}/issuing.crl`] });
  publication.setCrl('/issuing.crl', factory.createCrl(pki.intermediate, []));
  const front = pki.leaf({ subjectCN: 'sstp.test', ...NAMES, keyPem: factory.keyFor(undefined, 'balancer') });
  const sha256 = new X509Certificate(front.certPem).fingerprint256.replace(/:/g, '');
  const scenario: Scenario = {
    name: 'rras-offloaded',
    summary: 'RRAS with UseHttps=0 behind a TLS-terminating balancer, SHA256CertificateHash set to its certificate',
    expectCause: null,
    tls: { behaviour: 'none' },
    ...(http ? { http } : {}),
    ppp: { offer: ['mschapv2'], users: { [TEST_USER]: TEST_PASSWORD }, bindingHashes: { sha256 } },
  };
  const server = await startFixtureServer(scenario, { factory });
  t.teardown(() => server.close());
  // The balancer sends its chain: the leaf, then the intermediate.
  return { server, front, chainPem: front.certPem + pki.intermediate.certPem, sha256, trustedCaPems: [pki.root.certPem] };
}

t.test('http:// targets: port 80 by default, the path ignored like the https form', async (t) => {
  t.same(parseTarget('http://rras1.contoso.com'), { host: 'rras1.contoso.com', port: 80, scheme: 'http' });
  t.same(parseTarget('http://rras1.contoso.com:8080/sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/'), { host: 'rras1.contoso.com', port: 8080, scheme: 'http' });
  t.same(parseTarget('http://10.0.0.5/some/other/path?x=1'), { host: '10.0.0.5', port: 80, scheme: 'http' });
  t.same(parseTarget('https://vpn.contoso.com/some/other/path'), { host: 'vpn.contoso.com', port: 443 });
  t.throws(() => parseTarget('ftp://vpn.contoso.com'), UsageError);
});

t.test('directly over http:// with --expect-sha256 of the balancer: logs in and the binding is accepted', async (t) => {
  const { server, sha256 } = await offloaded(t);
  const report = await probe(`http://${server.address}`, { ...FAST, ...LOGIN, expectSha256: sha256 });
  t.equal(report.ok, true, JSON.stringify(report.findings.map((f) => f.cause)));
  t.same(report.target, { host: '127.0.0.1', port: server.port, scheme: 'http' });
  t.match(stepOf(report, 'tls'), { status: 'skip', code: 'not-applicable' });
  t.match(stepOf(report, 'http'), { status: 'pass', code: 'sstp-ok' });
  t.equal(report.sstp?.result, 'ack');
  t.match(report.auth, { protocol: 'mschapv2', result: 'success' });
  t.same(report.auth?.cryptoBinding, { hashProtocol: 'sha256', certHash: sha256, result: 'accepted' });
  await server.waitFor((e) => e.type === 'call-connected');
  t.match(callConnected(server), [{ ok: true, reason: null }], 'the offloaded server accepted the binding');
  t.equal(report.certificate, null, 'no certificate over plain HTTP');
  t.same(report.clients?.map((c) => c.verdict), ['unknown', 'unknown', 'unknown'], 'no client verdict without TLS');
  t.match(report.clients?.[0]?.detail, /balancer in front/, 'the client table points at the balancer');
  t.notOk(JSON.stringify(report).includes(TEST_PASSWORD), 'the password appears nowhere');
  t.ok(validateReport(report), JSON.stringify(validateReport.errors));
});

t.test('with the wrong hash the offloaded server rejects the binding, and the probe says so', async (t) => {
  const { server } = await offloaded(t);
  const report = await probe(`http://${server.address}`, { ...FAST, ...LOGIN, expectSha256: 'AB'.repeat(32) });
  t.equal(report.ok, false);
  t.match(report.auth?.cryptoBinding, { certHash: 'AB'.repeat(32), result: 'rejected' });
  t.ok(report.findings.some((f) => f.cause === 'crypto-binding-rejected'));
});

t.test('an RRAS with UseHttps=1 (or nothing on the URL) behind an http:// target: offload-listener', async (t) => {
  const { server } = await offloaded(t, { behaviour: 'status', status: 404, reason: 'Not Found' });
  const report = await probe(`http://${server.address}`, FAST);
  t.equal(report.ok, false);
  const finding = report.findings.find((f) => f.cause === 'offload-listener');
  t.ok(finding, JSON.stringify(report.findings.map((f) => f.cause)));
  t.match(finding?.remediation.join('\n'), /UseHttps/);
  t.notOk(report.findings.some((f) => f.cause === 'http-url-not-registered'), 'one finding, the offload one');
});

t.test('a login over http:// without --expect-sha256 is refused before any connection', async (t) => {
  const { server } = await offloaded(t);
  await t.rejects(probe(`http://${server.address}`, { ...FAST, ...LOGIN }), { name: 'UsageError', message: /--expect-sha256/ });
  await t.rejects(probe(`http://${server.address}`, { ...FAST, ...LOGIN, expectSha256: 'AB'.repeat(20) }), { name: 'UsageError', message: /expectSha256 takes 64 hex digits/ });
  t.equal(server.events.filter((e) => e.type === 'connection').length, 0, 'nothing was dialled');
  const run = await runBin([`http://${server.address}`, '--user', TEST_USER, '--password-env', 'PW'], { PW: TEST_PASSWORD });
  t.equal(run.code, 2);
  t.equal(run.stderr.split('\n')[0]!.startsWith('sstp-probe: a login over plain HTTP'), true, run.stderr);
  t.match(run.stderr, /--expect-sha256/);
  t.notMatch(run.stderr, /\n\s+at /, 'no stack trace');
  t.notMatch(run.stderr + run.stdout, TEST_PASSWORD);
});

t.test('haproxy ending TLS in front of the offloaded server', async (t) => {
  if (!requireProgram(t, 'haproxy')) return;
  const { server, front, chainPem, sha256, trustedCaPems } = await offloaded(t);
  const balancer = await startTlsOffload({ certPem: chainPem, keyPem: front.keyPem, backendPort: server.port });
  t.teardown(() => balancer.close());

  t.test('through haproxy with --user: the certificate is haproxy\'s, login and binding succeed', async (t) => {
    const report = await probe(balancer.address, { ...FAST, ...LOGIN, trustedCaPems });
    t.equal(report.ok, true, JSON.stringify(report.findings.map((f) => f.cause)));
    t.equal(report.certificate?.sha256, sha256, 'the balancer\'s certificate');
    t.match(report.auth, { protocol: 'mschapv2', result: 'success' });
    t.same(report.auth?.cryptoBinding, { hashProtocol: 'sha256', certHash: sha256, result: 'accepted' });
    t.ok(report.clients?.every((c) => c.verdict === 'connects'), 'through the balancer every client connects');
  });

  t.test('the CLI, directly over http:// with --expect-sha256 of haproxy\'s certificate: exit 0', async (t) => {
    const run = await runBin([`http://${server.address}`, '--user', TEST_USER, '--password-env', 'PW', '--expect-sha256', sha256, '--json'], { PW: TEST_PASSWORD });
    t.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout);
    t.same(report.auth.cryptoBinding, { hashProtocol: 'sha256', certHash: sha256, result: 'accepted' });
    t.equal(callConnected(server).every((e) => e.ok), true, 'every binding the server saw was accepted');
  });
});

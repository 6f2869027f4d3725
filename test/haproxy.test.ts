// A real TLS-terminating reverse proxy (haproxy) in front of the fixture RRAS: the Event 8 case where the
// client sees the proxy's certificate while RRAS checks the crypto binding against its own (MS-SSTP §3.2.5.2).
import t, { type Test } from 'tap';
import { stepOf } from './helpers/report-builder.js';
import { X509Certificate } from 'node:crypto';
import { createCertFactory, type Pki } from '../fixtures/certs.js';
import { startFixtureServer, type FixtureEvent, type FixtureServer } from '../fixtures/server.js';
import type { PppBehaviour, Scenario } from '../fixtures/scenario.js';
import { TEST_PASSWORD, TEST_USER } from '../fixtures/scenarios/ppp.js';
import { probe, type ProbeOptions } from '../lib/probe.js';
import { requireProgram } from './helpers/programs.js';
import { startHaproxy, type Haproxy } from './helpers/haproxy.js';

const factory = createCertFactory();
const LOGIN = { credentials: { userName: TEST_USER, password: TEST_PASSWORD } };
// Loopback through one relay: short step deadlines suffice; the Abort wait allows for the extra hop.
const FAST: ProbeOptions = { stepTimeoutMs: 3_000, timeoutMs: 15_000, bindingWaitMs: 1_000 };
const PPP: PppBehaviour = { offer: ['mschapv2'], users: { [TEST_USER]: TEST_PASSWORD } };
const NAMES = { dnsNames: ['localhost', 'sstp.test'], ipAddresses: ['127.0.0.1', '::1'] };
const CRL_PATH = '/issuing.crl';

/** Uppercase hex without separators, as netsh shows a thumbprint, computed apart from the probe's code. */
function thumbprints(pem: string): { sha1: string; sha256: string } {
  const x = new X509Certificate(pem);
  return { sha1: x.fingerprint.replace(/:/g, ''), sha256: x.fingerprint256.replace(/:/g, '') };
}


type CallConnectedEvent = Extract<FixtureEvent, { type: 'call-connected' }>;

function callConnected(server: FixtureServer): CallConnectedEvent[] {
  return server.events.filter((e): e is CallConnectedEvent => e.type === 'call-connected');
}

interface Deployment {
  /** The RRAS stand-in, serving its own certificate from the test PKI. */
  server: FixtureServer;
  /** The certificate haproxy serves: another leaf of the same PKI, with its own key. */
  proxyCert: { sha1: string; sha256: string };
  /** haproxy in front of `server`, or null for the direct control case. */
  proxy: Haproxy | null;
}

/**
 * The fixture with an enterprise-style PKI (and its CRL on the fixture's publication point), plus haproxy in
 * front of it serving another leaf of that PKI. Both certificates are trusted and fit 127.0.0.1, so the only
 * difference a client can notice is the certificate hash.
 */
async function deploy(t: Test, behindHaproxy: boolean): Promise<Deployment> {
  const held: { pki?: Pki; crlUrl?: string } = {};
  const scenario: Scenario = {
    name: behindHaproxy ? 'rras-behind-haproxy' : 'rras-direct',
    summary: 'RRAS with a certificate from an enterprise CA, optionally behind a TLS-terminating haproxy',
    expectCause: null,
    pki: (f, publication) => {
      const pki = f.createPki({ leafCrlUrls: [`${publication.url}${CRL_PATH}`] });
      publication.setCrl(CRL_PATH, f.createCrl(pki.intermediate, []));
      held.pki = pki;
      held.crlUrl = `${publication.url}${CRL_PATH}`;
      return { leaf: pki.leaf({ subjectCN: 'sstp.test', ...NAMES }), chain: [pki.intermediate], trustedCaPems: [pki.root.certPem] };
    },
    ppp: PPP,
  };
  const server = await startFixtureServer(scenario, { factory });
  t.teardown(() => server.close());
  const pki = held.pki!;
  const front = pki.leaf({ subjectCN: 'sstp.test', ...NAMES, keyPem: factory.keyFor(undefined, 'haproxy frontend') });
  const proxyCert = thumbprints(front.certPem);
  if (!behindHaproxy) return { server, proxyCert, proxy: null };
  const proxy = await startHaproxy({
    frontendCertPem: front.certPem + pki.intermediate.certPem,
    frontendKeyPem: front.keyPem,
    backendPort: server.port,
  });
  t.teardown(() => proxy.close());
  return { server, proxyCert, proxy };
}

t.test('haproxy', async (t) => {
  if (!requireProgram(t, 'haproxy')) return;

  t.test('without credentials: the Ack and the PPP offer come through; the certificate seen is the proxy\'s', async (t) => {
    const { server, proxy, proxyCert } = await deploy(t, true);
    const report = await probe(proxy!.address, { ...FAST, trustedCaPems: server.trustedCaPems });
    t.equal(report.ok, true, JSON.stringify(report.findings.map((f) => f.cause)));
    t.match(stepOf(report, 'tls'), { status: 'pass' });
    t.match(stepOf(report, 'http'), { status: 'pass' });
    t.match(stepOf(report, 'sstp'), { status: 'pass' });
    t.equal(report.sstp?.result, 'ack');
    t.match(stepOf(report, 'ppp'), { status: 'pass', code: 'configured' });
    t.same(report.ppp?.authProtocols, ['mschapv2'], 'the LCP offer of the server behind the proxy');
    t.equal(report.certificate?.sha1, proxyCert.sha1, 'the probe reports the certificate haproxy serves');
    t.equal(report.certificate?.sha256, proxyCert.sha256);
    t.not(report.certificate?.sha1, server.certificate!.sha1, 'not the one the server behind it holds');
    t.equal(report.certificate?.chainTrusted, true);
    const request = server.events.find((e) => e.type === 'http-request');
    t.match(request, { method: 'SSTP_DUPLEX_POST' }, 'the SSTP request reached the server through haproxy');
  });

  t.test('with the hash the server is bound to: cert-hash-mismatch names both', async (t) => {
    const { server, proxy, proxyCert } = await deploy(t, true);
    const bound = server.certificate!.sha1;
    const report = await probe(proxy!.address, { ...FAST, trustedCaPems: server.trustedCaPems, expectSha1: bound });
    t.equal(report.ok, false);
    const finding = report.findings.find((f) => f.cause === 'cert-hash-mismatch');
    t.ok(finding, 'diagnosed as cert-hash-mismatch');
    t.equal(finding?.severity, 'error');
    t.equal(finding?.evidence.presentedSha1, proxyCert.sha1, 'the hash the client was shown');
    t.match(finding?.evidence.expected, [new RegExp(bound)], 'the hash the server is bound to');
    t.match(finding?.summary, proxyCert.sha1);
    t.match(finding?.summary, bound);
  });

  t.test('with credentials: the login succeeds, the crypto binding is rejected', async (t) => {
    const { server, proxy, proxyCert } = await deploy(t, true);
    const report = await probe(proxy!.address, { ...FAST, ...LOGIN, trustedCaPems: server.trustedCaPems });
    t.equal(report.ok, false);
    t.match(report.auth, { protocol: 'mschapv2', result: 'success', errorCode: null });
    // MS-SSTP §3.2.5.2: the client binds to the certificate it saw, which is the proxy's.
    t.same(report.auth?.cryptoBinding, { hashProtocol: 'sha256', certHash: proxyCert.sha256, result: 'rejected' });
    t.match(stepOf(report, 'auth'), { status: 'fail', code: 'binding-rejected' });
    const finding = report.findings.find((f) => f.cause === 'crypto-binding-rejected');
    t.ok(finding, 'diagnosed as crypto-binding-rejected');
    t.equal(finding?.severity, 'error');
    await server.waitFor((e) => e.type === 'call-connected');
    t.match(callConnected(server), [{ ok: false, reason: 'cert-hash-mismatch' }], 'the server refused the binding');
    t.notOk(JSON.stringify(report).includes(TEST_PASSWORD), 'the password appears nowhere');
  });

  t.test('control: the same login straight to the server binds', async (t) => {
    const { server } = await deploy(t, false);
    const report = await probe(server.address, { ...FAST, ...LOGIN, trustedCaPems: server.trustedCaPems });
    t.equal(report.ok, true, JSON.stringify(report.findings.map((f) => f.cause)));
    t.same(report.auth?.cryptoBinding, { hashProtocol: 'sha256', certHash: server.certificate!.sha256, result: 'accepted' });
    t.match(callConnected(server), [{ ok: true, reason: null }]);
  });

  t.test('close() ends haproxy; a start-up failure carries haproxy\'s own words', async (t) => {
    const other = factory.issueCertificate({ subjectCN: 'mismatch.test', keyPem: factory.keyFor(undefined, 'haproxy frontend') });
    const proxy = await startHaproxy({ frontendCertPem: other.certPem, frontendKeyPem: other.keyPem, backendPort: 9 });
    await proxy.close();
    t.throws(() => process.kill(proxy.pid, 0), { code: 'ESRCH' }, 'no haproxy process is left');

    // A key that does not belong to the certificate: haproxy refuses the configuration and exits.
    const wrongKey = factory.keyFor(undefined, 'leaf');
    await t.rejects(
      startHaproxy({ frontendCertPem: other.certPem, frontendKeyPem: wrongKey, backendPort: 9 }),
      /haproxy exited during start-up[\s\S]*(frontend\.pem|key)/i,
    );
  });
});

// The auth step over real sockets: one login, the crypto binding, and when credentials must stay home.
import t, { type Test } from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probe, type ProbeOptions } from '../lib/probe.js';
import { credentialRefusal } from '../lib/steps/ppp.js';
import type { FixtureEvent, FixtureServer } from '../fixtures/server.js';
import type { Scenario } from '../fixtures/scenario.js';
import { AUTH_SCENARIOS, OFFLOAD_HASHES, TEST_PASSWORD, TEST_USER } from '../fixtures/scenarios/ppp.js';
import { fixtureStarter } from './helpers/fixture.js';
import { runBin } from './helpers/cli.js';
import { judgedPki, JUDGED_HOST, stepOf } from './helpers/report-builder.js';

const start = fixtureStarter();
const LOGIN = { credentials: { userName: TEST_USER, password: TEST_PASSWORD } };
// A short window is enough on loopback: the fixture aborts as soon as it has checked Call Connected.
const FAST: ProbeOptions = { stepTimeoutMs: 1_500, timeoutMs: 8_000, bindingWaitMs: 300 };


function authScenario(name: string): Scenario {
  const found = AUTH_SCENARIOS.find((s) => s.name === name);
  if (!found) throw new Error(`no scenario ${name}`);
  return found;
}

type PppEvent = Extract<FixtureEvent, { type: 'ppp' }>;
type CallConnectedEvent = Extract<FixtureEvent, { type: 'call-connected' }>;

function pppEvents(server: FixtureServer): PppEvent[] {
  return server.events.filter((e): e is PppEvent => e.type === 'ppp');
}

function callConnected(server: FixtureServer): CallConnectedEvent[] {
  return server.events.filter((e): e is CallConnectedEvent => e.type === 'call-connected');
}

function sstpMessages(server: FixtureServer): string[] {
  return server.events.flatMap((e) => (e.type === 'sstp' ? [e.message] : []));
}

/** The report must never carry the secrets of the exchange. */
function assertNoSecrets(t: Test, text: string, password: string): void {
  t.notOk(text.includes(password), 'the password appears nowhere');
  t.notMatch(text, /nonce|hlak|compound ?mac/i, 'no nonce, HLAK or MAC');
}

const withSha = (bitmask: number, name: string): Scenario => ({
  name,
  summary: '',
  expectCause: null,
  sstp: { hashBitmask: bitmask },
  ppp: { offer: ['mschapv2'], users: { [TEST_USER]: TEST_PASSWORD } },
});

for (const [bitmask, hash] of [[0x03, 'sha256'], [0x02, 'sha256'], [0x01, 'sha1']] as const) {
  t.test(`MS-CHAPv2 with the right password, Ack bitmask 0x0${bitmask}: login and ${hash} crypto binding accepted`, async (t) => {
    const server = await start(t, withSha(bitmask, `mschapv2-${bitmask}`));
    const report = await probe(server.address, { ...FAST, ...LOGIN, trustedCaPems: server.trustedCaPems });
    t.equal(report.ok, true);
    t.match(stepOf(report, 'ppp'), { status: 'pass', code: 'configured' });
    t.match(stepOf(report, 'auth'), { status: 'pass', code: 'accepted' });
    t.match(report.auth, { protocol: 'mschapv2', result: 'success', errorCode: null });
    // MS-SSTP §3.2.5.2 / reference §3.1: SHA-256 whenever offered; the hash is of the leaf the client saw.
    t.same(report.auth?.cryptoBinding, {
      hashProtocol: hash,
      certHash: hash === 'sha256' ? server.certificate!.sha256 : server.certificate!.sha1,
      result: 'accepted',
    });
    t.same(callConnected(server).map((e) => e.ok), [true], 'the server verified exactly one Call Connected');
    await server.waitFor((e) => e.type === 'close');
    const last = pppEvents(server).at(-1)!;
    t.equal(last.received.userName, TEST_USER, 'the user name went out with its domain');
    t.equal(last.outcome, 'success');
    t.equal(last.received.terminateRequest, true, 'left PPP with LCP Terminate-Request');
    const order = sstpMessages(server);
    t.same(order, ['CALL_CONNECT_REQUEST', 'CALL_CONNECTED', 'CALL_DISCONNECT'], 'Call Connected, then a clean Call Disconnect, never an Echo');
    t.equal(report.sstp?.teardown, 'disconnect-ack');
    assertNoSecrets(t, JSON.stringify(report), TEST_PASSWORD);
  });
}

for (const method of ['pap', 'chap-md5'] as const) {
  t.test(`${method}: login and crypto binding (zero HLAK) accepted`, async (t) => {
    const server = await start(t, method === 'pap' ? 'ppp-pap' : 'ppp-chap-md5');
    const report = await probe(server.address, { ...FAST, ...LOGIN, trustedCaPems: server.trustedCaPems });
    t.equal(report.ok, true);
    t.match(report.auth, { protocol: method, result: 'success', cryptoBinding: { hashProtocol: 'sha256', result: 'accepted' } });
    t.same(callConnected(server).map((e) => e.ok), [true]);
    assertNoSecrets(t, JSON.stringify(report), TEST_PASSWORD);
  });
}

t.test('wrong password: auth failure with E=691, one attempt, no Call Connected', async (t) => {
  const server = await start(t, 'ppp-mschapv2');
  const wrong = 'not-the-password-42';
  const report = await probe(server.address, { ...FAST, credentials: { userName: TEST_USER, password: wrong }, trustedCaPems: server.trustedCaPems });
  t.equal(report.ok, false);
  t.match(stepOf(report, 'ppp'), { status: 'pass', code: 'configured' });
  t.match(stepOf(report, 'auth'), { status: 'fail', code: 'failure' });
  t.match(report.auth, { protocol: 'mschapv2', result: 'failure', errorCode: 691, cryptoBinding: null });
  t.equal(report.ppp?.terminated, null, 'the server ending LCP after a failed login is not an LCP fault');
  t.ok(report.findings.some((f) => f.cause === 'auth-failed' && f.evidence.errorCode === 691));
  t.notOk(report.findings.some((f) => f.cause === 'ppp-negotiation-failed'));
  await server.waitFor((e) => e.type === 'close');
  t.equal(pppEvents(server).filter((e) => e.frame === 'CHAP RESPONSE').length, 1, 'exactly one login attempt');
  t.same(callConnected(server), [], 'no Call Connected after a failed login');
  assertNoSecrets(t, JSON.stringify(report), wrong);
});

t.test('a server allowing only EAP: the login is refused by policy, no credentials leave', async (t) => {
  const server = await start(t, { name: 'eap-only', summary: '', expectCause: null, ppp: { offer: ['eap'], users: { [TEST_USER]: TEST_PASSWORD } } });
  const report = await probe(server.address, { ...FAST, ...LOGIN, trustedCaPems: server.trustedCaPems });
  t.match(stepOf(report, 'ppp'), { status: 'fail', code: 'terminated' });
  t.match(report.ppp?.terminated, /no acceptable authentication method/);
  t.match(stepOf(report, 'auth'), { status: 'fail', code: 'refused' });
  t.match(report.auth, { result: 'refused', cryptoBinding: null });
  t.ok(report.findings.some((f) => f.cause === 'auth-failed'));
  await server.waitFor((e) => e.type === 'close');
  t.same(pppEvents(server).at(-1)?.received.authNaks, ['mschapv2'], 'we asked for MS-CHAPv2 instead');
  t.notOk(pppEvents(server).some((e) => e.received.chapResponse || e.received.papRequest));
});

t.test('TLS offload: the server holds another certificate hash, the binding is rejected with Abort 3/4', async (t) => {
  const server = await start(t, authScenario('auth-tls-offload'));
  const report = await probe(server.address, { ...FAST, ...LOGIN, trustedCaPems: server.trustedCaPems });
  t.equal(report.ok, false);
  t.match(report.auth, { result: 'success', cryptoBinding: { hashProtocol: 'sha256', certHash: server.certificate!.sha256, result: 'rejected' } });
  t.match(stepOf(report, 'auth'), { status: 'fail', code: 'binding-rejected' });
  const finding = report.findings.find((f) => f.cause === 'crypto-binding-rejected');
  t.ok(finding, 'diagnosed as crypto-binding-rejected');
  t.equal(finding?.severity, 'error');
  t.not(server.certificate!.sha256, OFFLOAD_HASHES.sha256);
  // Reference §2.6: wrong cert hash -> Abort with Status Info AttribID 3 (crypto binding), status 4 (VALUE_NOT_SUPPORTED).
  t.match(callConnected(server), [{ ok: false, reason: 'cert-hash-mismatch', abort: { attribId: 3, status: 4 } }]);
  // The client profiles' own handshakes close connections of their own: wait for the Abort itself.
  await server.waitFor((e) => e.type === 'sstp' && e.message === 'CALL_ABORT').catch(() => null);
  t.same(sstpMessages(server), ['CALL_CONNECT_REQUEST', 'CALL_CONNECTED', 'CALL_ABORT'], 'the probe answered the Abort with its own');
  t.equal(report.sstp?.teardown, 'closed');
});

t.test('untrusted certificate: credentials are never sent unless insecure', async (t) => {
  const scenario = authScenario('auth-self-signed');
  t.test('without insecure: refused before any CHAP response', async (t) => {
    const server = await start(t, scenario);
    const report = await probe(server.address, { ...FAST, ...LOGIN });
    t.match(stepOf(report, 'auth'), { status: 'fail', code: 'refused-untrusted-certificate' });
    t.match(stepOf(report, 'auth').detail, /--insecure/);
    t.match(report.auth, { result: 'refused', cryptoBinding: null });
    t.match(stepOf(report, 'ppp'), { status: 'pass', code: 'configured' }, 'the offer is still learned, credential-less');
    t.same(report.ppp?.authProtocols, ['mschapv2']);
    await server.waitFor((e) => e.type === 'close');
    t.ok(pppEvents(server).length > 0, 'PPP ran');
    t.notOk(pppEvents(server).some((e) => e.received.chapResponse || e.received.papRequest), 'no CHAP response, no PAP request reached the server');
    t.same(callConnected(server), []);
  });
  t.test('with insecure: the login goes ahead', async (t) => {
    const server = await start(t, scenario);
    const report = await probe(server.address, { ...FAST, ...LOGIN, insecure: true });
    t.match(stepOf(report, 'auth'), { status: 'pass', code: 'accepted' });
    t.ok(report.findings.some((f) => f.cause === 'cert-untrusted'), 'the certificate problem is still reported');
    await server.waitFor((e) => e.type === 'close');
    t.ok(pppEvents(server).some((e) => e.received.chapResponse), 'the server received the CHAP response');
  });
});

t.test('credentialRefusal: chain, name and validity, as the certificate judge decided them', async (t) => {
  const judged = judgedPki();
  const good = judged.report([judged.leafFor(), judged.pki.intermediate]).certificate;
  const now = new Date();
  const host = JUDGED_HOST;
  t.equal(credentialRefusal({ certificate: good, host, now }), null);
  t.match(credentialRefusal({ certificate: judged.report([judged.leafFor(), judged.pki.intermediate, judged.pki.root], { trusted: [] }).certificate, host, now }), /not trusted/);
  const selfSigned = judged.factory.issueCertificate({ subjectCN: host, dnsNames: [host] });
  t.match(credentialRefusal({ certificate: judged.report([selfSigned]).certificate, host, now }), /not trusted/, 'a self-signed certificate');
  t.match(credentialRefusal({ certificate: judged.report([judged.leafFor(), judged.pki.intermediate], { host: 'other.contoso.com' }).certificate, host: 'other.contoso.com', now }), /not valid for other\.contoso\.com/);
  const byIp = judged.leafFor({ ipAddresses: ['203.0.113.7'] });
  t.equal(credentialRefusal({ certificate: judged.report([byIp, judged.pki.intermediate], { host: '203.0.113.7' }).certificate, host: '203.0.113.7', now }), null, 'an address in the IP SANs fits');
  t.match(credentialRefusal({ certificate: judged.report([judged.leafFor(), judged.pki.intermediate], { host: '203.0.113.7' }).certificate, host: '203.0.113.7', now }), /not valid for 203\.0\.113\.7/);
  t.match(credentialRefusal({ certificate: good, host, now: new Date(now.getTime() + 400 * 86_400_000) }), /expired/);
  t.match(credentialRefusal({ certificate: good, host, now: new Date(now.getTime() - 30 * 86_400_000) }), /not valid before/);
  t.match(credentialRefusal({ certificate: null, host, now }), /no server certificate/);
});

t.test('the built CLI', async (t) => {
  const server = await start(t, 'ppp-mschapv2');
  const ca = join(mkdtempSync(join(tmpdir(), 'sstp-probe-auth-')), 'ca.pem');
  writeFileSync(ca, server.trustedCaPems.join('\n'));

  t.test('--password is a usage error that explains why and never echoes the value', async (t) => {
    const run = await runBin([server.address, '--user', TEST_USER, '--password', 'Typed-On-The-Command-Line']);
    t.equal(run.code, 2);
    t.match(run.stderr, /--password-env/);
    t.match(run.stderr, /--password-stdin/);
    t.notMatch(run.stderr + run.stdout, /Typed-On-The-Command-Line/);
    t.same(server.events.filter((e) => e.type === 'connection'), [], 'nothing was probed');
  });

  t.test('usage errors for incomplete or conflicting login flags', async (t) => {
    for (const [args, pattern] of [
      [['--user', TEST_USER], /--password-env VAR or --password-stdin/],
      [['--password-env', 'X'], /without --user/],
      [['--user', TEST_USER, '--password-env', 'NOT_SET_ANYWHERE'], /NOT_SET_ANYWHERE is not set/],
      [['--user', TEST_USER, '--password-stdin', '--no-ppp'], /--no-ppp/],
      [['--user', TEST_USER, '--password-stdin', '--enumerate-auth'], /--enumerate-auth/],
    ] as const) {
      const run = await runBin([server.address, ...args], {}, `${TEST_PASSWORD}\n`);
      t.equal(run.code, 2, args.join(' '));
      t.match(run.stderr, pattern);
    }
    const two = await runBin([server.address, '127.0.0.1:1', '--user', TEST_USER, '--password-stdin'], {}, `${TEST_PASSWORD}\n`);
    t.equal(two.code, 2, 'never a login to a list');
    t.match(two.stderr, /exactly one target/);
  });

  t.test('--password-stdin logs in; the password appears in no output, JSON, text or DEBUG log', async (t) => {
    const json = await runBin([server.address, '--json', '--ca', ca, '--user', TEST_USER, '--password-stdin'], { DEBUG: 'sstp-probe:*' }, `${TEST_PASSWORD}\n`);
    t.equal(json.code, 0, json.stderr);
    const report = JSON.parse(json.stdout);
    t.match(report.auth, { protocol: 'mschapv2', result: 'success', cryptoBinding: { result: 'accepted' } });
    t.match(json.stderr, /CALL_CONNECTED/, 'the DEBUG log shows the exchange');
    t.match(json.stderr, /CHAP/);
    assertNoSecrets(t, json.stdout, TEST_PASSWORD);
    assertNoSecrets(t, json.stderr, TEST_PASSWORD);

    const text = await runBin([server.address, '--ca', ca, '--user', TEST_USER, '--password-env', 'PROBE_PASSWORD'], { DEBUG: 'sstp-probe:*', NO_COLOR: '1', PROBE_PASSWORD: TEST_PASSWORD });
    t.equal(text.code, 0, text.stderr);
    t.match(text.stdout, /\bauth\b/);
    assertNoSecrets(t, text.stdout, TEST_PASSWORD);
    assertNoSecrets(t, text.stderr, TEST_PASSWORD);
  });

  t.test('a wrong password read from the environment is not shown either', async (t) => {
    const wrong = 'Wrong-But-Still-Secret-7';
    const run = await runBin([server.address, '--json', '--ca', ca, '--user', TEST_USER, '--password-env', 'PROBE_PASSWORD'], { DEBUG: 'sstp-probe:*', PROBE_PASSWORD: wrong });
    t.equal(run.code, 1);
    t.match(JSON.parse(run.stdout).auth, { result: 'failure', errorCode: 691 });
    assertNoSecrets(t, run.stdout + run.stderr, wrong);
  });
});

t.test('a certificate only for client authentication (EKU) keeps the credentials home too', async (t) => {
  const scenario: Scenario = {
    name: 'auth-client-auth-eku',
    summary: '',
    expectCause: 'cert-eku-invalid',
    certificate: { eku: ['1.3.6.1.5.5.7.3.2'] },
    ppp: { offer: ['mschapv2'], users: { [TEST_USER]: TEST_PASSWORD } },
  };
  const server = await start(t, scenario);
  const report = await probe(server.address, { ...FAST, ...LOGIN, trustedCaPems: server.trustedCaPems });
  t.match(stepOf(report, 'auth'), { status: 'fail', code: 'refused-untrusted-certificate' });
  t.match(report.auth?.message, /server authentication/);
  t.notOk(pppEvents(server).some((e) => e.received.chapResponse), 'the fixture received no CHAP response');
});

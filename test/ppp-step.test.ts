// The ppp step over real sockets, without credentials: the probe against the fixture server on 127.0.0.1.
import t from 'tap';
import { stepOf } from './helpers/report-builder.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probe } from '../lib/probe.js';
import type { FixtureEvent, FixtureServer } from '../fixtures/server.js';
import { fixtureStarter } from './helpers/fixture.js';
import { runBin } from './helpers/cli.js';

const start = fixtureStarter();
const FAST = { stepTimeoutMs: 1_500, timeoutMs: 8_000 };


type PppEvent = Extract<FixtureEvent, { type: 'ppp' }>;

function pppEvents(server: FixtureServer): PppEvent[] {
  return server.events.filter((e): e is PppEvent => e.type === 'ppp');
}

/** What the fixture's PPP server saw last (its `received` record is cumulative). */
function received(server: FixtureServer): PppEvent['received'] {
  const last = pppEvents(server).at(-1);
  if (!last) throw new Error('the fixture saw no PPP frame');
  return last.received;
}

/** The wire order the fixture saw: SSTP control messages and PPP frames from the client. */
function wire(server: FixtureServer): string[] {
  return server.events.flatMap((e) => (e.type === 'sstp' ? [e.message] : e.type === 'ppp' ? [e.frame] : []));
}

// Auth-Protocol option data per reference §4.2: PAP C0 23, CHAP-MD5 C2 23 05, MS-CHAPv2 C2 23 81, EAP C2 27.
const OFFERS = [
  { scenario: 'ppp-mschapv2', method: 'mschapv2', optionHex: 'c22381' },
  { scenario: 'ppp-eap', method: 'eap', optionHex: 'c227' },
  { scenario: 'ppp-pap', method: 'pap', optionHex: 'c023' },
  { scenario: 'ppp-chap-md5', method: 'chap-md5', optionHex: 'c22305' },
] as const;

for (const { scenario, method, optionHex } of OFFERS) {
  t.test(`${scenario}: the offered method (${method}) is reported, then the probe leaves cleanly`, async (t) => {
    const server = await start(t, scenario);
    const report = await probe(server.address, { ...FAST, trustedCaPems: server.trustedCaPems });
    t.equal(report.ok, true, 'a server that speaks PPP is healthy');
    t.match(stepOf(report, 'ppp'), { status: 'pass', code: 'configured' });
    t.equal(report.ppp?.authProtocols.join(','), method);
    t.equal(report.ppp?.mru, 4091, 'the MRU Windows servers ask for');
    const auth = report.ppp?.options.find((o) => o.type === 3);
    t.match(auth?.value, optionHex, 'the Auth-Protocol option as sent');
    t.equal(report.ppp?.terminated, null);
    t.match(stepOf(report, 'auth'), { status: 'skip', code: 'not-applicable' });
    t.equal(report.auth, null);
    const offered = report.findings.find((f) => f.cause === 'ppp-auth-offered');
    t.same(offered?.evidence.authProtocols, [method], 'the diagnosis names the method');
    t.equal(offered?.severity, 'info');

    await server.waitFor((e) => e.type === 'close');
    const seen = received(server);
    t.equal(seen.chapResponse, false, 'no CHAP response without credentials');
    t.equal(seen.papRequest, false, 'no PAP request without credentials');
    t.equal(seen.terminateRequest, true, 'LCP was closed with Terminate-Request');
    const order = wire(server);
    t.equal(order[0], 'CALL_CONNECT_REQUEST');
    t.equal(order[1], 'LCP CONFIGURE_REQUEST', 'our LCP Configure-Request right after the Ack');
    t.ok(order.indexOf('LCP TERMINATE_REQUEST') < order.indexOf('CALL_DISCONNECT'), 'LCP Terminate-Request before SSTP Call Disconnect');
    t.equal(order.at(-1), 'CALL_DISCONNECT');
    t.notOk(order.includes('ECHO_REQUEST'), 'never an SSTP Echo before Call Connected');
    t.equal(report.sstp?.teardown, 'disconnect-ack');
  });
}

t.test('without --enumerate-auth only the first method of several is learned', async (t) => {
  const server = await start(t, 'ppp-several');
  const report = await probe(server.address, { ...FAST, trustedCaPems: server.trustedCaPems });
  t.same(report.ppp?.authProtocols, ['eap']);
  await server.waitFor((e) => e.type === 'close');
  t.same(received(server).authNaks, [], 'the offer was not refused');
});

t.test('--enumerate-auth against a server allowing several methods reports them all', async (t) => {
  const server = await start(t, 'ppp-several');
  const report = await probe(server.address, { ...FAST, trustedCaPems: server.trustedCaPems, enumerateAuth: true });
  t.equal(report.ok, true, 'the Terminate-Request that ends an enumeration is not a fault');
  t.match(stepOf(report, 'ppp'), { status: 'pass', code: 'configured' });
  t.same(report.ppp?.authProtocols, ['eap', 'mschapv2', 'pap']);
  t.equal(report.ppp?.terminated, null);
  t.match(stepOf(report, 'ppp').detail, /EAP, MS-CHAPv2, PAP/);
  t.notOk(report.findings.some((f) => f.cause === 'ppp-negotiation-failed'));
  await server.waitFor((e) => e.type === 'close');
  const seen = received(server);
  t.ok(seen.authNaks.length >= 2 && seen.authNaks.length <= 5, 'a bounded number of Nak rounds');
  t.equal(seen.chapResponse || seen.papRequest, false, 'nothing secret was sent');
  t.same(pppEvents(server).at(-1)?.offered, ['eap', 'mschapv2', 'pap'], 'the server offered each of its methods');
});

t.test('a SoftEther-like server that waits for the client still answers: the probe speaks first', async (t) => {
  const server = await start(t, 'ppp-softether');
  const report = await probe(server.address, { ...FAST, trustedCaPems: server.trustedCaPems });
  t.match(stepOf(report, 'ppp'), { status: 'pass', code: 'configured' });
  t.same(report.ppp?.authProtocols, ['eap']);
  t.same(report.sstp?.hashProtocols, ['sha256']);
});

t.test('a server that never speaks PPP after the Ack: ppp fails with timeout and the call is still left politely', async (t) => {
  const server = await start(t, { name: 'no-ppp', summary: '', expectCause: null, ppp: false });
  const report = await probe(server.address, { stepTimeoutMs: 400, timeoutMs: 8_000, trustedCaPems: server.trustedCaPems });
  t.match(stepOf(report, 'ppp'), { status: 'fail', code: 'timeout' });
  t.same(report.ppp?.authProtocols, []);
  t.equal(report.ok, false);
  t.ok(report.findings.some((f) => f.cause === 'ppp-negotiation-failed' && f.severity === 'error'));
  t.equal(report.sstp?.teardown, 'disconnect-ack');
  await server.waitFor((e) => e.type === 'close');
  t.ok(server.events.some((e) => e.type === 'data'), 'our LCP Configure-Request went out');
  t.notOk(wire(server).includes('ECHO_REQUEST'));
});

t.test('ppp: false (--no-ppp) stops at the SSTP handshake: not-applicable, no data packet sent', async (t) => {
  const server = await start(t, 'ppp-mschapv2');
  const report = await probe(server.address, { ...FAST, trustedCaPems: server.trustedCaPems, ppp: false });
  t.equal(report.ok, true);
  t.match(stepOf(report, 'ppp'), { status: 'skip', code: 'not-applicable' });
  t.equal(report.ppp, null);
  await server.waitFor((e) => e.type === 'close');
  t.notOk(server.events.some((e) => e.type === 'data'));
});

t.test('the built CLI: --enumerate-auth and --no-ppp', async (t) => {
  const server = await start(t, 'ppp-several');
  const ca = join(mkdtempSync(join(tmpdir(), 'sstp-probe-ppp-')), 'ca.pem');
  writeFileSync(ca, server.trustedCaPems.join('\n'));

  const enumerated = await runBin([server.address, '--json', '--ca', ca, '--enumerate-auth']);
  t.equal(enumerated.code, 0, enumerated.stderr);
  t.same(JSON.parse(enumerated.stdout).ppp.authProtocols, ['eap', 'mschapv2', 'pap']);

  const text = await runBin([server.address, '--ca', ca], { NO_COLOR: '1' });
  t.equal(text.code, 0, text.stderr);
  t.match(text.stdout, /\bppp\b/);
  t.match(text.stdout, /EAP/);

  const off = await runBin([server.address, '--json', '--ca', ca, '--no-ppp']);
  t.equal(off.code, 0, off.stderr);
  const report = JSON.parse(off.stdout);
  t.equal(report.ppp, null);
  t.equal(report.steps.find((s: { name: string }) => s.name === 'ppp').code, 'not-applicable');

  const conflict = await runBin([server.address, '--no-ppp', '--enumerate-auth']);
  t.equal(conflict.code, 2);
  t.match(conflict.stderr, /--enumerate-auth/);
});

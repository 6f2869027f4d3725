import t, { type Test } from 'tap';
import { execFileSync } from 'node:child_process';
import { getEventListeners } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probe } from '../lib/probe.js';
import type { ProbeReport, StepName } from '../lib/types.js';
import { unusedPort } from '../fixtures/ports.js';
import { stepOf } from './helpers/report-builder.js';
import { fixtureStarter } from './helpers/fixture.js';
import type { Scenario } from '../fixtures/scenario.js';

const start = fixtureStarter();
const FAST = { stepTimeoutMs: 1_500, timeoutMs: 8_000 };


function opensslFingerprint(pem: string, algorithm: 'sha1' | 'sha256'): string {
  const dir = mkdtempSync(join(tmpdir(), 'sstp-probe-'));
  const file = join(dir, 'leaf.pem');
  writeFileSync(file, pem);
  const out = execFileSync('openssl', ['x509', '-in', file, '-noout', '-fingerprint', `-${algorithm}`], { encoding: 'utf8' });
  return out.trim().split('=')[1]!.replace(/:/g, '');
}

t.test('healthy server: every step passes and the thumbprints are the ones openssl computes', async (t) => {
  const server = await start(t, 'healthy');
  const report = await probe(server.address, { ...FAST, trustedCaPems: server.trustedCaPems });
  t.equal(report.ok, true, 'ok');
  for (const name of ['tcp', 'tls', 'http', 'sstp'] as const) t.equal(stepOf(report, name).status, 'pass', `${name} passes`);
  t.equal(stepOf(report, 'dns').code, 'literal');
  t.equal(stepOf(report, 'proxy').status, 'skip');
  t.equal(report.certificate?.sha1, opensslFingerprint(server.certificate!.pem, 'sha1'));
  t.equal(report.certificate?.sha256, opensslFingerprint(server.certificate!.pem, 'sha256'));
  t.equal(report.http?.status, 200);
  t.equal(report.http?.version, '1.1');
  t.equal(report.http?.server, 'Microsoft-HTTPAPI/2.0');
  t.equal(report.http?.contentLength, '18446744073709551615');
  t.equal(report.sstp?.result, 'ack');
  t.same(report.sstp?.hashProtocols, ['sha1', 'sha256']);
  t.equal(report.sstp?.teardown, 'disconnect-ack');
  t.equal(report.connectedAddress, '127.0.0.1');
  t.same(report.findings.filter((f) => f.severity === 'error'), []);
  t.notMatch(JSON.stringify(report), /nonce/i, 'the nonce is never reported');

  const request = server.events.find((e) => e.type === 'http-request');
  t.match(request, { method: 'SSTP_DUPLEX_POST', target: '/sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/', version: '1.1' });
  const headers = new Map((request as { headers: Array<[string, string]> }).headers.map(([k, v]) => [k.toLowerCase(), v]));
  t.equal(headers.get('content-length'), '18446744073709551615');
  t.match(headers.get('sstpcorrelationid'), /^\{[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}\}$/);
  t.equal(headers.get('host'), '127.0.0.1');

  await server.waitFor((e) => e.type === 'close');
  const order = server.events.filter((e) => e.type === 'sstp' || e.type === 'close').map((e) => (e.type === 'sstp' ? e.message : 'close'));
  t.same(order, ['CALL_CONNECT_REQUEST', 'CALL_DISCONNECT', 'close'], 'the server saw Call Disconnect before the close');
});

for (const [bitmask, expected] of [[0x01, ['sha1']], [0x02, ['sha256']], [0x03, ['sha1', 'sha256']]] as const) {
  t.test(`Ack with hash bitmask 0x0${bitmask} reports ${expected.join('+')}`, async (t) => {
    const scenario: Scenario = { name: `bitmask-${bitmask}`, summary: '', expectCause: null, sstp: { hashBitmask: bitmask } };
    const server = await start(t, scenario);
    const report = await probe(server.address, { ...FAST, trustedCaPems: server.trustedCaPems });
    t.same(report.sstp?.hashProtocols, expected);
    t.equal(report.sstp?.hashBitmask, bitmask);
  });
}

t.test('an Ack offering no hash protocol fails the sstp step (a client must abort)', async (t) => {
  const server = await start(t, { name: 'no-hash', summary: '', expectCause: null, sstp: { hashBitmask: 0 } });
  const report = await probe(server.address, { ...FAST, trustedCaPems: server.trustedCaPems });
  t.equal(stepOf(report, 'sstp').status, 'fail');
  t.equal(stepOf(report, 'sstp').code, 'ack-no-hash');
  t.equal(report.ok, false);
});

t.test('a closed port is refused, and later steps are skipped', async (t) => {
  const port = await unusedPort();
  const report = await probe(`127.0.0.1:${port}`, FAST);
  t.equal(stepOf(report, 'tcp').code, 'refused');
  for (const name of ['tls', 'http', 'sstp'] as const) t.equal(stepOf(report, name).status, 'skip');
  t.equal(report.ok, false);
  t.ok(report.findings.some((f) => f.cause === 'tcp-refused' && f.severity === 'error'));
  t.equal(report.certificate, null);
  t.equal(report.http, null);
  t.equal(report.sstp, null);
});

const OUTCOMES: Array<{ scenario: string; step: StepName; code: string; check?: (t: Test, r: ProbeReport) => void }> = [
  { scenario: 'tls-reset', step: 'tls', code: 'reset' },
  { scenario: 'plain-http', step: 'tls', code: 'not-tls' },
  { scenario: 'http-silent', step: 'http', code: 'timeout' },
  { scenario: 'http-close', step: 'http', code: 'closed' },
  { scenario: 'http-1.0', step: 'http', code: 'version' },
  { scenario: 'http-404', step: 'http', code: 'status', check: (t, r) => t.equal(r.http?.status, 404) },
  { scenario: 'http-200-not-sstp', step: 'http', code: 'bad-content-length', check: (t, r) => t.equal(r.http?.contentLength, '13') },
  { scenario: 'sstp-nak', step: 'sstp', code: 'nak', check: (t, r) => t.match(r.sstp?.status, [{ attribId: 1, attribName: 'ENCAPSULATED_PROTOCOL_ID', status: 4, statusName: 'VALUE_NOT_SUPPORTED' }]) },
  { scenario: 'sstp-abort', step: 'sstp', code: 'abort', check: (t, r) => t.equal(r.sstp?.result, 'abort') },
  { scenario: 'sstp-silent', step: 'sstp', code: 'timeout', check: (t, r) => t.equal(r.sstp?.result, 'timeout') },
  { scenario: 'sstp-garbage', step: 'sstp', code: 'invalid', check: (t, r) => t.equal(r.sstp?.result, 'invalid') },
];

for (const outcome of OUTCOMES) {
  t.test(`${outcome.scenario}: ${outcome.step} step ends with ${outcome.code}`, async (t) => {
    const server = await start(t, outcome.scenario);
    const report = await probe(server.address, { ...FAST, trustedCaPems: server.trustedCaPems });
    t.equal(stepOf(report, outcome.step).status, 'fail');
    t.equal(stepOf(report, outcome.step).code, outcome.code);
    t.equal(report.ok, false);
    outcome.check?.(t, report);
  });
}

t.test('the HTTP.SYS-style server answers other URLs with 404', async (t) => {
  const server = await start(t, 'healthy');
  const { connect } = await import('node:tls');
  const body = await new Promise<string>((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: server.port, rejectUnauthorized: false }, () => {
      socket.write('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n');
    });
    let text = '';
    socket.on('data', (chunk) => {
      text += chunk;
      if (text.includes('\r\n\r\n')) {
        socket.destroy();
        resolve(text);
      }
    });
    socket.on('error', reject);
  });
  t.match(body, /^HTTP\/1\.1 404/);
});

t.test('a server that never answers TLS ends within the deadline', async (t) => {
  const server = await start(t, { name: 'tls-silent', summary: '', expectCause: 'tls-handshake-failed', tls: { behaviour: 'silent' } });
  const report = await probe(server.address, { stepTimeoutMs: 10_000, timeoutMs: 1_200 });
  t.equal(stepOf(report, 'tls').status, 'fail');
  t.match(stepOf(report, 'tls').code, /^(timeout|aborted)$/);
  t.ok(report.durationMs < 6_000, `resolved after ${report.durationMs} ms, not at the 10 s step timeout`);
});

t.test('cancelling through an AbortSignal stops the probe and closes its socket', async (t) => {
  const server = await start(t, 'sstp-silent');
  const controller = new AbortController();
  const pending = probe(server.address, { stepTimeoutMs: 30_000, timeoutMs: 60_000, signal: controller.signal, trustedCaPems: server.trustedCaPems });
  await server.waitFor((e) => e.type === 'sstp');
  controller.abort();
  const report = await pending;
  t.equal(stepOf(report, 'sstp').code, 'cancelled');
  t.equal(report.cancelled, true);
  t.same(report.findings.filter((f) => f.severity === 'error'), [], 'no server cause from a cancellation');
  await server.waitFor((e) => e.type === 'close');
  t.pass('the server saw the connection close');
});

t.test('many probe() calls on one signal: each is cancelled by it, no listener warning, nothing left on it after', async (t) => {
  const server = await start(t, 'sstp-silent');
  const warnings: string[] = [];
  const onWarning = (warning: Error): number => warnings.push(`${warning.name}: ${warning.message}`);
  process.on('warning', onWarning);
  t.teardown(() => void process.off('warning', onWarning));
  const controller = new AbortController();
  const calls = 12;
  const pending = Array.from({ length: calls }, () =>
    probe(server.address, { stepTimeoutMs: 30_000, timeoutMs: 60_000, signal: controller.signal, trustedCaPems: server.trustedCaPems }),
  );
  t.equal(getEventListeners(controller.signal, 'abort').length, 1, 'one listener on the signal for all the probes');
  const reachedSstp = (): boolean => server.events.filter((event) => event.type === 'sstp').length >= calls;
  await server.waitFor(reachedSstp, 20_000);
  controller.abort();
  const reports = await Promise.all(pending);
  t.same(reports.map((report) => stepOf(report, 'sstp').code), Array(calls).fill('cancelled'), 'every probe is cancelled at the SSTP step');
  t.same(getEventListeners(controller.signal, 'abort'), [], 'no listener left on the signal');
  await new Promise((resolve) => setImmediate(resolve));
  t.same(warnings.filter((warning) => warning.includes('MaxListeners')), [], 'no MaxListenersExceededWarning with 12 probes on one signal');
});

t.test('SNI: the host name by default, none for an IP literal, none with sni=null, a given name with sni', async (t) => {
  const server = await start(t, 'healthy');
  const resolver = async () => [{ address: '127.0.0.1', family: 4 as const }];
  const named = await probe(`localhost:${server.port}`, { ...FAST, resolver, trustedCaPems: server.trustedCaPems });
  t.equal(named.tls?.sni, 'localhost');
  t.equal(stepOf(named, 'dns').code, 'resolved');
  const literal = await probe(server.address, { ...FAST, trustedCaPems: server.trustedCaPems });
  t.equal(literal.tls?.sni, null);
  const none = await probe(`localhost:${server.port}`, { ...FAST, resolver, sni: null, trustedCaPems: server.trustedCaPems });
  t.equal(none.tls?.sni, null);
  const given = await probe(server.address, { ...FAST, sni: 'sstp.test', trustedCaPems: server.trustedCaPems });
  t.equal(given.tls?.sni, 'sstp.test');
  const names = server.events.filter((e) => e.type === 'tls').map((e) => (e as { servername: string | null }).servername);
  t.ok(names.includes('localhost') && names.includes('sstp.test'), 'the server received the names sent');
});

t.test('DNS: a name that does not resolve fails the dns step and skips the rest', async (t) => {
  const resolver = async () => {
    throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
  };
  const report = await probe('vpn.does-not-exist.test', { ...FAST, resolver });
  t.equal(stepOf(report, 'dns').code, 'not-found');
  t.equal(stepOf(report, 'tcp').status, 'skip');
  t.ok(report.findings.some((f) => f.cause === 'dns-resolution-failed'));
});

t.test('DNS: a resolver that never answers times out', async (t) => {
  const resolver = () => new Promise<never>(() => {});
  const report = await probe('vpn.slow.test', { stepTimeoutMs: 300, timeoutMs: 3_000, resolver });
  t.equal(stepOf(report, 'dns').code, 'timeout');
});

t.test('the report always has the same shape', async (t) => {
  const port = await unusedPort();
  const failed = await probe(`127.0.0.1:${port}`, FAST);
  const server = await start(t, 'healthy');
  const healthy = await probe(server.address, { ...FAST, trustedCaPems: server.trustedCaPems });
  t.same(Object.keys(failed).sort(), Object.keys(healthy).sort());
  t.same(failed.steps.map((s) => s.name), healthy.steps.map((s) => s.name));
});

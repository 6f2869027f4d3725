import t, { type Test } from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpStep, type HttpStepOutcome } from '../lib/steps/http.js';
import { StreamReader } from '../lib/net/stream-reader.js';
import { probe } from '../lib/probe.js';
import type { Scenario } from '../fixtures/scenario.js';
import { fixtureStarter } from './helpers/fixture.js';
import { handshake } from './helpers/step-chain.js';
import { runBin } from './helpers/cli.js';
import { stepOf } from './helpers/report-builder.js';

// The http step alone, over a real TLS connection to the fixture: SSTP_DUPLEX_POST out, one outcome back.

const start = fixtureStarter();

async function exchange(t: Test, scenario: Scenario | string, timeoutMs = 2_000, signal?: AbortSignal): Promise<HttpStepOutcome> {
  const server = await start(t, scenario);
  const socket = await handshake(server);
  t.teardown(() => socket.destroy());
  return httpStep(socket, new StreamReader(socket), { timeoutMs, host: 'sstp.test', ...(signal ? { signal } : {}) });
}

const http = (behaviour: NonNullable<Scenario['http']>): Scenario => ({ name: `http-${behaviour.behaviour ?? 'sstp'}`, summary: '', expectCause: null, http: behaviour });

t.test('an SSTP server answers 200 with the 2^64-1 Content-Length', async (t) => {
  const out = await exchange(t, 'healthy');
  t.match(out.step, { name: 'http', status: 'pass', code: 'sstp-ok' });
  t.match(out.info, { status: 200, version: '1.1', contentLength: '18446744073709551615', server: 'Microsoft-HTTPAPI/2.0' });
  t.match(out.correlationId, /^\{[0-9A-F-]{36}\}$/i, 'the request carried a correlation id');
});

t.test('each way an answer goes wrong has its own code', async (t) => {
  const cases: Array<[Scenario | string, string]> = [
    ['http-close', 'closed'],
    [http({ behaviour: 'garbage' }), 'malformed'],
    ['http-404', 'status'],
    ['http-1.0', 'version'],
    ['http-200-not-sstp', 'bad-content-length'],
  ];
  for (const [scenario, code] of cases) {
    const out = await exchange(t, scenario);
    t.match(out.step, { status: 'fail', code }, typeof scenario === 'string' ? scenario : scenario.name);
  }
});

t.test('a silent server is a timeout that names the wait, in whole milliseconds', async (t) => {
  const out = await exchange(t, 'http-silent', 400.4);
  t.match(out.step, { status: 'fail', code: 'timeout' });
  t.equal(out.step.detail, 'no HTTP response within 400 ms (the step deadline)');
  t.equal(out.info, null);
});

t.test('a cancellation while waiting reads cancelled, not a server fault', async (t) => {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 200);
  const out = await exchange(t, 'http-silent', 10_000, controller.signal);
  t.match(out.step, { status: 'skip', code: 'cancelled' });
  t.match(out.step.detail, /^cancelled from outside after \d+ ms/);
});

t.test('a server trickling bytes: a partial response, N bytes in M s', async (t) => {
  const trickle = http({ behaviour: 'trickle', trickleMs: 40 });
  const out = await exchange(t, trickle, 1_000);
  t.match(out.step, { status: 'fail', code: 'partial' });
  const [, bytes, seconds] = /^partial response, (\d+) bytes in (\d+\.\d) s, no complete HTTP head within 1000 ms/.exec(out.step.detail ?? '') ?? [];
  t.ok(Number(bytes) > 0, `bytes counted: ${out.step.detail}`);
  t.ok(Number(seconds) >= 1, 'the time is the wait, in seconds');
});

t.test('the trickling server end to end: the report and the CLI say "partial response"', async (t) => {
  const server = await start(t, 'http-trickle');
  const report = await probe(server.address, { stepTimeoutMs: 1_200, trustedCaPems: server.trustedCaPems, revocation: false, env: {} });
  t.equal(stepOf(report, 'http').code, 'partial');
  const finding = report.findings.find((f) => f.cause === 'http-no-response');
  t.match(finding?.summary, /began an HTTP response but did not finish it in time to SSTP_DUPLEX_POST \(partial response, \d+ bytes in \d+\.\d s/);
  t.notMatch(finding?.summary, /sent no HTTP response/);

  const ca = join(mkdtempSync(join(tmpdir(), 'sstp-probe-')), 'ca.pem');
  writeFileSync(ca, server.trustedCaPems.join('\n'));
  const run = await runBin([server.address, '--ca', ca, '--no-revocation', '--step-timeout', '1200'], { NO_COLOR: '1' });
  t.equal(run.code, 1, run.stderr);
  t.match(run.stdout, /partial response, \d+ bytes in \d+\.\d s/);
});

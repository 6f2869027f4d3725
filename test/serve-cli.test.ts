import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, runBin } from './helpers/cli.js';
import { fixtureStarter } from './helpers/fixture.js';
import { httpGet } from './helpers/http-get.js';
import { parseExposition, sampleValue } from './helpers/prometheus-text.js';
import { parseNagios } from './helpers/nagios-output.js';
import { parseListen } from '../lib/serve/command.js';
import type { Scenario } from '../fixtures/scenario.js';

// The monitoring modes as users run them: the built bin in a child process.

const start = fixtureStarter();
const dir = mkdtempSync(join(tmpdir(), 'sstp-probe-serve-cli-'));
const HOLDING: Scenario = { name: 'holding', summary: 'accepts, then says nothing', expectCause: null, tls: { behaviour: 'silent' } };

function trustFile(pems: string[]): string {
  const file = join(dir, `ca-${Math.random().toString(36).slice(2)}.pem`);
  writeFileSync(file, pems.join('\n'));
  return file;
}

t.test('serve: SIGTERM during probes cancels them and exits 0 within 2 s', async (t) => {
  const server = await start(t, HOLDING);
  const child = spawn(process.execPath, [BIN, 'serve', '--listen', '127.0.0.1:0', '--timeout', '120000', '--step-timeout', '120000'], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
      const match = /serving on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
      if (match) resolve(match[1]!);
    });
    child.once('exit', () => reject(new Error(`serve exited before listening: ${stderr}`)));
  });
  const probes = [1, 2, 3].map(() => httpGet(`${url}/probe?target=${server.address}`).catch((error: Error) => ({ status: 0, body: error.message })));
  for (let i = 0; i < 200; i++) {
    const own = parseExposition((await httpGet(`${url}/metrics`)).body);
    if (sampleValue(own, 'sstp_probe_exporter_probes_in_flight') === 3) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const sent = performance.now();
  child.kill('SIGTERM');
  const { code, signal } = await exited;
  const elapsed = performance.now() - sent;
  t.equal(signal, null, 'not killed by the signal: it handled it');
  t.equal(code, 0, stderr);
  t.ok(elapsed < 2000, `exited ${Math.round(elapsed)} ms after SIGTERM`);
  t.match(stderr, /stopped/);
  const answers = await Promise.all(probes);
  t.ok(answers.every((answer) => answer.status === 503 || answer.status === 0), 'the probes in flight were cancelled, not answered as if complete');
});

t.test('serve: bad flags are usage errors', async (t) => {
  const listen = await runBin(['serve', '--listen', 'host:port']);
  t.equal(listen.code, 2);
  t.match(listen.stderr, /--listen "host:port": the port must be a number/);
  const concurrent = await runBin(['serve', '--max-concurrent', '0']);
  t.equal(concurrent.code, 2);
  t.match(concurrent.stderr, /--max-concurrent must be a whole number/);
  const user = await runBin(['serve', '--user', 'alice', '--password-env', 'PW'], { PW: 'x' });
  t.equal(user.code, 2);
  t.match(user.stderr, /serve never logs in/);
});

t.test('--listen: loopback by default and when only a port is named; other addresses only when written out', async (t) => {
  t.same(parseListen(undefined), { host: '127.0.0.1', port: 9468, loopback: true });
  t.same(parseListen(':9100'), { host: '127.0.0.1', port: 9100, loopback: true });
  t.same(parseListen('[::1]:9100'), { host: '::1', port: 9100, loopback: true });
  t.same(parseListen('0.0.0.0:9468'), { host: '0.0.0.0', port: 9468, loopback: false });
  t.same(parseListen('192.0.2.10'), { host: '192.0.2.10', port: 9468, loopback: false });
  t.throws(() => parseListen('::1:9100'), /\[address\]:port/);
});

t.test('--format nagios: healthy -> SSTP OK, exit 0, valid perfdata', async (t) => {
  const server = await start(t, 'healthy');
  const run = await runBin([server.address, '--format', 'nagios'], { NODE_EXTRA_CA_CERTS: trustFile(server.trustedCaPems) });
  t.equal(run.code, 0, run.stderr);
  t.equal(run.stdout.split('\n').length, 2, 'one line');
  const parsed = parseNagios(run.stdout);
  t.equal(parsed.state, 'OK');
  t.ok(parsed.perf.find((p) => p.label === 'time' && p.uom === 's'));
  t.ok(parsed.perf.find((p) => p.label === 'sstp' && p.uom === 's'));
  const days = parsed.perf.find((p) => p.label === 'cert_days')!;
  t.ok(days.value > 30);
  t.same([days.warn, days.crit], ['30:', '7:']);
});

t.test('--format nagios: HTTP 404 -> SSTP CRITICAL, exit 2', async (t) => {
  const server = await start(t, 'http-404');
  const run = await runBin([server.address, '--format=nagios'], { NODE_EXTRA_CA_CERTS: trustFile(server.trustedCaPems) });
  t.equal(run.code, 2, run.stderr);
  const parsed = parseNagios(run.stdout);
  t.equal(parsed.state, 'CRITICAL');
  t.match(parsed.summary, /404/);
  t.notOk(parsed.perf.some((p) => p.label === 'sstp'), 'no duration for a step never reached');
});

t.test('--format nagios: certificate expiring in 10 days -> SSTP WARNING, exit 1; --critical-days 14 -> CRITICAL', async (t) => {
  const server = await start(t, 'cert-expiring-soon');
  const env = { NODE_EXTRA_CA_CERTS: trustFile(server.trustedCaPems) };
  const run = await runBin([server.address, '--format', 'nagios'], env);
  t.equal(run.code, 1, run.stdout + run.stderr);
  const parsed = parseNagios(run.stdout);
  t.equal(parsed.state, 'WARNING');
  t.match(parsed.summary, /expires in 10 days/);
  t.equal(parsed.perf.find((p) => p.label === 'cert_days')!.value, 10);
  const critical = await runBin([server.address, '--format', 'nagios', '--critical-days', '14'], env);
  t.equal(critical.code, 2);
  t.equal(parseNagios(critical.stdout).state, 'CRITICAL');
});

t.test('--format nagios: usage errors are UNKNOWN, exit 3', async (t) => {
  for (const args of [
    ['--format', 'nagios'],
    ['a.test', 'b.test', '--format', 'nagios'],
    ['bad..host', '--format', 'nagios'],
    ['a.test', '--format', 'nagios', '--warning-days', 'x'],
    ['a.test', '--format', 'nagios', '--warning-days', '5', '--critical-days', '10'],
    ['a.test', '--format', 'nagios', '--no-such-flag'],
  ]) {
    const run = await runBin(args);
    t.equal(run.code, 3, args.join(' '));
    t.equal(parseNagios(run.stdout).state, 'UNKNOWN', args.join(' '));
  }
});

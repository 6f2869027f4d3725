import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBin } from './helpers/cli.js';
import { fixtureStarter } from './helpers/fixture.js';
import { parseNagios } from './helpers/nagios-output.js';

// `--format nagios` as Nagios runs it: the built bin in a child process, its stdout and exit code.

const start = fixtureStarter();
const dir = mkdtempSync(join(tmpdir(), 'sstp-probe-nagios-cli-'));

function trustFile(pems: string[]): string {
  const file = join(dir, `ca-${Math.random().toString(36).slice(2)}.pem`);
  writeFileSync(file, pems.join('\n'));
  return file;
}

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

import t, { type Test } from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBin } from './helpers/cli.js';
import { fixtureStarter } from './helpers/fixture.js';
import { unusedPort } from '../fixtures/ports.js';
import { runCli, type CliIo } from '../cli/cli.js';
import type { ProbeReport } from '../lib/types.js';

const start = fixtureStarter();
const dir = mkdtempSync(join(tmpdir(), 'sstp-probe-fleet-cli-'));
const FAST = ['--step-timeout', '2000', '--timeout', '10000'];

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function endpoint(report: ProbeReport): string {
  return `${report.target.host}:${report.target.port}`;
}

/** Every stdout line must be one complete report. */
function parseNdjson(t: Test, stdout: string): ProbeReport[] {
  const lines = stdout.split('\n');
  t.equal(lines.pop(), '', 'output ends with a newline');
  return lines.map((line) => {
    const report = JSON.parse(line) as ProbeReport;
    t.equal(report.schemaVersion, 1);
    return report;
  });
}

async function closedPorts(count: number): Promise<string[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await unusedPort());
  return [...ports].map((port) => `127.0.0.1:${port}`);
}

t.test('several targets with --json: NDJSON, one valid report per target, exit 1 when one fails', async (t) => {
  const healthy = await start(t, 'ppp-mschapv2');
  const notFound = await start(t, 'http-404');
  const reset = await start(t, 'tls-reset');
  const [closed] = await closedPorts(1);
  const ca = file('ca-mix.pem', healthy.trustedCaPems.join('\n'));
  const targets = [healthy.address, closed!, notFound.address, reset.address];
  const run = await runBin([...targets, '--json', '--ca', ca, ...FAST]);
  t.equal(run.code, 1, run.stderr);
  const reports = parseNdjson(t, run.stdout);
  t.equal(reports.length, targets.length, 'one line per target');
  t.same(new Set(reports.map(endpoint)), new Set(targets), 'each line names its target, all targets present');
  const byTarget = new Map(reports.map((report) => [endpoint(report), report]));
  t.equal(byTarget.get(healthy.address)!.ok, true, 'the healthy server is ok');
  const causes = (target: string) => byTarget.get(target)!.findings.map((finding) => finding.cause);
  t.ok(causes(closed!).includes('tcp-refused'));
  t.ok(causes(notFound.address).includes('http-url-not-registered'));
  t.ok(causes(reset.address).includes('tls-handshake-failed'));
  t.equal(run.stderr, '', 'nothing on a piped stderr: no progress line');
});

t.test('every target healthy: exit 0; text mode prints a line per target and a summary table', async (t) => {
  // Healthy servers that also speak PPP, so they are healthy whether or not the probe reads the LCP offer.
  const one = await start(t, 'ppp-mschapv2');
  const two = await start(t, 'ppp-softether');
  const ca = file('ca-healthy.pem', [...one.trustedCaPems, ...two.trustedCaPems].join('\n'));
  const run = await runBin([one.address, two.address, '--ca', ca, ...FAST], { NO_COLOR: '1' });
  t.equal(run.code, 0, run.stdout + run.stderr);
  const [lines, table] = run.stdout.split('\n\n');
  t.equal(lines!.split('\n').length, 2, 'one line per finished target');
  for (const server of [one, two]) t.match(lines, new RegExp(`^✔ ${server.address}\\s+ok\\b`, 'm'));
  t.match(table, /^TARGET\s+VERDICT\s+FIRST CAUSE\s+DURATION$/m);
  const rows = table!.split('\n').slice(1, 3);
  t.match(rows[0], new RegExp(`^${one.address}\\s+ok\\s+-\\s+\\d+`), 'the table keeps the order given');
  t.match(rows[1], new RegExp(`^${two.address}\\s+ok\\s+-\\s+\\d+`));
  t.match(run.stdout, /2 targets probed in .*: 2 ok, 0 with problems/);
  t.notMatch(run.stderr, /\r|done/, 'no progress line on a piped stderr');
});

t.test('text mode with a failing target: exit 1 and its first cause in the table', async (t) => {
  const notFound = await start(t, 'http-404');
  const [closed] = await closedPorts(1);
  const ca = file('ca-404.pem', notFound.trustedCaPems.join('\n'));
  const run = await runBin([closed!, notFound.address, '--ca', ca, ...FAST], { NO_COLOR: '1' });
  t.equal(run.code, 1);
  t.match(run.stdout, new RegExp(`^✘ ${closed}\\s+problem\\s+tcp-refused`, 'm'));
  t.match(run.stdout, new RegExp(`^${notFound.address.replace(/\./g, '\\.')}\\s+problem\\s+http-url-not-registered`, 'm'));
  t.match(run.stdout, /2 targets probed in .*: 0 ok, 2 with problems/);
});

t.test('a targets file: comments, blank lines, duplicates probed once', async (t) => {
  const ports = await closedPorts(3);
  const list = file('list.txt', [
    '# three closed ports',
    ports[0],
    '',
    `${ports[1]}   # second`,
    ports[0],
    `  ${ports[2]}`,
    ports[1]!.toUpperCase(),
    '',
  ].join('\n'));
  const run = await runBin(['--targets', list, '--json', ...FAST]);
  t.equal(run.code, 1);
  const reports = parseNdjson(t, run.stdout);
  t.same(reports.map(endpoint).sort(), [...ports].sort(), 'each distinct target once');
  t.match(run.stderr, /2 duplicate target/);
  const text = await runBin(['--targets', list, ...FAST], { NO_COLOR: '1' });
  t.match(text.stdout, /3 targets probed in .*; 2 duplicate entries skipped/);
});

t.test('--targets - reads standard input; arguments and a list combine', async (t) => {
  const ports = await closedPorts(3);
  const run = await runBin([ports[0]!, '--targets', '-', '--json', ...FAST], {}, `${ports[1]}\n# comment\n${ports[2]}\n`);
  t.equal(run.code, 1, run.stderr);
  t.same(parseNdjson(t, run.stdout).map(endpoint).sort(), [...ports].sort());
});

t.test('usage errors of fleet runs: exit 2, one message, nothing probed', async (t) => {
  const bad = file('bad.txt', 'vpn1.contoso.com\n# fine\nvpn2.contoso.com:http\n');
  const cases: Array<[string[], RegExp, string?]> = [
    [['--targets', bad], /bad\.txt: line 3: .*invalid port/],
    [['--targets', '-'], /\(stdin\): line 2: one target per line/, 'vpn1.contoso.com\nvpn2 vpn3\n'],
    [['--targets', join(dir, 'missing.txt')], /--targets: cannot read .*missing\.txt.*: no such file/],
    [['--targets', dir], /--targets: cannot read .*: it is a directory/],
    [['--targets', file('empty.txt', '# nothing here\n\n')], /holds no target/],
    [['a.example', 'b.example', '--shard', '0/2'], /--shard 0\/2/],
    [['a.example', 'b.example', '--shard', 'half'], /--shard takes i\/n/],
    [['a.example', 'b.example', '--concurrency', '0'], /--concurrency/],
    [['a.example', 'bad host!'], /not a valid host/],
  ];
  for (const [args, message, stdin] of cases) {
    const run = await runBin(args, {}, stdin);
    t.equal(run.code, 2, args.join(' '));
    t.match(run.stderr, message);
    t.equal(run.stderr.split('\n')[0]!.startsWith('sstp-probe: '), true, 'one line saying what is wrong');
    t.notMatch(run.stderr, /\n\s+at /, 'no stack trace');
    t.equal(run.stdout, '', 'nothing probed');
  }
});

t.test('--shard: the shards of a list cover it exactly once; an empty shard is not a failure', async (t) => {
  const ports = await closedPorts(7);
  const list = file('shards.txt', `${ports.join('\n')}\n${ports[3]}\n`);
  const seen: string[][] = [];
  for (const index of [1, 2, 3]) {
    const run = await runBin(['--targets', list, '--shard', `${index}/3`, '--json', ...FAST]);
    t.equal(run.code, 1);
    seen.push(parseNdjson(t, run.stdout).map(endpoint));
  }
  t.same(seen.map((shard) => shard.length), [3, 2, 2]);
  t.same(seen.flat().sort(), [...ports].sort(), 'union = the list, no target twice');
  const empty = await runBin([ports[0]!, ports[1]!, '--shard', '3/3', '--json']);
  t.equal(empty.code, 0);
  t.equal(empty.stdout, '');
  t.match(empty.stderr, /shard 3\/3 of 2 target\(s\) is empty/);
});

t.test('a fleet run keeps the heap near its live size, unless the user gave a heap flag; one target leaves it alone', async (t) => {
  const [first, second] = await closedPorts(2);
  const debug = { DEBUG: 'sstp-probe:cli', DEBUG_COLORS: '0' };
  const fleet = await runBin([first!, second!, '--json', ...FAST], debug);
  t.equal(fleet.code, 1, 'both targets refused: exit 1');
  t.match(fleet.stderr, /heap: the old generation grows to at most 1\.5 times its live size/, 'the fleet run sets the heap growth');
  const own = await runBin([first!, second!, '--json', ...FAST], { ...debug, NODE_OPTIONS: '--max-old-space-size=512' });
  t.match(own.stderr, /heap: left to the flag given \(--max-old-space-size\)/, "the user's own heap flag wins");
  t.notMatch(own.stderr, /grows to at most/, 'and nothing is set over it');
  const single = await runBin([first!, '--json', ...FAST], debug);
  t.equal(single.code, 1);
  t.notMatch(single.stderr, /heap:/, 'a single probe leaves the heap alone');
});

t.test('a single target keeps the single-target output: pretty JSON, not NDJSON', async (t) => {
  const [closed] = await closedPorts(1);
  const run = await runBin([closed!, '--json', ...FAST]);
  t.equal(run.code, 1);
  t.match(run.stdout, /^\{\n {2}"schemaVersion": 1,/);
  const list = file('one.txt', `${closed}\n`);
  const listed = await runBin(['--targets', list, '--json', ...FAST]);
  t.equal(listed.stdout.split('\n').length, 2, 'a list of one is still NDJSON: one line');
});

interface Captured {
  io: CliIo;
  stdout: () => string;
  stderr: () => string;
}

function capture(tty: { stdout: boolean; stderr: boolean }): Captured {
  let out = '';
  let err = '';
  return {
    io: {
      stdout: { write: (text: string) => (out += text), isTTY: tty.stdout },
      stderr: { write: (text: string) => (err += text), isTTY: tty.stderr },
      env: { NO_COLOR: '1' },
    },
    stdout: () => out,
    stderr: () => err,
  };
}

t.test('the progress line: on a terminal stderr only, never in stdout', async (t) => {
  const ports = await closedPorts(2);
  const terminal = capture({ stdout: true, stderr: true });
  t.equal(await runCli([...ports, ...FAST], terminal.io), 1);
  t.match(terminal.stderr(), /\r\x1b\[K2\/2 done, 2 with problems, [\d.]+\/s/, 'done/total, failures and rate on stderr');
  t.notMatch(terminal.stdout(), /done,|\r/, 'stdout holds only results');

  const piped = capture({ stdout: false, stderr: false });
  t.equal(await runCli([...ports, ...FAST], piped.io), 1);
  t.equal(piped.stderr(), '', 'a piped stderr gets nothing');

  const jsonToFile = capture({ stdout: false, stderr: true });
  await runCli([...ports, '--json', ...FAST], jsonToFile.io);
  t.match(jsonToFile.stderr(), /2\/2 done/, 'JSON redirected to a file: progress on the terminal');
  t.notMatch(jsonToFile.stdout(), /done,|\r/);

  const jsonToTerminal = capture({ stdout: true, stderr: true });
  await runCli([...ports, '--json', ...FAST], jsonToTerminal.io);
  t.equal(jsonToTerminal.stderr(), '', 'JSON on the terminal: no progress mixed into it');
});

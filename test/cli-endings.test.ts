import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, runBin } from './helpers/cli.js';
import { fixtureStarter } from './helpers/fixture.js';
import { unusedPort } from '../fixtures/ports.js';
import { runCli, type CliIo } from '../cli/cli.js';
import { quoteInput } from '../lib/errors.js';
import { parseTarget } from '../lib/target.js';

// How a CLI run ends when the user stops it, the reader goes away, or the input is bad (issue 10).

const start = fixtureStarter();
const dir = mkdtempSync(join(tmpdir(), 'sstp-probe-endings-'));

function spawnBin(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH!, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk) => (out.stdout += chunk));
  child.stderr.on('data', (chunk) => (out.stderr += chunk));
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  return { child, out, closed };
}

t.test('Ctrl-C with several targets: finished and in-flight targets are printed, exit 130', async (t) => {
  const closed = `127.0.0.1:${await unusedPort()}`;
  for (const json of [false, true]) {
    // Fresh servers each round, so the wait below sees this run's requests.
    const slow = [await start(t, 'sstp-silent'), await start(t, 'sstp-silent')];
    const args = [slow[0]!.address, closed, slow[1]!.address, '--step-timeout', '60000', '--timeout', '90000', ...(json ? ['--json'] : [])];
    const run = spawnBin(args, { NO_COLOR: '1' });
    for (const server of slow) await server.waitFor((e) => e.type === 'sstp' && e.message === 'CALL_CONNECT_REQUEST', 60_000);
    run.child.kill('SIGINT');
    t.equal(await run.closed, 130, 'exit 130');
    t.match(run.out.stderr, /cancelled: the run is incomplete/);
    t.notMatch(run.out.stderr, /\n\s+at /, 'no stack trace');
    if (json) {
      const lines = run.out.stdout.trim().split('\n').map((line) => JSON.parse(line) as { target: { port: number } });
      t.equal(lines.length, 3, 'the finished target and both in-flight ones are NDJSON lines');
    } else {
      t.match(run.out.stdout, new RegExp(`✘ ${closed}  problem  tcp-refused`), 'the finished target');
      for (const server of slow) t.match(run.out.stdout, new RegExp(`⊘ 127\\.0\\.0\\.1:${server.port}  cancelled  during the \\w+ step`), 'in flight: cancelled');
      t.match(run.out.stdout, /1 with problems, 2 cancelled/, 'the table counts them apart');
    }
  }
});

t.test('Ctrl-C in the demo: it stops at once, no made-up ✘ rows, exit 130', async (t) => {
  const run = spawnBin(['demo', '--step-timeout', '60000'], { NO_COLOR: '1' });
  await new Promise<void>((resolve) => {
    const check = (): void => (run.out.stdout.includes('Probing') ? resolve() : void setTimeout(check, 50));
    check();
  });
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  run.child.kill('SIGINT');
  t.equal(await run.closed, 130);
  t.notMatch(run.out.stdout, /✘/, 'no scenario is blamed for the cancel');
  t.match(run.out.stdout, /Cancelled: \d+ of \d+ finished scenarios diagnosed as expected; \d+ cut short, \d+ not run/);
  t.match(run.out.stderr, /demo cancelled/);
});

t.test('a reader that goes away (| head) ends the run quietly, with the verdict as exit code', async (t) => {
  const ports = new Set<number>();
  while (ports.size < 30) ports.add(await unusedPort());
  const list = join(dir, 'many.txt');
  writeFileSync(list, [...ports].map((port) => `127.0.0.1:${port}\n`).join(''));
  for (const [command, expected] of [
    [`"${process.execPath}" "${BIN}" --targets "${list}" --step-timeout 2000 | head -1`, 1],
    [`"${process.execPath}" "${BIN}" --targets "${list}" --step-timeout 2000 --json | head -c100`, 1],
    [`"${process.execPath}" "${BIN}" demo --list | head -1`, 0],
  ] as const) {
    const child = spawn('bash', ['-c', `${command} >/dev/null; echo "exit=\${PIPESTATUS[0]}" >&2`], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    await new Promise((resolve) => child.on('close', resolve));
    t.match(stderr, new RegExp(`exit=${expected}\\n$`), command);
    t.notMatch(stderr, /EPIPE|Unhandled|\n\s+at /, 'no stack trace');
  }
});

t.test('--password-stdin reads the first line and does not wait for the end of input', async (t) => {
  const port = await unusedPort();
  const run = spawnBin([`127.0.0.1:${port}`, '--json', '--user', 'bob', '--password-stdin']);
  run.child.stdin.write('pw\r\nsecond line\n');
  // stdin stays open: the probe must start anyway.
  const timer = setTimeout(() => run.child.kill('SIGKILL'), 60_000);
  const code = await run.closed;
  clearTimeout(timer);
  t.equal(code, 1, 'probed (a closed port is a problem), not waiting for EOF');
  t.ok(JSON.parse(run.out.stdout).findings.some((f: { cause: string }) => f.cause === 'tcp-refused'));
  t.notMatch(run.out.stdout + run.out.stderr, /\bpw\b/, 'the password is never echoed');
});

t.test('--password-stdin on a terminal: a prompt on stderr, raw mode (no echo), restored after', async (t) => {
  const port = await unusedPort();
  const modes: boolean[] = [];
  let out = '';
  let err = '';
  const stdin = Object.assign((async function* () {
    yield Buffer.from('s3cr');
    yield Buffer.from('et\r');
    await new Promise(() => {}); // a terminal never ends
  })(), { isTTY: true, setRawMode: (raw: boolean) => modes.push(raw) });
  const io: CliIo = { stdout: { write: (text) => (out += text) }, stderr: { write: (text) => (err += text) }, env: {}, stdin };
  const code = await runCli([`127.0.0.1:${port}`, '--json', '--user', 'bob', '--password-stdin'], io);
  t.equal(code, 1);
  t.match(err, /^Password for bob: /, 'prompt on stderr');
  t.same(modes, [true, false], 'echo off while typing, back on after');
  t.notMatch(out + err, /s3cret/, 'never echoed');
});

t.test('after a usage error the process exits at once (no timer of a half-built probe keeps it alive)', async (t) => {
  for (const [args, env] of [
    [['127.0.0.1:1'], { HTTPS_PROXY: 'socks5://x' }],
    [['127.0.0.1:1', '--proxy', 'http://127.0.0.1:99999'], {}],
    [['127.0.0.1:1', '127.0.0.2:1', '--proxy', 'http://'], {}],
  ] as const) {
    const run = spawnBin([...args], { ...env });
    let messageAt = 0;
    run.child.stderr.once('data', () => (messageAt = performance.now()));
    t.equal(await run.closed, 2, args.join(' '));
    t.ok(performance.now() - messageAt < 1_000, 'exited within 1 s of its message');
  }
});

const USAGE: Array<[string[], RegExp]> = [
  [['127.0.0.1:1', '-p', '2', '-p', '3'], /--port was given twice/],
  [['127.0.0.1:1', '--timeout', '1e3', '--timeout', '2000'], /--timeout was given twice/],
  [['127.0.0.1:1', '--proxy', ''], /--proxy needs a URL/],
  [['127.0.0.1:1', '--proxy'], /--proxy needs a URL/],
  [['127.0.0.1:1', '--concurrency', '0'], /--concurrency must be a whole number/],
  [['127.0.0.1:1', '127.0.0.2:1', '--concurrency', '0'], /--concurrency must be a whole number/],
  [['a.example:1;b.example:2'], /one target per line/],
  [['a.example:1,b.example:2'], /one target per line/],
];

for (const [args, message] of USAGE) {
  t.test(`usage error: ${args.join(' ')}`, async (t) => {
    const run = await runBin(args);
    t.equal(run.code, 2);
    t.match(run.stderr, message);
    t.equal(run.stdout, '');
  });
}

t.test('untrusted input echoed in a message is cut and its control bytes escaped', async (t) => {
  const junk = `x\u001b[31m${'y'.repeat(4 * 1024 * 1024)}`;
  const list = join(dir, 'junk.txt');
  writeFileSync(list, `127.0.0.1:1\n${junk}\n`);
  const run = await runBin(['--targets', list]);
  t.equal(run.code, 2);
  t.notMatch(run.stderr, /\u001b/, 'no raw escape reaches the terminal');
  t.match(run.stderr, /line 2: "x\\x1b\[31my+…"/, 'escaped and cut');
  t.ok(run.stderr.length < 400, 'the message stays short');
  t.equal([...quoteInput('z'.repeat(500))].length, 120);
  const flag = await runBin(['127.0.0.1:1', `--${'z'.repeat(500)}`]);
  t.equal(flag.code, 2);
  t.match(flag.stderr, /Unknown argument: z+…\n/, 'an unknown flag is cut too');
  t.ok(flag.stderr.length < 300);
});

t.test('one rule for international names: both forms are probed by their punycode', async (t) => {
  t.same(parseTarget('bücher.example'), { host: 'xn--bcher-kva.example', port: 443 });
  t.same(parseTarget('https://bücher.example/'), { host: 'xn--bcher-kva.example', port: 443 });
});

t.test('--help wraps to the width of the terminal it was given', async (t) => {
  let out = '';
  const io: CliIo = { stdout: { write: (text) => (out += text), columns: 60 }, stderr: { write: () => true }, env: {} };
  t.equal(await runCli(['--help'], io), 0);
  t.ok(out.split('\n').every((line) => line.length <= 60), 'no line wider than 60');
});

import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { plainProbeArgs, runCli, type CliIo } from '../cli/cli.js';
import type { ProbeReport } from '../lib/types.js';
import { fixtureStarter } from './helpers/fixture.js';

// The plainest probe (`host[:port]`, --json, --ca) is parsed without yargs. It must behave exactly as the
// same command line parsed by yargs: the same report, the same exit code; anything else goes to yargs.

const start = fixtureStarter();
const dir = mkdtempSync(join(tmpdir(), 'sstp-probe-plain-'));

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: { write: (text: string) => (stdout += text) }, stderr: { write: (text: string) => (stderr += text) }, env: {} };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

/** What a user reads in a report, without the clock. */
function essentials(report: ProbeReport): unknown {
  return {
    ok: report.ok,
    target: report.target,
    steps: report.steps.map((step) => [step.name, step.status, step.code]),
    revocation: report.revocation?.verdict,
    findings: report.findings.map((finding) => finding.cause),
  };
}

t.test('the plainest probe gives the same report and exit code as through yargs', async (t) => {
  const server = await start(t, 'healthy');
  const ca = join(dir, 'ca.pem');
  writeFileSync(ca, server.trustedCaPems.join('\n'));
  t.ok(plainProbeArgs([server.address, '--json', '--ca', ca]), 'parsed without yargs');
  t.equal(plainProbeArgs([server.address, '--json', '--ca', ca, '--revocation']), null, '--revocation (on by default) sends it to yargs');
  const plain = await run([server.address, '--json', '--ca', ca]);
  const parsed = await run([server.address, '--json', '--ca', ca, '--revocation']);
  t.equal(plain.code, 0);
  t.equal(plain.code, parsed.code);
  t.equal(plain.stderr, parsed.stderr);
  t.same(essentials(JSON.parse(plain.stdout) as ProbeReport), essentials(JSON.parse(parsed.stdout) as ProbeReport));
  t.equal((JSON.parse(plain.stdout) as ProbeReport).revocation?.verdict, 'good', 'the CRL was checked');

  // Without --json: the text report, without the timings.
  const untimed = (text: string): string => text.replace(/ +\d+ ms/g, ' N ms').replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, 'TIME');
  const text = await run([server.address, `--ca=${ca}`]);
  const textParsed = await run([server.address, `--ca=${ca}`, '--ppp']);
  t.equal(text.code, textParsed.code);
  t.equal(untimed(text.stdout), untimed(textParsed.stdout));
});

t.test('a bad target is the same usage error either way', async (t) => {
  const plain = await run(['vpn.example.test:http']);
  const parsed = await run(['vpn.example.test:http', '--ppp']);
  t.equal(plain.code, 2);
  t.equal(plain.code, parsed.code);
  t.equal(plain.stderr, parsed.stderr);
});

t.test('only the plainest command lines skip yargs', async (t) => {
  const defaults = { 'all-addresses': true, revocation: true, ppp: true };
  t.same(plainProbeArgs(['vpn.example.test']), { target: ['vpn.example.test'], ...defaults });
  t.same(plainProbeArgs(['--json', '[::1]:8443']), { target: ['[::1]:8443'], json: true, ...defaults });
  t.same(plainProbeArgs(['10.0.0.1:443', '--ca', 'a.pem', '--ca=dir/b.pem']), { target: ['10.0.0.1:443'], ca: ['a.pem', 'dir/b.pem'], ...defaults });
  for (const argv of [
    [], ['demo'], ['serve'], ['help'], ['a.example', 'b.example'], ['a.example', '--json', '--json'], ['a.example', '--ca'],
    ['a.example', '--ca', '--json'], ['a.example', '--ca='], ['a.example', '-p', '8443'], ['a.example', '--no-ppp'],
    ['a.example', '--help'], ['--version'], ['-h'], [' a.example'], ['a.example', '--targets', 'list.txt'], ['a example'],
  ]) {
    t.equal(plainProbeArgs(argv), null, JSON.stringify(argv));
  }
});

t.test('the word help still shows the help', async (t) => {
  const run1 = await run(['help']);
  t.equal(run1.code, 0);
  t.match(run1.stdout, /sstp-probe <host\[:port\]> \[options\]/);
});

t.test('the plain parse gives every default the option table has (as --help shows them)', async (t) => {
  const help = await run(['--help']);
  const defaults: Record<string, unknown> = {};
  let option: string | null = null;
  for (const line of help.stdout.split('\n')) {
    const named = /^\s+(?:-\w, )?--([\w-]+)/.exec(line);
    if (named) option = named[1]!;
    else if (!line.startsWith('  ')) option = null;
    const given = /\[default: ([^\]]+)\]/.exec(line);
    if (option && given) defaults[option] = JSON.parse(given[1]!) as unknown;
  }
  t.ok(Object.keys(defaults).length >= 3, `read the defaults from --help: ${Object.keys(defaults).join(', ')}`);
  const plain = plainProbeArgs(['vpn.example.test'])!;
  for (const [name, value] of Object.entries(defaults)) t.same(plain[name], value, `--${name} defaults to ${String(value)} either way`);
});

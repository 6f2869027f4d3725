import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBin } from './helpers/cli.js';
import { fixtureStarter } from './helpers/fixture.js';
import { unusedPort } from '../fixtures/ports.js';
import { VERSION } from '../lib/version.js';

const start = fixtureStarter();
const dir = mkdtempSync(join(tmpdir(), 'sstp-probe-cli-'));

async function trustFile(pems: string[]): Promise<string> {
  const file = join(dir, `ca-${Math.random().toString(36).slice(2)}.pem`);
  writeFileSync(file, pems.join('\n'));
  return file;
}

t.test('healthy fixture: exit 0 and ok: true in JSON', async (t) => {
  const server = await start(t, 'healthy');
  const ca = await trustFile(server.trustedCaPems);
  const run = await runBin([server.address, '--json', '--timeout', '10000'], { NODE_EXTRA_CA_CERTS: ca });
  t.equal(run.code, 0, run.stderr);
  const report = JSON.parse(run.stdout);
  t.equal(report.ok, true);
  t.equal(report.schemaVersion, 1);
  t.same(report.steps.filter((s: { status: string }) => s.status === 'pass').map((s: { name: string }) => s.name), ['dns', 'tcp', 'tls', 'http', 'sstp', 'ppp']);
  t.equal(report.certificate.sha1, server.certificate!.sha1);
  t.equal(report.tls.authorizationError, null, "Node's own verdict trusts the NODE_EXTRA_CA_CERTS root too");
  t.equal(report.sstp.result, 'ack');
  await server.waitFor((e) => e.type === 'sstp' && e.message === 'CALL_DISCONNECT');
});

t.test('--ca trusts a private CA the same way', async (t) => {
  const server = await start(t, 'healthy');
  const ca = await trustFile(server.trustedCaPems);
  const run = await runBin([server.address, '--json', '--ca', ca]);
  t.equal(run.code, 0, run.stderr);
  t.equal(JSON.parse(run.stdout).ok, true);
});

t.test('closed port: exit 1 with a tcp-refused finding', async (t) => {
  const port = await unusedPort();
  const run = await runBin([`127.0.0.1:${port}`, '--json']);
  t.equal(run.code, 1);
  const report = JSON.parse(run.stdout);
  t.ok(report.findings.some((f: { cause: string }) => f.cause === 'tcp-refused'));
});

t.test('text output: verdict, steps and thumbprints; NO_COLOR means no escapes', async (t) => {
  const server = await start(t, 'healthy');
  const ca = await trustFile(server.trustedCaPems);
  const plain = await runBin([server.address], { NODE_EXTRA_CA_CERTS: ca, NO_COLOR: '1', FORCE_COLOR: '1' });
  t.equal(plain.code, 0, plain.stderr);
  t.notMatch(plain.stdout, /\x1b\[/, 'no ANSI escapes under NO_COLOR');
  t.match(plain.stdout, server.certificate!.sha1);
  t.match(plain.stdout, server.certificate!.sha256);
  for (const name of ['tcp', 'tls', 'http', 'sstp']) t.match(plain.stdout, new RegExp(`\\b${name}\\b`));
  const colored = await runBin([server.address], { NODE_EXTRA_CA_CERTS: ca, FORCE_COLOR: '1' });
  t.match(colored.stdout, /\x1b\[/, 'colour when forced');
});

t.test('DEBUG=sstp-probe:* shows the wire', async (t) => {
  const server = await start(t, 'healthy');
  const run = await runBin([server.address, '--json'], { DEBUG: 'sstp-probe:*' });
  t.match(run.stderr, /CALL_CONNECT_REQUEST/);
  t.match(run.stderr, /CALL_CONNECT_ACK/);
  t.match(run.stderr, /SSTP_DUPLEX_POST/);
});

t.test('--version and --help', async (t) => {
  const version = await runBin(['--version']);
  t.equal(version.code, 0);
  t.equal(version.stdout.trim(), VERSION);
  const help = await runBin(['--help']);
  t.equal(help.code, 0);
  t.match(help.stdout, /sstp-probe <host\[:port\]>/);
  t.match(help.stdout, /Examples:/);
  t.match(help.stdout, /--no-sni|--sni/);
  t.match(help.stdout, /Exit codes/);
});

const USAGE_ERRORS: Array<[string[], RegExp]> = [
  [[], /target|argument/i],
  [['vpn.example.test', '--port', '70000'], /--port/],
  [['vpn.example.test:abc'], /invalid port/],
  [['vpn.example.test', '--timeout', 'soon'], /--timeout/],
  [['vpn.example.test', '--no-such-flag'], /no-such-flag|Unknown/i],
  [['vpn.example.test', '--expect-sha1', 'XYZ'], /--expect-sha1/],
  [['vpn.example.test', '--expect-sha1', 'AB'.repeat(32)], /--expect-sha1 takes 40/],
  [['vpn.example.test', '--netsh-sslcert', '/nonexistent/sslcert.txt'], /cannot read .*no such file/],
  [['vpn.example.test', '--ca', '/nonexistent/ca.pem'], /--ca: cannot read/],
  [['ftp://vpn.example.test/'], /HTTPS/],
  [['demo', '--scenario', 'no-such-scenario'], /unknown scenario/],
  [['vpn.example.test:1:2'], /\[address\]:port/],
];

for (const [args, message] of USAGE_ERRORS) {
  t.test(`usage error: ${args.join(' ') || '(no arguments)'}`, async (t) => {
    const run = await runBin(args);
    t.equal(run.code, 2);
    t.match(run.stderr, message);
    t.notMatch(run.stderr, /\n\s+at /, 'no stack trace');
    t.equal(run.stdout, '', 'nothing on stdout');
  });
}

t.test('demo: probes the chosen scenarios and says each was diagnosed as expected', async (t) => {
  const run = await runBin(['demo', '--scenario', 'healthy', '--scenario', 'http-404', '--scenario', 'closed-port'], { NO_COLOR: '1' });
  t.equal(run.code, 0, run.stdout + run.stderr);
  t.match(run.stdout, /healthy/);
  t.match(run.stdout, /http-url-not-registered/);
  t.match(run.stdout, /tcp-refused/);
  t.match(run.stdout, /3 of 3 scenarios diagnosed as expected/);
  const list = await runBin(['demo', '--list']);
  t.match(list.stdout, /^healthy\s/m);
});

t.test('--netsh-sslcert: the hash bound on the server is compared with the one presented', async (t) => {
  const server = await start(t, 'healthy');
  const ca = await trustFile(server.trustedCaPems);
  const netsh = (hash: string): string => {
    const file = join(dir, `sslcert-${hash.slice(0, 6)}.txt`);
    const entry = (endpoint: string): string => [
      `    IP:port                      : ${endpoint}`,
      `    Certificate Hash             : ${hash.toLowerCase()}`,
      '    Application ID               : {ba195980-cd49-458b-9e23-c84ee0adcd75}',
      '    Certificate Store Name       : MY',
      '',
    ].join('\r\n');
    writeFileSync(file, `\r\nSSL Certificate bindings:\r\n-------------------------\r\n\r\n${entry(`0.0.0.0:${server.port}`)}\r\n${entry(`[::]:${server.port}`)}`);
    return file;
  };
  const other = '0F'.repeat(20);
  const mismatch = await runBin([server.address, '--json', '--netsh-sslcert', netsh(other)], { NODE_EXTRA_CA_CERTS: ca });
  t.equal(mismatch.code, 1);
  const finding = JSON.parse(mismatch.stdout).findings.find((f: { cause: string }) => f.cause === 'cert-hash-mismatch');
  t.ok(finding, 'cert-hash-mismatch');
  t.match(JSON.stringify(finding), other, 'the bound hash is named');
  t.match(JSON.stringify(finding), server.certificate!.sha1, 'and the presented one');
  const matching = await runBin([server.address, '--json', '--netsh-sslcert', netsh(server.certificate!.sha1)], { NODE_EXTRA_CA_CERTS: ca });
  t.equal(matching.code, 0, matching.stdout.slice(0, 400));
  const empty = join(dir, 'empty-sslcert.txt');
  writeFileSync(empty, 'nothing useful here\n');
  const unusable = await runBin([server.address, '--netsh-sslcert', empty]);
  t.equal(unusable.code, 2, 'a file without bindings is a usage error, not silently ignored');
  t.match(unusable.stderr, /holds no certificate binding/);
  t.notMatch(unusable.stderr, /\n\s+at /, 'no stack trace');
});

t.test('Ctrl-C: what was seen is printed, the exit code says cancelled, and the process ends at once', async (t) => {
  const server = await start(t, 'sstp-silent');
  const { spawn } = await import('node:child_process');
  const { BIN } = await import('./helpers/cli.js');
  const child = spawn(process.execPath, [BIN, server.address, '--json', '--step-timeout', '30000', '--timeout', '60000'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  await server.waitFor((e) => e.type === 'sstp' && e.message === 'CALL_CONNECT_REQUEST', 10_000);
  child.kill('SIGINT');
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  t.equal(code, 130);
  t.match(stderr, /cancelled before the probe finished/);
  const report = JSON.parse(stdout);
  t.equal(report.steps.find((s: { name: string }) => s.name === 'http').status, 'pass', 'the steps that finished are reported');
  t.equal(report.steps.find((s: { name: string }) => s.name === 'sstp').code, 'cancelled');
});

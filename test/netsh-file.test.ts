import t from 'tap';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeNetshFile, parseNetshSslcert } from '../lib/diagnose/netsh.js';
import { UsageError } from '../lib/errors.js';
import { runBin } from './helpers/cli.js';

// Saved `netsh http show sslcert` files as Windows writes them (issue 10 item 7).

const SAMPLE = readFileSync(new URL('./fixtures-netsh/rras-ipport-pair-crlf.txt', import.meta.url), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'sstp-probe-netsh-'));

function utf16be(text: string): Buffer {
  const le = Buffer.from(text, 'utf16le');
  const be = Buffer.alloc(le.length);
  for (let i = 0; i < le.length; i += 2) {
    be[i] = le[i + 1]!;
    be[i + 1] = le[i]!;
  }
  return Buffer.concat([Buffer.from([0xfe, 0xff]), be]);
}

t.test('UTF-16LE and UTF-16BE with a BOM and UTF-8 with a BOM read as the plain file does', async (t) => {
  const expected = parseNetshSslcert(SAMPLE);
  t.ok(expected.length > 0);
  const encodings: Array<[string, Buffer]> = [
    ['UTF-16LE (Windows PowerShell 5.1 "> file")', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(SAMPLE, 'utf16le')])],
    ['UTF-16BE', utf16be(SAMPLE)],
    ['UTF-8 with BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(SAMPLE, 'utf8')])],
  ];
  for (const [name, bytes] of encodings) {
    t.same(parseNetshSslcert(decodeNetshFile(bytes)), expected, name);
  }
  // And through the CLI: the file is accepted (a usage error would be exit 2).
  const file = join(dir, 'utf16le.txt');
  writeFileSync(file, encodings[0]![1]);
  const run = await runBin([`127.0.0.1:1`, '--netsh-sslcert', file, '--json', '--step-timeout', '2000']);
  t.equal(run.code, 1, run.stderr);
});

t.test('an unparseable certificate hash is a usage error naming its line', async (t) => {
  const broken = SAMPLE.replace(/(Certificate Hash\s+:\s+)[0-9a-fA-F]{40}/, '$1zz12');
  t.throws(() => parseNetshSslcert(broken), UsageError);
  t.throws(() => parseNetshSslcert(broken), { message: /line \d+: the certificate hash "zz12" is not a SHA-1 thumbprint/ });
  const file = join(dir, 'broken.txt');
  writeFileSync(file, broken);
  const run = await runBin(['127.0.0.1:1', '--netsh-sslcert', file]);
  t.equal(run.code, 2);
  t.match(run.stderr, /--netsh-sslcert: ".*broken\.txt" line \d+: the certificate hash "zz12"/);
  t.notMatch(run.stderr, /\n\s+at /);
});

t.test('a file whose bindings do not apply to the target gives an info finding naming them', async (t) => {
  const file = join(dir, 'other-port.txt');
  writeFileSync(file, SAMPLE);
  const bindings = parseNetshSslcert(SAMPLE);
  const port = bindings[0]!.port === 1 ? 2 : 1;
  const run = await runBin([`127.0.0.1:${port}`, '--netsh-sslcert', file, '--json', '--step-timeout', '2000']);
  const report = JSON.parse(run.stdout) as { findings: Array<{ cause: string; severity: string; summary: string }> };
  const finding = report.findings.find((f) => f.cause === 'binding-not-applicable');
  t.ok(finding, 'not silently ignored');
  t.equal(finding?.severity, 'info');
  t.match(finding?.summary, bindings[0]!.endpoint, 'the bindings it holds are named');
  t.match(finding?.summary, `none is on port ${port}`, 'and why none applies');
});

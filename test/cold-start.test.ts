import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BIN } from './helpers/cli.js';
import { fixtureStarter } from './helpers/fixture.js';
import { unusedPort } from '../fixtures/ports.js';
import { HELP_DEFAULTS } from '../cli/cli.js';
import { DEFAULT_STEP_TIMEOUT_MS, DEFAULT_TIMEOUT_MS } from '../lib/probe.js';
import { DEFAULT_CONCURRENCY } from '../lib/fleet.js';

// A CLI that imports everything up front makes `--version` and `--help` wait for node-forge, undici and the
// whole probe. These tests run the built bin with a preload that records every module it loads (ES modules
// through a resolve hook, CommonJS through require) and check what each command pulls in. No timing here:
// bench/cold-start.mjs measures the time. The built bin is bundled (scripts/bundle-cli.mjs): a file it loads
// from dist/bin/ stands for the source modules dist/bin/chunks/modules.json lists for it.

const dir = mkdtempSync(join(tmpdir(), 'sstp-probe-cold-'));
const HOOKS = `
import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(process.env.SSTP_PROBE_LOAD_LOG, resolved.url + '\\n');
  return resolved;
}
`;
const PRELOAD = join(dir, 'record-loads.mjs');
writeFileSync(PRELOAD, `
import { register, createRequire } from 'node:module';
import { appendFileSync } from 'node:fs';
register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOKS)}`)});
const Module = createRequire(import.meta.url)('node:module');
const load = Module._load;
Module._load = function (request, parent, isMain) {
  if (parent && parent.filename) appendFileSync(process.env.SSTP_PROBE_LOAD_LOG, 'require:' + request + ' from ' + parent.filename + '\\n');
  return load.apply(this, arguments);
};
`);

let runs = 0;
async function loadedBy(args: string[]): Promise<{ code: number | null; modules: string[] }> {
  const log = join(dir, `loads-${++runs}.txt`);
  writeFileSync(log, '');
  const child = spawn(process.execPath, ['--import', pathToFileURL(PRELOAD).href, BIN, ...args], {
    env: { PATH: process.env.PATH, SSTP_PROBE_LOAD_LOG: log },
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const entries = readFileSync(log, 'utf8').split('\n').filter(Boolean);
  return { code, modules: entries.flatMap((entry) => [entry, ...bundledIn(entry)]) };
}

const BIN_DIR = dirname(BIN);
const CHUNK_MODULES = join(BIN_DIR, 'chunks', 'modules.json');
const bundled: Record<string, string[]> = existsSync(CHUNK_MODULES) ? JSON.parse(readFileSync(CHUNK_MODULES, 'utf8')) as Record<string, string[]> : {};

/** The source modules (as `/dist/lib/probe.js`, `/node_modules/yargs/...`) inside a loaded file of the bundle. */
function bundledIn(entry: string): string[] {
  if (!entry.startsWith('file:')) return [];
  const file = relative(BIN_DIR, fileURLToPath(entry));
  return (bundled[file] ?? []).map((source) => `/${source}`);
}

const loaded = (modules: string[], fragment: string): boolean => modules.some((entry) => entry.includes(fragment));

const HEAVY = [
  ['node-forge', '/node_modules/node-forge/'],
  ['undici', '/node_modules/undici/'],
  ['the probe', '/dist/lib/probe.js'],
  ['the diagnosis', '/dist/lib/diagnose/index.js'],
  // lib/cert/names.ts (host and IP-literal rules, no I/O, no parsing of certificates) is what target parsing
  // shares with the judge; the judge and the X.509 decoders are what must not load.
  ['the certificate judge', '/dist/lib/cert/judge.js'],
  ['the X.509 decoders', '/dist/lib/cert/x509.js'],
  ['the text renderer', '/dist/lib/report/text.js'],
  ['the demo and its fixtures', '/dist/fixtures/demo.js'],
  ['the fleet runner', '/dist/lib/fleet.js'],
] as const;

const skip = existsSync(BIN) ? false : 'run npm run build first';

t.test('the recorder sees what a real probe loads (so the absences below mean something)', { skip }, async (t) => {
  const run = await loadedBy([`127.0.0.1:${await unusedPort()}`, '--json', '--step-timeout', '1000']);
  t.equal(run.code, 1);
  for (const fragment of ['/dist/cli/cli.js', '/node_modules/yargs/', '/dist/lib/probe.js', '/node_modules/node-forge/', '/dist/lib/diagnose/index.js']) {
    t.ok(loaded(run.modules, fragment), `a probe loads ${fragment}`);
  }
});

t.test('a healthy probe with its revocation check loads neither undici, nor the whole of node-forge, nor yargs', { skip }, async (t) => {
  const server = await fixtureStarter()(t, 'healthy');
  const ca = join(dir, 'healthy-ca.pem');
  writeFileSync(ca, server.trustedCaPems.join('\n'));
  const run = await loadedBy([server.address, '--json', '--ca', ca]);
  t.equal(run.code, 0, 'healthy, the CRL fetched and good');
  t.ok(server.pki!.requests.some((request) => request.endsWith('.crl')), 'the CRL was fetched');
  t.ok(loaded(run.modules, '/node_modules/node-forge/lib/asn1.js'), 'forge\'s ASN.1 decoder reads the certificates');
  t.notOk(run.modules.some((entry) => entry.includes('/node_modules/node-forge/lib/index.js') || entry.startsWith('require:node-forge from')), 'not the whole of node-forge');
  t.notOk(loaded(run.modules, '/node_modules/undici/'), 'no undici without a proxy');
  t.notOk(loaded(run.modules, '/node_modules/yargs/'), 'no yargs for `host --json --ca FILE`');
});

t.test('--version loads neither yargs nor the CLI module', { skip }, async (t) => {
  const run = await loadedBy(['--version']);
  t.equal(run.code, 0);
  t.ok(loaded(run.modules, '/dist/lib/version.js'));
  t.notOk(loaded(run.modules, '/node_modules/yargs/'), 'no yargs');
  t.notOk(loaded(run.modules, '/dist/cli/cli.js'), 'no cli.js');
  for (const [name, fragment] of HEAVY) t.notOk(loaded(run.modules, fragment), `no ${name}`);
});

t.test('--help loads yargs and the CLI, nothing of the probe', { skip }, async (t) => {
  const run = await loadedBy(['--help']);
  t.equal(run.code, 0);
  t.ok(loaded(run.modules, '/node_modules/yargs/'), 'yargs renders the help');
  for (const [name, fragment] of HEAVY) t.notOk(loaded(run.modules, fragment), `no ${name}`);
});

t.test('a usage error is reported before anything heavy loads', { skip }, async (t) => {
  for (const args of [['vpn.contoso.com:http'], ['a.example', 'b.example', '--shard', 'half'], ['--targets', join(dir, 'missing.txt')]]) {
    const run = await loadedBy(args);
    t.equal(run.code, 2, args.join(' '));
    for (const [name, fragment] of HEAVY) t.notOk(loaded(run.modules, fragment), `${args.join(' ')}: no ${name}`);
  }
});

t.test('--help shows the defaults the probe and the fleet really apply', async (t) => {
  t.equal(HELP_DEFAULTS.timeoutMs, DEFAULT_TIMEOUT_MS);
  t.equal(HELP_DEFAULTS.stepTimeoutMs, DEFAULT_STEP_TIMEOUT_MS);
  t.equal(HELP_DEFAULTS.concurrency, DEFAULT_CONCURRENCY);
});

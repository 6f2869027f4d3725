import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { caFileCertificates, gatherTrustAnchors, type TrustStoreFiles } from '../lib/cert-online/trust-store.js';
import { osTrustStore, prepareTrust, systemCaByDefault, systemCaProblem } from '../lib/trust.js';
import type { ProbeReport } from '../lib/types.js';
import { createCertFactory } from '../fixtures/certs.js';
import { startFixtureServer, type FixtureServer } from '../fixtures/server.js';
import { findScenario } from '../fixtures/scenarios/index.js';
import { BIN, runBin } from './helpers/cli.js';

// --ca-system reads the OS trust store where Node can (tls.getCACertificates('system'), Node 22.15+) and
// says in the report where the roots came from; on older Node it falls back to the bundle file and says
// so. --ca refuses a file whose PEM blocks are not all certificates.

const factory = createCertFactory();
const pki = factory.createPki();
const noFiles: TrustStoreFiles = { exists: () => false, read: () => { throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' }); } };

async function serve(t: Test): Promise<FixtureServer> {
  const server = await startFixtureServer(findScenario('healthy')!, { factory });
  t.teardown(() => server.close());
  return server;
}

function tempDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'sstp-probe-trust-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A Node binary that has tls.getCACertificates: this one, or one CI installed (.ci/run caches 22, 24, 26). */
function nodeWithOsStore(): string | null {
  if (osTrustStore() !== null) return process.execPath;
  const cache = process.env.SSTP_PROBE_NODE_CACHE ?? '/var/cache/sstp-probe-node';
  for (const major of ['22', '24', '26']) {
    const candidate = join(cache, major, 'package', 'bin', 'node');
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

function runWith(node: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(node, [BIN, ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

t.test('the OS store, when readable: its roots are anchors, counted once, and the report names the source', async (t) => {
  const store = () => [pki.root.certPem, pki.root.certPem, pki.intermediate.certPem];
  const got = gatherTrustAnchors({ bundled: ['BUNDLED'], systemCa: true, systemStore: store, files: noFiles });
  t.same(got.info.system, { source: 'os-store', path: null, certificates: 2, detail: null });
  t.equal(got.extraPems.length, 2, 'the TLS step is told about them too');

  const broken = gatherTrustAnchors({ bundled: [], systemCa: true, systemStore: () => { throw new Error('keychain locked'); }, files: noFiles });
  t.same(broken.info.system, { source: 'os-store', path: null, certificates: 0, detail: 'the OS trust store could not be read: keychain locked' });
  t.same(gatherTrustAnchors({ bundled: [], systemStore: store, files: noFiles }).info.system, null, 'not read unless asked');
});

t.test('without the OS store (Node before 22.15): the bundle file, and the report says why', async (t) => {
  const files: TrustStoreFiles = { exists: (p) => p === '/etc/ssl/cert.pem', read: () => pki.root.certPem };
  const got = gatherTrustAnchors({ bundled: [], systemCa: true, systemStore: null, files });
  t.match(got.info.system, { source: 'bundle-file', path: '/etc/ssl/cert.pem', certificates: 1 });
  t.match(got.info.system?.detail, /OS trust store is not available on Node v\d+.*22\.15.*bundle file instead/);
  const none = gatherTrustAnchors({ bundled: [], systemCa: true, systemStore: null, files: noFiles });
  t.match(none.info.system, { source: 'bundle-file', path: null, certificates: 0, detail: /not available on Node.*found none/ });
});

t.test('the OS store is the default on Windows only, and only where Node can read it', async (t) => {
  const store = () => [pki.root.certPem];
  t.equal(systemCaByDefault('win32', store), true);
  t.equal(systemCaByDefault('win32', null), false, 'Node 20 on Windows: no store to read, and no bundle file either');
  t.equal(systemCaByDefault('linux', store), false);
  t.equal(systemCaByDefault('darwin', store), false);
  const onWindows = prepareTrust({ platform: 'win32', systemStore: store, files: noFiles, env: {} });
  t.match(onWindows.anchors.info.system, { source: 'os-store', certificates: 1 });
  const optedOut = prepareTrust({ platform: 'win32', systemStore: store, systemCa: false, files: noFiles, env: {} });
  t.equal(optedOut.anchors.info.system, null, '--no-ca-system turns it off');
});

t.test('--ca-system is refused only where neither the OS store nor a bundle file can be read', async (t) => {
  t.equal(systemCaProblem(() => [], noFiles), null);
  t.equal(systemCaProblem(null, { exists: (p) => p === '/etc/ssl/cert.pem', read: () => '' }), null);
  t.match(systemCaProblem(null, noFiles), /cannot read the OS trust store.*22\.15.*no system CA bundle was found.*--ca <file>/);
});

t.test('a --ca file must hold only certificates', async (t) => {
  t.same(caFileCertificates(`# corp roots\n${pki.root.certPem}\n${pki.intermediate.certPem}`), { pems: [pki.root.certPem.trim(), pki.intermediate.certPem.trim()] });
  t.same(caFileCertificates('just text'), { problem: 'holds no PEM certificate' });
  const key = pki.root.keyPem;
  t.match(caFileCertificates(`${pki.root.certPem}\n${key}`), { problem: /^PEM block 2 of 2 is a private key, not a certificate/ });
  t.match(caFileCertificates('-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n'), { problem: /^its PEM block is a "CERTIFICATE REQUEST", not a certificate/ });
  t.match(caFileCertificates('-----BEGIN X509 CRL-----\nMIIB\n-----END X509 CRL-----\n'), { problem: /"X509 CRL", not a certificate/ });
  const damaged = pki.root.certPem.replace(/\n[A-Za-z0-9+/]{20}/, '\nAAAAAAAAAAAAAAAAAAAA');
  t.match(caFileCertificates(damaged), { problem: 'its PEM block is labelled CERTIFICATE but does not decode as an X.509 certificate' });
  t.match(caFileCertificates('-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n'), { problem: /does not decode/ });
});

t.test('CLI: --ca with a block that is not a certificate is a usage error that never quotes the file', async (t) => {
  const dir = tempDir(t);
  const cases = {
    'key.pem': pki.root.keyPem,
    'cert-and-key.pem': `${pki.root.certPem}\n${pki.root.keyPem}`,
    'csr.pem': '-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n',
    'junk.pem': '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n',
  };
  for (const [name, text] of Object.entries(cases)) {
    const file = join(dir, name);
    writeFileSync(file, text);
    const run = await runBin(['127.0.0.1:1', '--ca', file]);
    t.equal(run.code, 2, `${name}: usage error`);
    t.match(run.stderr, new RegExp(`--ca: ".*${name}" `), `${name}: names the file`);
    t.match(run.stderr, /not a certificate|does not decode|no PEM certificate/, `${name}: says what is wrong`);
    t.notMatch(run.stderr, /BEGIN|MII|at .*\.js/, `${name}: no file content, no stack trace`);
  }
});

const NODE_WITH_STORE = nodeWithOsStore();

t.test('--ca-system on Node 22+: a root added to the OpenSSL store makes the fixture trusted without --ca', {
  skip: NODE_WITH_STORE === null ? `no Node 22.15+ here (${process.version}, none cached in /var/cache/sstp-probe-node: .ci/run installs them)` : false,
}, async (t) => {
  const node = NODE_WITH_STORE!;
  const server = await serve(t);
  const dir = tempDir(t);
  const certDir = join(dir, 'certs');
  mkdirSync(certDir);
  writeFileSync(join(dir, 'roots.pem'), server.trustedCaPems.join('\n'));
  // SSL_CERT_FILE / SSL_CERT_DIR point OpenSSL's default store (what Node reads on Linux) at the throwaway root only.
  const env = { SSL_CERT_FILE: join(dir, 'roots.pem'), SSL_CERT_DIR: certDir };
  const args = [server.address, '--json', '--no-revocation', '--step-timeout', '5000'];

  const withStore = await runWith(node, [...args, '--ca-system'], env);
  t.equal(withStore.code, 0, withStore.stderr.slice(-400));
  const report = JSON.parse(withStore.stdout) as ProbeReport;
  t.equal(report.ok, true, 'healthy and trusted');
  t.equal(report.certificateChecks?.trust.verdict, 'trusted');
  t.match(report.certificateChecks?.trustAnchors, { extra: 0, system: { source: 'os-store', path: null, certificates: 1, detail: null } });

  const without = await runWith(node, args, env);
  const untrusted = JSON.parse(without.stdout) as ProbeReport;
  t.equal(untrusted.ok, false, 'without --ca-system the same root is not trusted (on Linux the store is not the default)');
  t.equal(untrusted.certificateChecks?.trustAnchors.system, null);
});

t.test('--ca-system on a Node without the OS store: the report says so and names the bundle file read', { skip: osTrustStore() !== null ? `Node ${process.version} reads the OS store` : false }, async (t) => {
  const server = await serve(t);
  const run = await runBin([server.address, '--json', '--no-revocation', '--ca-system', '--step-timeout', '5000']);
  const report = JSON.parse(run.stdout) as ProbeReport;
  t.match(report.certificateChecks?.trustAnchors.system, { source: 'bundle-file', detail: new RegExp(`not available on Node ${process.version.replace(/\./g, '\\.')}`) });
});

t.test("the TLS step's context trusts --ca beside Node's roots, and the CA stays out of other contexts", async (t) => {
  const { connect } = await import('node:tls');
  const server = await serve(t);
  const verdict = async (trust: ReturnType<typeof prepareTrust>): Promise<string> => {
    const socket = connect({ host: '127.0.0.1', port: server.port, servername: 'sstp.test', secureContext: trust.secureContext(), rejectUnauthorized: false });
    t.teardown(() => socket.destroy());
    await new Promise((resolve) => socket.once('secureConnect', resolve));
    return socket.authorized ? 'authorized' : String(socket.authorizationError);
  };
  t.equal(await verdict(prepareTrust({ trustedCaPems: server.trustedCaPems, env: {} })), 'authorized', 'the chain verifies against the extra CA');
  t.equal(await verdict(prepareTrust({ env: {} })), 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'a later run without --ca does not inherit it');
});

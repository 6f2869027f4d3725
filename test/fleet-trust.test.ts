import t, { type Test } from 'tap';
import { connect, createServer, type Server, type TLSSocket } from 'node:tls';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';
import { probeMany } from '../lib/fleet.js';
import { probe, type ProbeOptions } from '../lib/probe.js';
import { prepareTrust, type PreparedTrust } from '../lib/trust.js';
import { judgeCertificate, prepareAnchors } from '../lib/cert/judge.js';
import type { ProbeReport, Target } from '../lib/types.js';
import { formatTarget } from '../lib/target.js';
import { createCertFactory, type IssuedCert } from '../fixtures/certs.js';
import { fixtureStarter } from './helpers/fixture.js';

// A fleet run prepares the client's trust once (anchors, their index, one TLS client context) and shares it
// with every probe. What must not change: each target gets its own full handshake (no session carried from
// one server to the next), each chain is judged on its own, an old server is still described, and the CA
// files are read once, so a run judges every target against the same anchors.

const factory = createCertFactory();
const pki = factory.createPki({ key: { type: 'ec' } });
const leaf = pki.leaf({ subjectCN: 'sstp.test', dnsNames: ['sstp.test'], ipAddresses: ['127.0.0.1'] });
const FAST = { stepTimeoutMs: 2_000, timeoutMs: 8_000, ppp: false, revocation: false, env: {} } satisfies ProbeOptions;
const sha256 = (der: Buffer): string => createHash('sha256').update(der).digest('hex').toUpperCase();

async function collect(iterable: AsyncIterable<ProbeReport>): Promise<ProbeReport[]> {
  const reports: ProbeReport[] = [];
  for await (const report of iterable) reports.push(report);
  return reports;
}

interface PlainTlsServer {
  address: string;
  /** isSessionReused() as the server saw it, one entry per completed handshake. */
  resumed: boolean[];
}

/**
 * A bare HTTPS server that answers any request with 404 (as HTTP.SYS does for an unregistered URL). Servers
 * given the same ticket keys accept each other's session tickets, as a load-balanced farm does.
 */
async function plainTlsServer(t: Test, options: { ticketKeys: Buffer; minVersion?: 'TLSv1'; maxVersion: 'TLSv1' | 'TLSv1.2' | 'TLSv1.3'; ciphers?: string; cert?: IssuedCert }): Promise<PlainTlsServer> {
  const cert = options.cert ?? leaf;
  const resumed: boolean[] = [];
  const server: Server = createServer({
    key: cert.keyPem,
    cert: `${cert.certPem}${pki.intermediate.certPem}`,
    ticketKeys: options.ticketKeys,
    maxVersion: options.maxVersion,
    ...(options.minVersion ? { minVersion: options.minVersion } : {}),
    ...(options.ciphers ? { ciphers: options.ciphers } : {}),
  }, (socket: TLSSocket) => {
    resumed.push(socket.isSessionReused());
    socket.on('error', () => {});
    socket.once('data', () => socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n'));
  });
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as { port: number };
  return { address: `127.0.0.1:${port}`, resumed };
}

/** One handshake with a plain client; resolves with the session it was given (TLS 1.3 tickets arrive after). */
function handshake(address: string, session?: Buffer): Promise<{ reused: boolean; protocol: string | null; session: Buffer | null }> {
  const [host, port] = address.split(':') as [string, string];
  return new Promise((resolve, reject) => {
    let saved: Buffer | null = null;
    const socket = connect({ host, port: Number(port), rejectUnauthorized: false, ...(session ? { session } : {}) });
    socket.on('session', (s: Buffer) => (saved = s));
    socket.once('error', reject);
    socket.once('secureConnect', () => {
      const reused = socket.isSessionReused();
      const protocol = socket.getProtocol();
      socket.write('GET / HTTP/1.1\r\n\r\n');
      socket.once('end', () => resolve({ reused, protocol, session: saved ?? socket.getSession() ?? null }));
      socket.resume();
    });
  });
}

for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
  t.test(`${version}: one shared TLS context, yet no target resumes a session another target handed out`, async (t) => {
    const ticketKeys = Buffer.alloc(48, 7);
    const a = await plainTlsServer(t, { ticketKeys, maxVersion: version });
    const b = await plainTlsServer(t, { ticketKeys, maxVersion: version });

    // Control: these servers do resume a session offered to them, even one the other server issued.
    const first = await handshake(a.address);
    t.ok(first.session, 'server A hands out a session');
    const second = await handshake(b.address, first.session!);
    t.equal(second.reused, true, 'server B resumes a session from A when a client offers it');
    a.resumed.length = 0;
    b.resumed.length = 0;

    const trust = prepareTrust({ trustedCaPems: [pki.root.certPem], env: {} });
    const reports = await collect(probeMany([a.address, b.address, a.address, b.address], { ...FAST, trust, concurrency: 1 }));
    t.equal(reports.length, 4);
    for (const report of reports) {
      t.equal(report.tls?.protocol, version, `${formatTarget(report.target)}: ${version}`);
      t.equal(report.certificate?.chainTrusted, true, 'the chain is judged against the shared anchors');
      t.ok(report.findings.some((f) => f.cause === 'http-url-not-registered'), 'the probe went on past TLS');
    }
    t.ok(a.resumed.length >= 2 && b.resumed.length >= 2, 'every probe made its own handshake');
    t.same([...a.resumed, ...b.resumed].filter(Boolean), [], 'no handshake was a resumption');

    // A single probe given the same prepared trust behaves the same.
    await probe(a.address, { ...FAST, trust });
    t.equal(a.resumed.at(-1), false);
  });
}

t.test('the shared context keeps the old-server policy: a TLS 1.0-only server is still described', async (t) => {
  const old = await plainTlsServer(t, { ticketKeys: Buffer.alloc(48, 1), minVersion: 'TLSv1', maxVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' });
  await t.rejects(handshake(old.address), 'a client with Node\'s defaults refuses TLS 1.0');
  const trust = prepareTrust({ trustedCaPems: [pki.root.certPem], env: {} });
  const [report] = await collect(probeMany([old.address], { ...FAST, trust }));
  t.equal(report!.steps.find((s) => s.name === 'tls')?.status, 'pass');
  t.equal(report!.tls?.protocol, 'TLSv1');
});

t.test('one trust for the run, each chain judged on its own: an untrusted server stays untrusted', async (t) => {
  const start = fixtureStarter(factory);
  const healthy = await start(t, 'ppp-mschapv2');
  const selfSigned = await start(t, 'cert-self-signed');
  const reports = await collect(probeMany([healthy.address, selfSigned.address], { ...FAST, trustedCaPems: healthy.trustedCaPems, concurrency: 2 }));
  const by = new Map(reports.map((report) => [formatTarget(report.target), report]));
  t.equal(by.get(healthy.address)?.ok, true, 'the server whose CA was given is trusted');
  t.equal(by.get(selfSigned.address)?.certificate?.chainTrusted, false);
  t.ok(by.get(selfSigned.address)?.findings.some((f) => f.cause === 'cert-untrusted'), 'the self-signed one shows cert-untrusted');
});

t.test('the CA files are read once per run: every target is judged against the same anchors', async (t) => {
  const start = fixtureStarter(factory);
  const server = await start(t, 'ppp-mschapv2');
  const dir = mkdtempSync(join(tmpdir(), 'sstp-probe-fleet-trust-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'corp-root.pem');
  writeFileSync(file, server.trustedCaPems.join('\n'));

  const seen: Array<PreparedTrust | undefined> = [];
  let started = 0;
  const reports = await collect(probeMany([server.address, server.address, server.address], {
    ...FAST,
    env: { NODE_EXTRA_CA_CERTS: file },
    concurrency: 1,
    probe: (target: Target, options: ProbeOptions) => {
      seen.push(options.trust);
      // The file disappears mid-run: targets after the first must not notice.
      if (started++ === 1) rmSync(file);
      return probe(target, options);
    },
  }));
  t.equal(reports.length, 3);
  t.ok(seen[0] && seen.every((trust) => trust === seen[0]), 'every probe got the one prepared trust');
  for (const report of reports) {
    t.equal(report.certificate?.chainTrusted, true);
    t.same(report.certificateChecks?.trustAnchors.nodeExtraCaCerts, { path: file, certificates: 1, detail: null });
  }

  const given = prepareTrust({ env: {} });
  const passed: Array<PreparedTrust | undefined> = [];
  await collect(probeMany([server.address], { ...FAST, trust: given, probe: async (target, options) => (passed.push(options.trust), probe(target, options)) }));
  t.equal(passed[0], given, 'a trust passed in is used as it is');
});

t.test('anchor index: among roots with the same name, the one whose key signed the chain anchors it', async (t) => {
  // Two CAs with identical names and different keys, as when a CA renews its root with a new key.
  const renewed = createCertFactory().createPki({ key: { type: 'ec' } });
  const renewedLeaf = renewed.leaf({ subjectCN: 'sstp.test', dnsNames: ['sstp.test'] });
  const chain = [renewedLeaf.der, renewed.intermediate.der];
  const now = new Date();
  const both = prepareAnchors([pki.root.certPem, renewed.root.certPem]);
  const judged = judgeCertificate({ chain, host: 'sstp.test', now, trustedCaPems: [], preparedAnchors: both });
  t.equal(judged.trust.verdict, 'trusted');
  t.equal(judged.trust.anchor?.sha256, sha256(renewed.root.der), 'anchored on the renewed root');

  const oldOnly = judgeCertificate({ chain, host: 'sstp.test', now, trustedCaPems: [pki.root.certPem] });
  t.equal(oldOnly.trust.trusted, false, 'a root with the right name and another key does not anchor it');
  t.equal(oldOnly.trust.verdict, 'missing-intermediate', 'its key identifier differs, so it is not taken for the issuer');

  const withJunk = prepareAnchors(['-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----', 'not a PEM', renewed.root.certPem]);
  t.equal(judgeCertificate({ chain, host: 'sstp.test', now, trustedCaPems: [], preparedAnchors: withJunk }).trust.verdict, 'trusted', 'broken trust-store entries are skipped');
});

t.test('anchor index: an issuer name written with other case, spacing and string type still finds its root', async (t) => {
  // RFC 5280 §7.1: names compare after case folding and whitespace compression, whatever the string type.
  const keyPem = factory.keyFor({ type: 'rsa' }, 'ca:name-folding');
  const key = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  const publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  const printable = forge.asn1.Type.PRINTABLESTRING;
  const utf8 = forge.asn1.Type.UTF8;
  const make = (subject: forge.pki.CertificateField[], issuer: forge.pki.CertificateField[], ca: boolean, serial: string): Buffer => {
    const cert = forge.pki.createCertificate();
    cert.publicKey = publicKey;
    cert.serialNumber = serial;
    cert.validity.notBefore = new Date(Date.now() - 86_400_000);
    cert.validity.notAfter = new Date(Date.now() + 86_400_000);
    cert.setSubject(subject);
    cert.setIssuer(issuer);
    cert.setExtensions(ca ? [{ name: 'basicConstraints', cA: true }] : [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'sstp.test' }] }]);
    cert.sign(key, forge.md.sha256.create());
    return Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary');
  };
  // forge's typings call valueTagClass a class; it is the value's universal tag.
  const field = (shortName: string, value: string, tag: number): forge.pki.CertificateField => ({ shortName, value, valueTagClass: tag as forge.asn1.Class });
  const rootName = [field('O', 'Contoso Ltd', printable), field('CN', 'Contoso Root', printable)];
  const sameNameOtherwise = [field('O', 'CONTOSO  ltd', utf8), field('CN', ' contoso root ', utf8)];
  const root = make(rootName, rootName, true, '01');
  const child = make([field('CN', 'sstp.test', utf8)], sameNameOtherwise, false, '02');
  const rootPem = `-----BEGIN CERTIFICATE-----\n${root.toString('base64')}\n-----END CERTIFICATE-----\n`;
  const judged = judgeCertificate({ chain: [child], host: 'sstp.test', now: new Date(), trustedCaPems: [rootPem] });
  t.equal(judged.trust.verdict, 'trusted');
  t.equal(judged.trust.anchor?.sha256, sha256(root));
});

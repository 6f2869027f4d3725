import t from 'tap';
import { X509Certificate } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { createCertFactory, createCrl, issueCertificate, OID, type KeySpec } from '../fixtures/certs.js';

const factory = createCertFactory();
const KEYS: Array<[string, KeySpec]> = [
  ['RSA 2048', { type: 'rsa' }],
  ['ECDSA P-256', { type: 'ec', curve: 'P-256' }],
];
const DAY = 86_400_000;

function openssl(args: string[], input?: Buffer): string {
  return execFileSync('/usr/bin/openssl', args, { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}

for (const [label, key] of KEYS) {
  t.test(`${label}: Node reads back what the spec asked for`, async (t) => {
    const notBefore = new Date(Date.UTC(2024, 0, 1));
    const notAfter = new Date(Date.UTC(2051, 5, 30)); // past 2049: GeneralizedTime path
    const pki = factory.createPki({ key });
    const leaf = pki.leaf({
      subjectCN: 'vpn.contoso.test',
      dnsNames: ['vpn.contoso.test', '*.vpn.contoso.test'],
      ipAddresses: ['127.0.0.1', '2001:db8::1'],
      notBefore,
      notAfter,
      serialNumber: '00ab01',
      crlUrls: ['http://pki.contoso.test/issuing.crl'],
      ocspUrl: 'http://pki.contoso.test/ocsp',
      caIssuersUrl: 'http://pki.contoso.test/issuing.cer',
    });
    const x = new X509Certificate(leaf.der);
    t.equal(x.subject, 'CN=vpn.contoso.test');
    t.equal(x.issuer, 'O=sstp-probe\nCN=sstp-probe Test Issuing CA');
    t.equal(x.subjectAltName, 'DNS:vpn.contoso.test, DNS:*.vpn.contoso.test, IP Address:127.0.0.1, IP Address:2001:DB8:0:0:0:0:0:1');
    t.same(x.keyUsage, [OID.serverAuth]);
    t.equal(new Date(x.validFrom).getTime(), notBefore.getTime());
    t.equal(new Date(x.validTo).getTime(), notAfter.getTime());
    t.equal(x.serialNumber, 'AB01');
    t.equal(leaf.serialNumber, 'AB01', 'serial reported the way Node prints it');
    t.equal(x.publicKey.asymmetricKeyType, key.type);
    t.equal(x.ca, false);
    t.match(x.infoAccess ?? '', /OCSP - URI:http:\/\/pki\.contoso\.test\/ocsp/);
    t.match(x.infoAccess ?? '', /CA Issuers - URI:http:\/\/pki\.contoso\.test\/issuing\.cer/);
    const text = openssl(['x509', '-noout', '-text'], Buffer.from(leaf.certPem));
    t.match(text, /URI:http:\/\/pki\.contoso\.test\/issuing\.crl/, 'CRL distribution point readable by openssl');
    t.match(text, key.type === 'ec' ? /ecdsa-with-SHA256/ : /sha256WithRSAEncryption/);
  });

  t.test(`${label}: root -> intermediate -> leaf verifies`, async (t) => {
    const pki = factory.createPki({ key });
    const leaf = pki.leaf({ subjectCN: 'vpn.contoso.test', dnsNames: ['vpn.contoso.test'] });
    const root = new X509Certificate(pki.root.der);
    const inter = new X509Certificate(pki.intermediate.der);
    const x = new X509Certificate(leaf.der);
    t.ok(root.ca && inter.ca, 'both CAs carry basicConstraints cA');
    t.ok(root.verify(root.publicKey), 'root is self-signed');
    t.ok(inter.verify(root.publicKey), 'intermediate signed by root');
    t.ok(x.verify(inter.publicKey), 'leaf signed by intermediate');
    t.notOk(x.verify(root.publicKey), 'leaf not signed by root');
    t.ok(x.checkIssued(inter) && inter.checkIssued(root));
    const dir = mkdtempSync(join(tmpdir(), 'sstp-probe-certs-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'root.pem'), pki.root.certPem);
    writeFileSync(join(dir, 'inter.pem'), pki.intermediate.certPem);
    writeFileSync(join(dir, 'leaf.pem'), leaf.certPem);
    const out = openssl(['verify', '-purpose', 'sslserver', '-CAfile', join(dir, 'root.pem'), '-untrusted', join(dir, 'inter.pem'), join(dir, 'leaf.pem')]);
    t.match(out, /leaf\.pem: OK/, 'openssl accepts the chain for TLS server use (key identifiers, key usage)');
  });

  t.test(`${label}: a TLS server serves the chain and a client trusting the root accepts it`, async (t) => {
    const pki = factory.createPki({ key });
    const leaf = pki.leaf({ subjectCN: 'vpn.contoso.test', dnsNames: ['vpn.contoso.test'], ipAddresses: ['127.0.0.1'] });
    const server = tls.createServer({ key: leaf.keyPem, cert: leaf.certPem + pki.intermediate.certPem }, (s) => s.end());
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    t.teardown(() => server.close());
    const { port } = server.address() as AddressInfo;
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'vpn.contoso.test', ca: pki.root.certPem });
    await once(socket, 'secureConnect');
    const peer = socket.getPeerCertificate(true);
    t.equal(socket.authorized, true, String(socket.authorizationError ?? ''));
    t.ok(peer.raw.equals(leaf.der), 'client saw the leaf DER');
    t.ok(peer.issuerCertificate.raw.equals(pki.intermediate.der), 'and the intermediate after it');
    socket.destroy();
  });
}

t.test('variants: self-signed, CN-only, no EKU, clientAuth, SHA-1, small RSA, P-384', async (t) => {
  const self = factory.issueCertificate({ subjectCN: 'self.contoso.test', dnsNames: ['self.contoso.test'] });
  const sx = new X509Certificate(self.der);
  t.equal(sx.subject, sx.issuer);
  t.ok(sx.verify(sx.publicKey), 'self-signed verifies with its own key');

  const cnOnly = new X509Certificate(factory.issueCertificate({ subjectCN: 'cn-only.contoso.test' }).der);
  t.equal(cnOnly.subjectAltName, undefined, 'no SAN extension');

  const noEku = new X509Certificate(factory.issueCertificate({ subjectCN: 'a.test', eku: null }).der);
  t.equal(noEku.keyUsage, undefined, 'no EKU extension');
  const anyEku = new X509Certificate(factory.issueCertificate({ subjectCN: 'a.test', eku: [OID.anyExtendedKeyUsage] }).der);
  t.same(anyEku.keyUsage, ['2.5.29.37.0']);
  const client = new X509Certificate(factory.issueCertificate({ subjectCN: 'a.test', eku: [OID.clientAuth] }).der);
  t.same(client.keyUsage, ['1.3.6.1.5.5.7.3.2']);

  for (const k of [{ type: 'rsa' }, { type: 'ec' }] as KeySpec[]) {
    const sha1 = factory.issueCertificate({ subjectCN: 'sha1.test', key: k, signatureHash: 'sha1' });
    t.match(openssl(['x509', '-noout', '-text'], Buffer.from(sha1.certPem)), k.type === 'rsa' ? /sha1WithRSAEncryption/ : /ecdsa-with-SHA1/);
    t.ok(new X509Certificate(sha1.der).verify(new X509Certificate(sha1.der).publicKey));
  }
  const small = new X509Certificate(factory.issueCertificate({ subjectCN: 'small.test', key: { type: 'rsa', bits: 1024 } }).der);
  t.equal(small.publicKey.asymmetricKeyDetails?.modulusLength, 1024);
  const p384 = new X509Certificate(issueCertificate({ subjectCN: 'p384.test', key: { type: 'ec', curve: 'P-384' } }).der);
  t.equal(p384.publicKey.asymmetricKeyDetails?.namedCurve, 'secp384r1');

  const expired = new X509Certificate(
    factory.issueCertificate({ subjectCN: 'old.test', notBefore: new Date(Date.now() - 400 * DAY), notAfter: new Date(Date.now() - DAY) }).der,
  );
  t.ok(new Date(expired.validTo).getTime() < Date.now());
});

t.test('the factory reuses keys per role and top-level issueCertificate does not', async (t) => {
  const f = createCertFactory();
  const a = f.issueCertificate({ subjectCN: 'a.test' });
  const b = f.issueCertificate({ subjectCN: 'b.test' });
  t.equal(a.keyPem, b.keyPem, 'leaves of one kind share a key');
  const ca1 = f.issueCertificate({ subjectCN: 'CA one', isCA: true });
  const ca2 = f.issueCertificate({ subjectCN: 'CA two', isCA: true });
  t.not(ca1.keyPem, ca2.keyPem, 'each CA subject has its own key');
  t.not(a.keyPem, ca1.keyPem);
  const fresh = issueCertificate({ subjectCN: 'c.test', key: { type: 'ec' } });
  t.not(fresh.keyPem, f.issueCertificate({ subjectCN: 'c.test', key: { type: 'ec' } }).keyPem);
});

for (const [label, key] of KEYS) {
  t.test(`${label}: CRL lists the revoked serials and openssl verifies its signature`, async (t) => {
    const pki = factory.createPki({ key });
    const leaf = pki.leaf({ subjectCN: 'vpn.contoso.test' });
    const thisUpdate = new Date(Date.UTC(2025, 0, 1, 12));
    const nextUpdate = new Date(Date.UTC(2025, 0, 8, 12));
    const crl = createCrl(pki.intermediate, [{ serialNumber: leaf.serialNumber }, { serialNumber: '0f' }], { thisUpdate, nextUpdate, crlNumber: 7 });
    const dir = mkdtempSync(join(tmpdir(), 'sstp-probe-crl-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'ca.pem'), pki.intermediate.certPem);
    writeFileSync(join(dir, 'crl.der'), crl);
    const text = openssl(['crl', '-inform', 'DER', '-in', join(dir, 'crl.der'), '-CAfile', join(dir, 'ca.pem'), '-noout', '-text']);
    t.match(text, /Version 2/);
    t.match(text, /Issuer: O = sstp-probe, CN = sstp-probe Test Issuing CA/);
    t.match(text, /Last Update: Jan  1 12:00:00 2025 GMT/);
    t.match(text, /Next Update: Jan  8 12:00:00 2025 GMT/);
    t.match(text, new RegExp(`Serial Number: ${leaf.serialNumber}`));
    t.match(text, /Serial Number: 0F/);
    t.match(text, /CRL Number: \n\s+7/);
    // openssl prints the signature check on stderr
    const checked = execFileSync('/bin/sh', ['-c', `/usr/bin/openssl crl -inform DER -in "${join(dir, 'crl.der')}" -CAfile "${join(dir, 'ca.pem')}" -noout 2>&1`], { encoding: 'utf8' });
    t.match(checked, /verify OK/);

    const empty = createCrl(pki.intermediate, []);
    t.match(openssl(['crl', '-inform', 'DER', '-noout', '-text'], empty), /No Revoked Certificates/);
  });
}

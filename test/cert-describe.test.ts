import t from 'tap';
import { X509Certificate, createHash } from 'node:crypto';
import { createCertFactory, type KeySpec } from '../fixtures/certs.js';
import { describeCertificate } from '../lib/cert/describe.js';

// The certificate section of the report, checked against Node's own reading of the same DER.

const factory = createCertFactory();
const colonless = (fp: string): string => fp.replace(/:/g, '');

for (const [label, key, sigalg, bits] of [
  ['RSA 2048', { type: 'rsa' }, 'sha256WithRSAEncryption', 2048],
  ['ECDSA P-256', { type: 'ec', curve: 'P-256' }, 'ecdsa-with-SHA256', 256],
] as Array<[string, KeySpec, string, number]>) {
  t.test(`${label}: describes the leaf and the chain as sent`, async (t) => {
    const pki = factory.createPki({ key });
    const notBefore = new Date(Date.UTC(2025, 5, 1, 8, 30));
    const notAfter = new Date(Date.UTC(2027, 5, 1, 8, 30));
    const leaf = pki.leaf({
      subjectCN: 'vpn.contoso.test',
      subjectO: 'Contoso, Ltd',
      dnsNames: ['vpn.contoso.test', 'sstp.contoso.test'],
      ipAddresses: ['192.0.2.7', '2001:db8::7'],
      notBefore,
      notAfter,
      serialNumber: '1234ABCD',
    });
    const info = describeCertificate([leaf.der, pki.intermediate.der]);
    const x = new X509Certificate(leaf.der);
    t.equal(info.sha1, colonless(x.fingerprint), 'SHA-1 as netsh shows it: uppercase, no separators');
    t.equal(info.sha256, colonless(x.fingerprint256));
    t.equal(info.sha256, createHash('sha256').update(leaf.der).digest('hex').toUpperCase());
    t.equal(info.subject, 'CN=vpn.contoso.test, O=Contoso\\, Ltd', 'most specific first, commas escaped (RFC 4514)');
    t.equal(info.issuer, 'CN=sstp-probe Test Issuing CA, O=sstp-probe');
    t.equal(info.serialNumber, '1234ABCD');
    t.equal(info.notBefore, '2025-06-01T08:30:00.000Z');
    t.equal(info.notAfter, '2027-06-01T08:30:00.000Z');
    t.same(info.dnsNames, ['vpn.contoso.test', 'sstp.contoso.test']);
    t.same(info.ipAddresses, ['192.0.2.7', '2001:db8::7']);
    t.same(info.eku, ['1.3.6.1.5.5.7.3.1']);
    t.equal(info.hasEku, true);
    t.equal(info.keyType, key.type);
    t.equal(info.keyBits, bits);
    t.equal(info.signatureAlgorithm, sigalg);
    t.equal(info.selfSigned, false);
    t.equal(info.chainTrusted, null, 'not judged yet');
    t.equal(info.nameMatches, null);
    t.equal(new X509Certificate(info.pem).fingerprint256, x.fingerprint256, 'the PEM is the leaf itself');
    t.same(
      info.chain.map((c) => [c.subject, c.isCA, c.selfSigned]),
      [
        ['CN=vpn.contoso.test, O=Contoso\\, Ltd', false, false],
        ['CN=sstp-probe Test Issuing CA, O=sstp-probe', true, false],
      ],
    );
    t.equal(info.chain[1]!.sha1, colonless(new X509Certificate(pki.intermediate.der).fingerprint));
  });
}

t.test('self-signed, no EKU, no SAN, SHA-1', async (t) => {
  const c = factory.issueCertificate({ subjectCN: 'RRAS01', eku: null, signatureHash: 'sha1', key: { type: 'ec' } });
  const info = describeCertificate([c.der]);
  t.equal(info.selfSigned, true);
  t.same([info.eku, info.hasEku], [[], false]);
  t.same([info.dnsNames, info.ipAddresses], [[], []]);
  t.equal(info.signatureAlgorithm, 'ecdsa-with-SHA1');
  t.equal(info.subject, info.issuer);
  t.same(info.chain.map((x) => x.selfSigned), [true]);
});

t.test('bad input', async (t) => {
  t.throws(() => describeCertificate([]), RangeError);
  t.throws(() => describeCertificate([Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01])]), { name: 'DerDecodeError', field: 'certificate' });
});

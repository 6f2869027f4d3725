import t from 'tap';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import tls, { rootCertificates } from 'node:tls';
import { createCertFactory, OID, type CertSpec, type IssuedCert, type KeySpec, type Pki } from '../fixtures/certs.js';
import { judgeCertificate, type CertificateJudgement } from '../lib/cert/judge.js';
import { certificateChecks } from '../lib/cert/checks.js';
import { diagnose } from '../lib/diagnose/index.js';
import type { Finding } from '../lib/types.js';
import { healthyReport } from './helpers/report-builder.js';

// Certificate judgement, case by case, against what a Windows SSTP client would decide. The judgement is
// evidence; what a user reads is the diagnosis of it, so each case is also run through diagnose().

const factory = createCertFactory();
const DAY = 86_400_000;
const now = new Date();
const HOST = 'vpn.contoso.test';
const CRL = ['http://pki.contoso.test/issuing.crl'];
const AIA = 'http://pki.contoso.test/issuing.cer';

const pkis = new Map<string, Pki>();
function pki(key: KeySpec = { type: 'rsa' }): Pki {
  const id = JSON.stringify(key);
  let p = pkis.get(id);
  if (!p) {
    p = factory.createPki({ key, leafCrlUrls: CRL, leafCaIssuersUrl: AIA });
    pkis.set(id, p);
  }
  return p;
}

function leafOf(spec: Partial<CertSpec> = {}, key?: KeySpec): IssuedCert {
  return pki(key).leaf({ subjectCN: HOST, dnsNames: [HOST], ...spec });
}

function judge(chain: IssuedCert[], opts: { host?: string; trusted?: string[]; fetched?: IssuedCert[] } = {}): CertificateJudgement {
  return judgeCertificate({
    chain: chain.map((c) => c.der),
    host: opts.host ?? HOST,
    now,
    trustedCaPems: opts.trusted ?? [pki().root.certPem, pki({ type: 'ec' }).root.certPem],
    fetchedIntermediates: opts.fetched?.map((c) => c.der),
  });
}

/** The certificate findings the diagnosis makes of a judgement (revocation not checked online). */
function findings(j: CertificateJudgement): Finding[] {
  const report = healthyReport();
  report.target.host = j.name.host;
  report.tls!.sni = j.name.host;
  report.certificate = j.certificate;
  report.certificateChecks = certificateChecks(j, { now, issuerFetch: null, trustAnchors: { bundled: 0, extra: 0, system: null, nodeExtraCaCerts: null } });
  return diagnose(report, { now }).filter((f) => f.cause.startsWith('cert-'));
}
const causes = (j: CertificateJudgement): string[] => findings(j).map((f) => `${f.severity}:${f.cause}`);

for (const [label, key] of [
  ['RSA 2048', { type: 'rsa' }],
  ['ECDSA P-256', { type: 'ec', curve: 'P-256' }],
] as Array<[string, KeySpec]>) {
  t.test(`${label}: a healthy chain passes every check`, async (t) => {
    const p = pki(key);
    const leaf = leafOf({}, key);
    const j = judge([leaf, p.intermediate]);
    t.equal(j.acceptable, true);
    t.same(causes(j), []);
    t.equal(j.trust.verdict, 'trusted');
    t.equal(j.trust.windowsCode, null);
    t.same(j.trust.anchor, { subject: 'CN=sstp-probe Test Root CA, O=sstp-probe', sha256: j.trust.anchor!.sha256, inTrustStore: true });
    t.same(
      j.chain.path.map((c) => [c.subject, c.source, c.sentIndex]),
      [
        [`CN=${HOST}`, 'sent', 0],
        ['CN=sstp-probe Test Issuing CA, O=sstp-probe', 'sent', 1],
        ['CN=sstp-probe Test Root CA, O=sstp-probe', 'trust-store', null],
      ],
    );
    t.equal(j.chain.complete, true);
    t.equal(j.chain.outOfOrder, false);
    t.same(j.chain.unused, []);
    t.same(j.name, { host: HOST, hostType: 'dns', matches: true, matchedBy: 'san-dns', matchedName: HOST, candidates: [HOST], commonNameIgnored: false, windowsCode: null });
    t.equal(j.validity.verdict, 'valid');
    t.equal(j.eku.verdict, 'server-auth');
    t.same(j.eku.names, ['serverAuth']);
    t.same(j.key, key.type === 'rsa' ? { type: 'rsa', bits: 2048, curve: null, weak: false } : { type: 'ec', bits: 256, curve: 'P-256', weak: false });
    t.equal(j.signature.algorithm, key.type === 'rsa' ? 'sha256WithRSAEncryption' : 'ecdsa-with-SHA256');
    t.same(j.signature.weak, []);
    t.same(j.revocation.crlUrls, CRL);
    t.same(j.revocation.caIssuersUrls, [AIA]);
    t.same(
      j.revocation.targets.map((x) => [x.subject, x.serialNumber, x.crlUrls]),
      [
        [`CN=${HOST}`, leaf.serialNumber, CRL],
        ['CN=sstp-probe Test Issuing CA, O=sstp-probe', p.intermediate.serialNumber, []],
      ],
      'leaf and intermediate are checked (this intermediate names no CRL), the root never is',
    );
    t.equal(j.certificate.chainTrusted, true);
    t.equal(j.certificate.nameMatches, true);
    t.equal(j.certificate.chain.length, 2);
  });
}

t.test('validity: expired, not yet valid, expiring within 30 days', async (t) => {
  const expired = judge([leafOf({ notBefore: new Date(now.getTime() - 400 * DAY), notAfter: new Date(now.getTime() - DAY) }), pki().intermediate]);
  t.equal(expired.acceptable, false);
  t.equal(expired.validity.verdict, 'expired');
  t.equal(expired.validity.windowsCode, '0x800B0101');
  t.equal(expired.validity.daysRemaining, -1);
  t.same(causes(expired), ['error:cert-expired']);
  t.match(findings(expired)[0]!.evidence, { windowsCode: '0x800B0101', validity: 'expired' });
  t.equal(expired.trust.verdict, 'trusted', 'an expired leaf is still a trusted chain: two separate findings');

  const future = judge([leafOf({ notBefore: new Date(now.getTime() + DAY), notAfter: new Date(now.getTime() + 400 * DAY) }), pki().intermediate]);
  t.equal(future.validity.verdict, 'not-yet-valid');
  t.same(causes(future), ['error:cert-expired'], 'the catalogue has one validity cause; the evidence says which way');
  t.match(findings(future)[0]!.evidence, { windowsCode: '0x800B0101', validity: 'not-yet-valid' });

  const soon = judge([leafOf({ notAfter: new Date(now.getTime() + 10 * DAY + 3_600_000) }), pki().intermediate]);
  t.equal(soon.acceptable, true, 'still accepted');
  t.equal(soon.validity.verdict, 'expiring-soon');
  t.equal(soon.validity.daysRemaining, 10);
  t.equal(soon.validity.windowsCode, null);
  t.same(causes(soon), ['warning:cert-expiring-soon']);

  const fine = judge([leafOf({ notAfter: new Date(now.getTime() + 31 * DAY) }), pki().intermediate]);
  t.equal(fine.validity.verdict, 'valid');
});

t.test('validity: an expired intermediate fails the chain', async (t) => {
  const oldCa = factory.issueCertificate({
    subjectCN: 'Old Issuing CA',
    isCA: true,
    issuer: pki().root,
    notBefore: new Date(now.getTime() - 800 * DAY),
    notAfter: new Date(now.getTime() - 2 * DAY),
  });
  const leaf = factory.issueCertificate({ subjectCN: HOST, dnsNames: [HOST], issuer: oldCa, crlUrls: CRL });
  const j = judge([leaf, oldCa]);
  t.equal(j.validity.verdict, 'valid', 'the leaf itself is in date');
  t.same(j.validity.chainProblems.map((p) => [p.subject, p.verdict]), [['CN=Old Issuing CA', 'expired']]);
  t.equal(j.validity.windowsCode, '0x800B0101');
  t.equal(j.acceptable, false);
  t.same(causes(j), ['error:cert-expired']);
  t.match(findings(j)[0]!.evidence.chainProblems, [{ subject: 'CN=Old Issuing CA', verdict: 'expired' }]);
});

t.test('names: SAN, wildcards, CN fallback, IP targets', async (t) => {
  const wrong = judge([leafOf({ subjectCN: 'other.contoso.test', dnsNames: ['other.contoso.test'] }), pki().intermediate]);
  t.equal(wrong.name.matches, false);
  t.equal(wrong.name.windowsCode, '0x800B010F');
  t.same(wrong.name.candidates, ['other.contoso.test']);
  t.same(causes(wrong), ['error:cert-name-mismatch']);
  t.match(findings(wrong)[0]!.evidence, { dnsNames: ['other.contoso.test'], candidates: ['other.contoso.test'], windowsCode: '0x800B010F' });
  t.equal(wrong.certificate.nameMatches, false);

  const wildcard = leafOf({ subjectCN: '*.contoso.test', dnsNames: ['*.contoso.test'] });
  const w = judge([wildcard, pki().intermediate]);
  t.same([w.name.matches, w.name.matchedBy, w.name.matchedName], [true, 'san-dns', '*.contoso.test']);
  t.equal(judge([wildcard, pki().intermediate], { host: 'VPN.Contoso.Test.' }).name.matches, true, 'case and trailing dot do not matter');
  t.equal(judge([wildcard, pki().intermediate], { host: 'a.vpn.contoso.test' }).name.matches, false, 'a wildcard covers one label only');
  t.equal(judge([wildcard, pki().intermediate], { host: 'contoso.test' }).name.matches, false, 'a wildcard does not cover the parent');

  const cnOnly = leafOf({ subjectCN: HOST, dnsNames: undefined });
  const c = judge([cnOnly, pki().intermediate]);
  t.same([c.name.matches, c.name.matchedBy, c.name.candidates], [true, 'cn', [HOST]], 'without SAN the CN is used');

  const cnIgnored = judge([leafOf({ subjectCN: HOST, dnsNames: ['portal.contoso.test'] }), pki().intermediate]);
  t.same([cnIgnored.name.matches, cnIgnored.name.commonNameIgnored], [false, true], 'with a SAN the CN is ignored, and the report says so');

  const ipLeaf = leafOf({ dnsNames: [HOST], ipAddresses: ['192.0.2.10', '2001:db8::10'] });
  const ip4 = judge([ipLeaf, pki().intermediate], { host: '192.0.2.10' });
  t.same([ip4.name.hostType, ip4.name.matches, ip4.name.matchedBy, ip4.name.matchedName], ['ip', true, 'san-ip', '192.0.2.10']);
  const ip6 = judge([ipLeaf, pki().intermediate], { host: '[2001:DB8:0::10]' });
  t.same([ip6.name.host, ip6.name.matches, ip6.name.matchedName], ['2001:db8::10', true, '2001:db8::10']);

  const byIp = judge([leafOf(), pki().intermediate], { host: '192.0.2.10' });
  t.same([byIp.name.hostType, byIp.name.matches, byIp.name.windowsCode], ['ip', false, '0x800B010F'], 'dialling by IP fails when only DNS names are listed');
  t.match(findings(byIp)[0]!.evidence, { host: '192.0.2.10', hostType: 'ip', dnsNames: [HOST] });
});

t.test('EKU: server auth, Any Purpose, none, client auth only, restricted CA', async (t) => {
  const client = judge([leafOf({ eku: [OID.clientAuth] }), pki().intermediate]);
  t.same([client.eku.verdict, client.eku.ok, client.eku.windowsCode], ['wrong-purpose', false, '0x800B0110']);
  t.same(client.eku.names, ['clientAuth']);
  t.same(causes(client), ['error:cert-eku-invalid']);

  const any = judge([leafOf({ eku: [OID.anyExtendedKeyUsage] }), pki().intermediate]);
  t.same([any.eku.verdict, any.eku.ok], ['any-purpose', true]);
  t.same(causes(any), ['info:cert-eku-any-purpose'], 'Windows accepts it: only an info note about other clients');
  t.equal(any.acceptable, true);

  const none = judge([leafOf({ eku: null }), pki().intermediate]);
  t.same([none.eku.verdict, none.eku.ok, none.eku.oids], ['no-eku', true, []]);
  t.equal(none.certificate.hasEku, false);
  t.same(causes(none), []);

  const both = judge([leafOf({ eku: [OID.clientAuth, OID.serverAuth] }), pki().intermediate]);
  t.equal(both.eku.verdict, 'server-auth');

  const restrictedCa = factory.issueCertificate({ subjectCN: 'Client-only CA', isCA: true, eku: [OID.clientAuth], issuer: pki().root });
  const leaf = factory.issueCertificate({ subjectCN: HOST, dnsNames: [HOST], issuer: restrictedCa, crlUrls: CRL });
  const r = judge([leaf, restrictedCa]);
  t.same([r.eku.verdict, r.eku.restrictedBy], ['wrong-purpose', 'CN=Client-only CA'], 'an issuing CA limited to client auth limits its leaves');
});

t.test('trust: self-signed, untrusted root, bundled roots only', async (t) => {
  const self = factory.issueCertificate({ subjectCN: HOST, dnsNames: [HOST] });
  const s = judge([self]);
  t.same([s.trust.verdict, s.trust.trusted, s.trust.windowsCode], ['self-signed', false, '0x800B0109']);
  t.equal(s.certificate.selfSigned, true);
  t.same(causes(s), ['error:cert-untrusted'], 'no revocation complaint: nothing above a self-signed certificate can revoke it');
  t.match(findings(s)[0]!.evidence, { trustVerdict: 'self-signed', windowsCode: '0x800B0109' });
  t.same(s.revocation.targets, []);

  const trustedSelf = judge([self], { trusted: [self.certPem] });
  t.equal(trustedSelf.trust.verdict, 'trusted', 'a self-signed certificate the user trusts explicitly is accepted');

  const p = pki();
  const full = [leafOf(), p.intermediate, p.root];
  const publicOnly = judge(full, { trusted: rootCertificates as string[] });
  t.same([publicOnly.trust.verdict, publicOnly.trust.windowsCode], ['untrusted-root', '0x800B0109']);
  t.equal(publicOnly.trust.anchor?.subject, 'CN=sstp-probe Test Root CA, O=sstp-probe');
  t.equal(publicOnly.trust.anchor?.inTrustStore, false);
  t.same(causes(publicOnly), ['error:cert-untrusted']);
  t.match(findings(publicOnly)[0]!.evidence, { trustVerdict: 'untrusted-root', root: 'CN=sstp-probe Test Root CA, O=sstp-probe' });

  const withRoot = judge(full, { trusted: [...(rootCertificates as string[]), p.root.certPem] });
  t.equal(withRoot.trust.verdict, 'trusted', 'an extra CA next to the bundled roots makes it trusted');
  t.equal(withRoot.chain.rootSent, true);
  t.same(withRoot.chain.unused, [], 'the sent root is matched to the trust-store copy');
});

t.test('chain: missing intermediate, fetched intermediate, out of order', async (t) => {
  const p = pki();
  const leaf = leafOf();
  const missing = judge([leaf]);
  t.same([missing.trust.verdict, missing.trust.windowsCode], ['missing-intermediate', '0x800B010A']);
  t.equal(missing.chain.complete, false);
  t.equal(missing.chain.missingIssuer, 'CN=sstp-probe Test Issuing CA, O=sstp-probe');
  t.same(missing.chain.caIssuersUrls, [AIA]);
  t.same(causes(missing), ['error:cert-untrusted'], 'judged offline, nothing was downloaded: the chain is broken');
  t.match(findings(missing)[0]!.evidence, { trustVerdict: 'missing-intermediate', windowsCode: '0x800B010A', missingIssuer: 'CN=sstp-probe Test Issuing CA, O=sstp-probe', caIssuersUrls: [AIA] });
  t.match(findings(missing)[0]!.summary, /The server should send it/);
  t.same(missing.revocation.targets.map((x) => x.issuerDer), [null]);

  const noAia = factory.issueCertificate({ subjectCN: HOST, dnsNames: [HOST], issuer: p.intermediate, crlUrls: CRL });
  t.match(findings(judge([noAia]))[0]!.summary, /names no AIA location/, 'nowhere to download it from');

  const fetched = judge([leaf], { fetched: [p.intermediate] });
  t.equal(fetched.trust.verdict, 'trusted');
  t.equal(fetched.chain.complete, false);
  t.same(fetched.chain.path.map((c) => c.source), ['sent', 'fetched', 'trust-store']);
  t.same(causes(fetched), ['warning:cert-chain-incomplete'], 'downloaded from AIA: a warning that the server should send it');
  t.match(findings(fetched)[0]!.evidence, { completedFromAia: true, missingIssuer: 'CN=sstp-probe Test Issuing CA, O=sstp-probe' });
  t.ok(fetched.revocation.targets[0]!.issuerDer?.equals(p.intermediate.der), 'revocation can now be checked against the fetched issuer');

  const shuffled = judge([leaf, p.root, p.intermediate]);
  t.equal(shuffled.trust.verdict, 'trusted');
  t.equal(shuffled.chain.outOfOrder, true);
  t.same(shuffled.chain.sent.map((c) => c.subject), [`CN=${HOST}`, 'CN=sstp-probe Test Root CA, O=sstp-probe', 'CN=sstp-probe Test Issuing CA, O=sstp-probe']);
});

t.test('trust: a tampered signature is not a chain', async (t) => {
  const leaf = leafOf();
  const der = Buffer.from(leaf.der);
  der[der.length - 1] ^= 0x01; // last byte of the RSA signature
  const j = judgeCertificate({ chain: [der, pki().intermediate.der], host: HOST, now, trustedCaPems: [pki().root.certPem] });
  t.same([j.trust.verdict, j.trust.windowsCode, j.trust.offending], ['bad-signature', '0x80096004', `CN=${HOST}`]);
  t.same(causes(j), ['error:cert-untrusted']);
  t.match(findings(j)[0]!.evidence, { trustVerdict: 'bad-signature', windowsCode: '0x80096004', offending: `CN=${HOST}` });
});

t.test('key, signature and revocation-source warnings', async (t) => {
  const sha1 = judge([leafOf({ signatureHash: 'sha1' }), pki().intermediate]);
  t.same(causes(sha1), ['warning:cert-weak-signature']);
  t.same(sha1.signature.weak, [{ subject: `CN=${HOST}`, algorithm: 'sha1WithRSAEncryption', hash: 'sha1' }]);

  const small = judge([leafOf({ key: { type: 'rsa', bits: 1024 } }), pki().intermediate]);
  t.same(small.key, { type: 'rsa', bits: 1024, curve: null, weak: true });
  t.same(causes(small), ['warning:cert-weak-key']);
  t.equal(small.acceptable, true);

  const p384 = judge([leafOf({ key: { type: 'ec', curve: 'P-384' } }), pki().intermediate]);
  t.same(p384.key, { type: 'ec', bits: 384, curve: 'P-384', weak: false });

  const noRev = judge([leafOf({ crlUrls: [], caIssuersUrl: undefined }), pki().intermediate]);
  t.same(causes(noRev), ['error:cert-revocation-unreachable'], 'no CRL and no OCSP: Windows cannot check revocation at all');
  t.match(findings(noRev)[0]!.evidence, { reason: 'no-sources', windowsCode: '0x80092012' });
  t.equal(noRev.revocation.leafHasSources, false);

  const ldapOnly = judge([leafOf({ crlUrls: ['ldap:///CN=Issuing,CN=CDP,DC=contoso,DC=test'] }), pki().intermediate]);
  t.same(causes(ldapOnly), ['error:cert-revocation-unreachable'], 'an LDAP-only CDP is unusable from outside the domain');

  const ocspOnly = judge([leafOf({ crlUrls: [], ocspUrl: 'http://ocsp.contoso.test' }), pki().intermediate]);
  t.same(causes(ocspOnly), []);
  t.same(ocspOnly.revocation.ocspUrls, ['http://ocsp.contoso.test']);
});

t.test('several problems are reported together', async (t) => {
  const j = judge([leafOf({ subjectCN: 'x.test', dnsNames: ['x.test'], eku: [OID.clientAuth], notAfter: new Date(now.getTime() - DAY), notBefore: new Date(now.getTime() - 9 * DAY) })]);
  t.same(causes(j), ['error:cert-untrusted', 'error:cert-expired', 'error:cert-name-mismatch', 'error:cert-eku-invalid']);
  t.equal(j.acceptable, false);
});

t.test('invalid input is refused before any judgement', async (t) => {
  t.throws(() => judgeCertificate({ chain: [], host: HOST, now, trustedCaPems: [] }), RangeError);
  t.throws(() => judgeCertificate({ chain: [Buffer.from('not a certificate')], host: HOST, now, trustedCaPems: [] }), { name: 'DerDecodeError' });
});

t.test('Any Purpose: Node refuses it, the judgement (like Windows) does not', async (t) => {
  const p = pki();
  const leaf = leafOf({ eku: [OID.anyExtendedKeyUsage] });
  const server = tls.createServer({ key: leaf.keyPem, cert: leaf.certPem + p.intermediate.certPem }, (s) => s.end());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => server.close());
  const socket = tls.connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, servername: HOST, ca: p.root.certPem, rejectUnauthorized: false });
  await once(socket, 'secureConnect');
  const chain = [socket.getPeerCertificate(true).raw, p.intermediate.der];
  t.equal(socket.authorizationError, 'INVALID_PURPOSE', "Node's verifier says the purpose is wrong");
  socket.destroy();
  const j = judgeCertificate({ chain, host: HOST, now, trustedCaPems: [p.root.certPem] });
  t.same([j.eku.verdict, j.trust.verdict, j.acceptable], ['any-purpose', 'trusted', true]);
});

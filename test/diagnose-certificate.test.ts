import t from 'tap';
import { readFileSync } from 'node:fs';
import { diagnose } from '../lib/diagnose/index.js';
import { parseNetshSslcert } from '../lib/diagnose/netsh.js';
import type { ProbeReport } from '../lib/types.js';
import { certificate, healthyReport, judgedPki, JUDGED_CRL_URL, JUDGED_HOST, NOW, OTHER_SHA1, SHA1, SHA256 } from './helpers/report-builder.js';

const netsh = (name: string) => parseNetshSslcert(readFileSync(new URL(`./fixtures-netsh/${name}`, import.meta.url), 'utf8'));
const APPID = 'appid={ba195980-cd49-458b-9e23-c84ee0adcd75} certstorename=MY';

function withCert(overrides: Parameters<typeof certificate>[0], tweak?: (r: ProbeReport) => void): ProbeReport {
  const report = healthyReport();
  report.certificate = certificate(overrides);
  tweak?.(report);
  return report;
}

const causes = (report: ProbeReport, extra = {}): string[] => diagnose(report, { now: NOW, ...extra }).map((f) => f.cause);
const judgedCauses = (report: ProbeReport, now = new Date()): string[] => diagnose(report, { now }).map((f) => `${f.severity}:${f.cause}`);

// Real certificates, judged as the probe judges them: a certificate in a report always comes with its checks.
const judged = judgedPki();
// An issuing CA valid around NOW (2025), for the tests judged on that clock.
const ca2025 = judged.factory.issueCertificate({ subjectCN: 'Contoso Issuing CA 1', isCA: true, issuer: judged.pki.root, notBefore: new Date('2020-01-01T00:00:00Z'), notAfter: new Date('2030-01-01T00:00:00Z') });
const leaf2025 = (notBefore: string, notAfter: string) =>
  judged.factory.issueCertificate({ subjectCN: JUDGED_HOST, dnsNames: [JUDGED_HOST], issuer: ca2025, crlUrls: [JUDGED_CRL_URL], notBefore: new Date(notBefore), notAfter: new Date(notAfter) });

t.test('a self-signed certificate is untrusted, and the fix names it', async (t) => {
  const self = judged.factory.issueCertificate({ subjectCN: JUDGED_HOST, dnsNames: [JUDGED_HOST], crlUrls: [JUDGED_CRL_URL] });
  const report = judged.report([self]);
  const [f] = diagnose(report, { now: new Date() });
  t.equal(f?.cause, 'cert-untrusted');
  t.match(f?.summary, /self-signed/);
  t.ok(f?.remediation.some((s) => s.includes(`SHA-1 ${report.certificate!.sha1}`) && s.includes('Trusted Root Certification Authorities')));
});

t.test('a missing intermediate is told apart from an untrusted root', async (t) => {
  const [f] = diagnose(judged.report([judged.leafFor()]), { now: new Date() });
  t.equal(f?.cause, 'cert-untrusted');
  t.equal(f?.evidence['trustVerdict'], 'missing-intermediate');
  t.match(f?.summary, /The chain the server sends stops at CN=vpn\.contoso\.com: its issuer CN=sstp-probe Test Issuing CA.*The server should send it/);
  t.ok(f?.remediation.some((s) => s.includes('Intermediate Certification Authorities')));
  const [root] = diagnose(judged.report([judged.leafFor(), judged.pki.intermediate, judged.pki.root], { trusted: [] }), { now: new Date() });
  t.equal(root?.evidence['trustVerdict'], 'untrusted-root', 'the whole chain sent, the root unknown: another verdict');
});

t.test('an expired chain is not also called untrusted', async (t) => {
  const report = judged.report([leaf2025('2024-03-01T00:00:00Z', '2025-03-01T00:00:00Z'), ca2025], { now: NOW });
  t.equal(report.certificateChecks?.trust.trusted, true, 'the chain itself leads to a trusted root');
  t.same(causes(report), ['cert-expired']);
});

t.test('expiry is judged against the context clock', async (t) => {
  const report = judged.report([leaf2025('2025-01-01T00:00:00Z', '2025-05-20T00:00:00Z'), ca2025], { now: NOW });
  const [f] = diagnose(report, { now: NOW });
  t.equal(f?.cause, 'cert-expired');
  t.match(f?.summary, /expired on 2025-05-20 \(12 days ago\)/);
  t.match(f?.remediation[0], new RegExp(`SHA-1 ${report.certificate!.sha1}`), 'identifies the certificate to replace');
  t.same(causes(report, { now: new Date('2025-05-19T00:00:00Z') }), ['cert-expiring-soon'], 'the day before, it is only a warning');
  t.same(causes(report, { now: new Date('2025-04-01T00:00:00Z') }), [], '49 days before: nothing');
  t.same(causes(report, { now: new Date('2025-04-01T00:00:00Z'), expiryWarningDays: 60 }), ['cert-expiring-soon']);
});

t.test('not yet valid and an expired intermediate are validity problems too', async (t) => {
  const future = diagnose(judged.report([leaf2025('2025-07-01T00:00:00Z', '2026-07-01T00:00:00Z'), ca2025], { now: NOW }), { now: NOW });
  t.equal(future[0]?.cause, 'cert-expired');
  t.match(future[0]?.summary, /not valid until 2025-07-01/);

  const oldCa = judged.factory.issueCertificate({ subjectCN: 'Old Issuing CA', isCA: true, issuer: judged.pki.root, notBefore: new Date('2020-01-01T00:00:00Z'), notAfter: new Date('2025-02-01T00:00:00Z') });
  const leaf = judged.factory.issueCertificate({ subjectCN: JUDGED_HOST, dnsNames: [JUDGED_HOST], issuer: oldCa, crlUrls: [JUDGED_CRL_URL], notBefore: new Date('2025-01-01T00:00:00Z') });
  const [f] = diagnose(judged.report([leaf, oldCa], { now: NOW }), { now: NOW });
  t.match(f?.summary, /chain certificate CN=Old Issuing CA.*expired on 2025-02-01/);
});

t.test('dialing by IP address with a name-only certificate', async (t) => {
  const report = judged.report([judged.leafFor(), judged.pki.intermediate], { host: '203.0.113.10' });
  const [f] = diagnose(report, { now: new Date() });
  t.equal(f?.cause, 'cert-name-mismatch');
  t.match(f?.summary, /Clients dial the IP address 203\.0\.113\.10.*names vpn\.contoso\.com/);
  t.match(f?.remediation[0], /use a server name the certificate carries \(vpn\.contoso\.com\)/);
});

t.test('EKU: Server Authentication, Any Purpose or no EKU at all are fine', async (t) => {
  const withEku = (eku: string[] | null): ProbeReport => judged.report([judged.leafFor({ eku }), judged.pki.intermediate]);
  t.same(judgedCauses(withEku(['1.3.6.1.5.5.7.3.2', '1.3.6.1.5.5.7.3.1'])), []);
  t.same(judgedCauses(withEku(['2.5.29.37.0'])), ['info:cert-eku-any-purpose'], 'Any Purpose: only an info note');
  t.same(judgedCauses(withEku(null)), [], 'no extension means any purpose');
  const [f] = diagnose(withEku(['1.3.6.1.5.5.7.3.2']), { now: new Date() });
  t.equal(f?.cause, 'cert-eku-invalid');
  t.match(f?.summary, /Client Authentication \(1\.3\.6\.1\.5\.5\.7\.3\.2\)/);
});

t.test('revocation verdicts', async (t) => {
  const revoked = withCert({}, (r) => {
    r.revocation = { verdict: 'revoked', sources: [{ url: 'http://crl.contoso.com/ca1.crl', kind: 'crl', outcome: 'revoked', detail: null }] };
  });
  const [rv] = diagnose(revoked, { now: NOW });
  t.equal(rv?.cause, 'cert-revoked');
  t.match(rv?.summary, /CRL http:\/\/crl\.contoso\.com\/ca1\.crl/);
  t.match(rv?.evidence, { windowsCode: '0x80092010', url: 'http://crl.contoso.com/ca1.crl' });

  const offline = withCert({}, (r) => {
    r.revocation = {
      verdict: 'unreachable',
      sources: [
        { url: 'http://pki.contoso.local/ca1.crl', kind: 'crl', outcome: 'dns', detail: 'ENOTFOUND' },
        { url: 'http://ocsp.contoso.local', kind: 'ocsp', outcome: 'timeout', detail: null },
      ],
    };
  });
  const [off] = diagnose(offline, { now: NOW });
  t.equal(off?.cause, 'cert-revocation-unreachable');
  t.match(off?.summary, /0x80092013/);
  t.match(off?.evidence, { reason: 'unreachable', windowsCode: '0x80092013', sources: [{ url: 'http://pki.contoso.local/ca1.crl', outcome: 'dns' }, { kind: 'ocsp', outcome: 'timeout' }] });
  t.ok(off?.remediation.some((s) => s.startsWith('Make http://pki.contoso.local/ca1.crl reachable')));
  t.ok(off?.remediation.some((s) => s.includes('NoCertRevocationCheck')), 'the client-side switch is offered, as a last resort');

  const none = withCert({}, (r) => (r.revocation = { verdict: 'no-sources', sources: [] }));
  t.match(diagnose(none, { now: NOW })[0]?.summary, /0x80092012/);
  const selfSigned = withCert({ selfSigned: true, chainTrusted: true }, (r) => (r.revocation = { verdict: 'no-sources', sources: [] }));
  t.same(causes(selfSigned), [], 'a trusted self-signed certificate is not checked for revocation');
  t.same(causes(withCert({}, (r) => (r.revocation = { verdict: 'not-checked', sources: [] }))), []);
});

t.test('hash mismatch against the expected thumbprint: the three reasons and real values', async (t) => {
  const [f] = diagnose(healthyReport(), { now: NOW, expectedSha1: OTHER_SHA1 });
  t.equal(f?.cause, 'cert-hash-mismatch');
  t.match(f?.summary, new RegExp(`presented SHA-1 ${SHA1}.*SHA-1 ${OTHER_SHA1} \\(from --expect-sha1\\)`));
  const steps = f?.remediation.join('\n') ?? '';
  t.match(steps, /reverse proxy or load balancer/);
  t.match(steps, /renewed without re-binding/);
  t.match(steps, /TLS-inspecting firewall/);
  t.match(steps, /acceptable hash certificate by the Reverse Web Proxy server/);
  t.ok(f?.remediation.includes(`(a) On RRAS: netsh http add sslcert ipport=0.0.0.0:443 certhash=${SHA1} ${APPID}`), 'the proxy case binds what clients see');
  t.ok(f?.remediation.includes(`(a) On RRAS: netsh http add sslcert ipport=[::]:443 certhash=${SHA1} ${APPID}`));
  t.ok(f?.remediation.includes('(a) On RRAS: netsh http delete sslcert ipport=0.0.0.0:443'));
  t.match(steps, new RegExp(`Sha1CertificateHash \\(REG_BINARY\\) with ${SHA1}`), 'registry value with the value it should hold');
  t.match(steps, new RegExp(`Sha256CertificateHash \\(REG_BINARY\\) with ${SHA256}`));
  t.match(steps, new RegExp(`\\(b\\).*certhash=${OTHER_SHA1}`), 'the renewed case binds the expected one');
  t.notMatch(steps, /certhash=xxx|<same as that of web proxy>/, 'never the page placeholders');
});

t.test('a matching expectation is silent, in any notation', async (t) => {
  t.same(causes(healthyReport(), { expectedSha1: SHA1.toLowerCase(), expectedSha256: SHA256.match(/../g)!.join(':') }), []);
  t.throws(() => diagnose(healthyReport(), { now: NOW, expectedSha1: 'not-a-hash' }), { name: 'InvalidThumbprintError' });
});

t.test('hash mismatch against the netsh binding for this endpoint', async (t) => {
  const findings = diagnose(healthyReport(), { now: NOW, netshBindings: netsh('sni-iis-ccs.txt') });
  const f = findings.find((x) => x.cause === 'cert-hash-mismatch');
  t.ok(f, 'the host-name binding holds another certificate');
  t.match(f?.summary, /B2C3D4E5F60718293A4B5C6D7E8F9012345A1F0C \(from netsh http show sslcert \(hostnameport=vpn\.contoso\.com:443\)\)/);
  t.ok(f?.remediation.includes(`(a) On RRAS: netsh http add sslcert hostnameport=vpn.contoso.com:443 certhash=${SHA1} ${APPID}`));

  t.notOk(
    diagnose(healthyReport(), { now: NOW, netshBindings: netsh('rras-ipport-pair-crlf.txt') }).some((x) => x.cause === 'cert-hash-mismatch'),
    'the RRAS pair binds the presented certificate',
  );
});

t.test('several findings at once, most fundamental first', async (t) => {
  const leaf = judged.factory.issueCertificate({ subjectCN: 'www.contoso.com', dnsNames: ['www.contoso.com'], issuer: ca2025, crlUrls: [JUDGED_CRL_URL], notBefore: new Date('2025-01-01T00:00:00Z'), notAfter: new Date('2025-05-01T00:00:00Z') });
  const report = judged.report([leaf, ca2025], { now: NOW });
  report.http = { ...report.http!, status: 404, reason: 'Not Found', contentLength: '315' };
  report.steps = report.steps.map((s) =>
    s.name === 'http' ? { ...s, status: 'fail', code: 'status', detail: '404 Not Found' } : s.name === 'sstp' ? { ...s, status: 'skip', code: 'skipped' } : s,
  );
  report.sstp = null;
  t.same(causes(report), ['cert-expired', 'cert-name-mismatch', 'http-url-not-registered']);
});

// ---- reports that carry the probe's judgement (report.certificateChecks) ----


t.test('with a judgement, its trust verdict decides, not Node\'s verification code', async (t) => {
  const trusted = judged.report([judged.leafFor(), judged.pki.intermediate]);
  trusted.tls!.authorizationError = 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY';
  t.same(judgedCauses(trusted), [], 'the judgement used the extra CA that Node\'s check did not know');

  const untrusted = judged.report([judged.leafFor(), judged.pki.intermediate, judged.pki.root], { trusted: [] });
  untrusted.tls!.authorizationError = null;
  const [f] = diagnose(untrusted, { now: new Date() });
  t.equal(f?.cause, 'cert-untrusted');
  t.match(f?.evidence, {
    trustVerdict: 'untrusted-root',
    windowsCode: '0x800B0109',
    root: 'CN=sstp-probe Test Root CA, O=sstp-probe',
    chainAsSent: [
      { subject: `CN=${JUDGED_HOST}`, issuer: 'CN=sstp-probe Test Issuing CA, O=sstp-probe' },
      { subject: 'CN=sstp-probe Test Issuing CA, O=sstp-probe' },
      { subject: 'CN=sstp-probe Test Root CA, O=sstp-probe' },
    ],
  });
  t.match(f?.summary, /ends in CN=sstp-probe Test Root CA, O=sstp-probe, which is not a trusted root here \(0x800B0109\)/);
});

t.test('a missing intermediate whose AIA download failed: the URL, what it gave, and "the server should send it"', async (t) => {
  const aia = 'http://pki.contoso.com/issuing.cer';
  const leaf = judged.factory.issueCertificate({ subjectCN: JUDGED_HOST, dnsNames: [JUDGED_HOST], issuer: judged.pki.intermediate, crlUrls: [JUDGED_CRL_URL], caIssuersUrl: aia });
  const report = judged.report([leaf], { issuerFetch: [{ url: aia, outcome: 'http-status', httpStatus: 404, detail: 'HTTP 404', durationMs: 3 }] });
  const [f] = diagnose(report, { now: new Date() });
  t.equal(f?.cause, 'cert-untrusted');
  t.match(f?.evidence, {
    trustVerdict: 'missing-intermediate',
    windowsCode: '0x800B010A',
    missingIssuer: 'CN=sstp-probe Test Issuing CA, O=sstp-probe',
    caIssuersUrls: [aia],
    aiaAttempts: [{ url: aia, outcome: 'http-status', httpStatus: 404 }],
    chainAsSent: [{ subject: `CN=${JUDGED_HOST}` }],
  });
  t.match(f?.summary, /Downloading it from the AIA location failed: http:\/\/pki\.contoso\.com\/issuing\.cer \(http-status 404\)\. The server should send it\./);
  t.ok(f?.remediation.some((s) => s.includes('Intermediate Certification Authorities')));
});

t.test('a saved report read later: the diagnosis clock decides validity, not the clock of the probe', async (t) => {
  const report = judged.report([judged.leafFor({ notAfter: new Date(Date.now() + 100 * 86_400_000) }), judged.pki.intermediate]);
  t.equal(report.certificateChecks?.validity.verdict, 'valid', 'valid when probed');
  t.same(judgedCauses(report), []);
  t.same(judgedCauses(report, new Date(Date.now() + 90 * 86_400_000)), ['warning:cert-expiring-soon']);
  t.same(judgedCauses(report, new Date(Date.now() + 200 * 86_400_000)), ['error:cert-expired']);
});

t.test('no CRL and no OCSP is known without the network: reported even when revocation was not checked', async (t) => {
  const report = judged.report([judged.leafFor({ crlUrls: [] }), judged.pki.intermediate]);
  report.revocation = { verdict: 'not-checked', sources: [], revoked: null, detail: 'turned off (--no-revocation)' };
  const [f] = diagnose(report, { now: new Date() });
  t.equal(f?.cause, 'cert-revocation-unreachable');
  t.match(f?.evidence, { reason: 'no-sources', windowsCode: '0x80092012', verdict: 'not-checked', crlUrls: [], ocspUrls: [] });
  const withCrl = judged.report([judged.leafFor(), judged.pki.intermediate]);
  withCrl.revocation = { verdict: 'not-checked', sources: [], revoked: null, detail: 'turned off (--no-revocation)' };
  t.same(judgedCauses(withCrl), [], 'a certificate that names a CRL is not blamed when the check was turned off');
});

t.test('an issuing CA restricted to client authentication restricts the server certificate', async (t) => {
  const ca = judged.factory.issueCertificate({ subjectCN: 'Client-only CA', isCA: true, eku: ['1.3.6.1.5.5.7.3.2'], issuer: judged.pki.root });
  const leaf = judged.factory.issueCertificate({ subjectCN: JUDGED_HOST, dnsNames: [JUDGED_HOST], issuer: ca, crlUrls: [JUDGED_CRL_URL] });
  const [f] = diagnose(judged.report([leaf, ca]), { now: new Date() });
  t.equal(f?.cause, 'cert-eku-invalid');
  t.match(f?.evidence, { ekuVerdict: 'wrong-purpose', restrictedBy: 'CN=Client-only CA', windowsCode: '0x800B0110', eku: ['1.3.6.1.5.5.7.3.1'] });
  t.match(f?.summary, /issuing CA CN=Client-only CA/);
});

import t from 'tap';
import { diagnose } from '../lib/diagnose/index.js';
import { renderText } from '../lib/report/text.js';
import type { ProbeReport } from '../lib/types.js';
import { failAt, healthyReport, judgedPki, JUDGED_CRL_URL, JUDGED_HOST, NOW, proxyInfo, SHA1, SHA256 } from './helpers/report-builder.js';

const ESC = '\u001b[';

function judged(report: ProbeReport): ProbeReport {
  report.findings = diagnose(report, { now: NOW });
  report.ok = !report.findings.some((f) => f.severity === 'error');
  return report;
}

t.test('a healthy server: one verdict line saying SSTP is reachable, with the hash offered', async (t) => {
  const text = renderText(judged(healthyReport()), { color: false });
  const [first] = text.split('\n');
  t.equal(first, '✔ SSTP reachable at vpn.contoso.com:443 — server answered Call Connect Ack (SHA-256)');
  t.notMatch(text, /Findings/);
  t.ok(text.endsWith('\n'));
});

t.test('a failure: the verdict gives the first error, findings come before the steps', async (t) => {
  const report = failAt(healthyReport(), 'tls', 'reset', 'ECONNRESET');
  report.tls = { sni: 'vpn.contoso.com', protocol: null, cipher: null, authorizationError: null, failure: 'reset', failureDetail: null };
  const text = renderText(judged(report), { color: false });
  const lines = text.split('\n');
  t.match(lines[0], /^✘ SSTP not reachable at vpn\.contoso\.com:443: The server reset the connection during the TLS handshake/);
  t.ok(text.indexOf('Findings (1)') < text.indexOf('Steps'), 'findings first');
  t.match(text, /✘ ERROR tls-handshake-failed/);
  t.match(text, /fix:\n\s+1\. On the RRAS server, list the binding: netsh http show sslcert ipport=0\.0\.0\.0:443/, 'numbered fix steps');
  t.match(text, /✔ pass  dns\s+12 ms  resolved/);
  t.match(text, /✘ fail  tls\s+12 ms  reset: ECONNRESET/);
  t.match(text, /· skip  http\s+tls failed/);
});

t.test('SSTP answers but clients will fail: the verdict says both', async (t) => {
  const pki = judgedPki();
  const ca = pki.factory.issueCertificate({ subjectCN: 'Contoso Issuing CA 1', isCA: true, issuer: pki.pki.root, notBefore: new Date('2020-01-01T00:00:00Z'), notAfter: new Date('2030-01-01T00:00:00Z') });
  const leaf = pki.factory.issueCertificate({ subjectCN: JUDGED_HOST, dnsNames: [JUDGED_HOST], issuer: ca, crlUrls: [JUDGED_CRL_URL], notBefore: new Date('2025-01-01T00:00:00Z'), notAfter: new Date('2025-05-01T00:00:00Z') });
  const report = pki.report([leaf, ca], { now: NOW });
  const first = renderText(judged(report), { color: false }).split('\n')[0];
  t.match(first, /^⚠ SSTP reachable at vpn\.contoso\.com:443 — server answered Call Connect Ack \(SHA-256\) — but clients will fail: The server certificate expired on 2025-05-01/);
});

t.test('the certificate thumbprints are printed in full', async (t) => {
  const text = renderText(judged(healthyReport()), { color: false });
  t.match(text, new RegExp(`SHA-1\\s+${SHA1}`));
  t.match(text, new RegExp(`SHA-256\\s+${SHA256}`));
});

t.test('no ANSI escapes without colour, and some with it', async (t) => {
  const report = judged(failAt(healthyReport(), 'tcp', 'timeout'));
  t.notOk(renderText(report, { color: false }).includes(ESC));
  t.notOk(renderText(report, { color: false, verbose: true }).includes(ESC));
  const coloured = renderText(report, { color: true });
  t.ok(coloured.includes(`${ESC}31m`), 'red for the failure');
  t.equal(coloured.replace(/\u001b\[[0-9;]*m/g, ''), renderText(report, { color: false }), 'colour adds nothing but escapes');
});

t.test('ASCII marks for terminals without Unicode', async (t) => {
  const text = renderText(judged(failAt(healthyReport(), 'tcp', 'refused')), { color: false, ascii: true });
  t.match(text.split('\n')[0], /^x SSTP not reachable/);
  t.ok(/^[\x09\x0a\x20-\x7e]*$/.test(text), 'only printable ASCII');
});

t.test('proxy, PPP and auth lines; no secrets', async (t) => {
  const report = healthyReport();
  report.proxy = proxyInfo({ url: 'http://alice:s3cret@proxy.contoso.com:3128', source: 'flag', reason: '--proxy' });
  report.http!.headers['set-cookie'] = 'session=abc123';
  report.ppp = { authProtocols: ['eap', 'mschapv2'], mru: 4091, options: [], terminated: null };
  report.auth = {
    protocol: 'mschapv2',
    result: 'success',
    errorCode: null,
    message: null,
    cryptoBinding: { hashProtocol: 'sha256', certHash: SHA256, result: 'accepted' },
  };
  const text = renderText(judged(report), { color: false, verbose: true });
  t.match(text, /Proxy\s+http:\/\/proxy\.contoso\.com:3128 \(--proxy\) → HTTP\/1\.1 200 Connection established/);
  t.notMatch(text, /s3cret|alice/, 'credentials in a proxy URL never print');
  t.notMatch(text, /abc123/, 'cookies never print');
  t.match(text, /PPP\s+server asks for EAP, MS-CHAPv2, MRU 4091/);
  t.match(text, /Auth\s+mschapv2: success; crypto binding SHA-256 accepted/);
  t.match(text, /ppp-auth-offered/);
  t.match(text, /chain\s+0: CN=vpn\.contoso\.com/, 'verbose shows the chain');
  t.match(text, /server: Microsoft-HTTPAPI\/2\.0/, 'and the recorded headers');
});

t.test('several addresses are listed with their outcome', async (t) => {
  const report = healthyReport();
  report.addresses = [
    { address: '203.0.113.10', family: 4, ok: true, causes: [], sha256: SHA256, failedStep: null, code: null },
    { address: '2001:db8::10', family: 6, ok: false, causes: ['tls-handshake-failed'], sha256: null, failedStep: 'tls', code: 'reset' },
  ];
  const text = renderText(judged(report), { color: false });
  t.match(text, /✘ \[2001:db8::10\]:443 IPv6 fails at tls \(reset\) \[tls-handshake-failed\]/);
  t.match(text, /address-inconsistent/);
});

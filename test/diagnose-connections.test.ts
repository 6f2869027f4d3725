import t from 'tap';
import { diagnose } from '../lib/diagnose/index.js';
import { renderText } from '../lib/report/text.js';
import type { ConnectionResult, ProbeReport } from '../lib/types.js';
import { failAt, healthyReport, NOW, OTHER_SHA256, SHA256 } from './helpers/report-builder.js';

function connection(index: number, overrides: Partial<ConnectionResult> = {}): ConnectionResult {
  return {
    address: '203.0.113.10',
    index,
    certificateSha256: SHA256,
    tlsVersion: 'TLSv1.3',
    httpStatus: 200,
    server: 'Microsoft-HTTPAPI/2.0',
    sstpResult: 'ack',
    timings: { tcp: 3, tls: 9, http: 4, sstp: 2 },
    failedStep: null,
    code: null,
    ...overrides,
  };
}

function withConnections(connections: ConnectionResult[], report: ProbeReport = healthyReport()): ProbeReport {
  report.connections = connections;
  return report;
}

const causes = (report: ProbeReport): string[] => diagnose(report, { now: NOW }).map((f) => f.cause);

t.test('connections that agree: no finding, and the text says how many agreed', async (t) => {
  const report = withConnections([0, 1, 2, 3].map((i) => connection(i, i % 2 ? { timings: { tcp: 7, tls: 20, http: 5, sstp: 1 }, tlsVersion: 'TLSv1.3' } : {})));
  t.notOk(causes(report).includes('backend-inconsistent'), 'timings alone are no disagreement');
  t.match(renderText(report, { color: false }), /Connections\n  ✔ 4 connections to 203\.0\.113\.10:443 agreed: all presented SHA-256 9F86D081884C7D65… and reached the Call Connect Ack/);
});

t.test('two certificates behind one address: the shares, the member command line, persistence', async (t) => {
  const report = withConnections([0, 1, 2, 3, 4, 5].map((i) => connection(i, i % 3 === 1 ? { certificateSha256: OTHER_SHA256 } : {})));
  const finding = diagnose(report, { now: NOW }).find((f) => f.cause === 'backend-inconsistent');
  t.equal(finding?.severity, 'error');
  t.match(finding?.summary, `4 of 6 presented SHA-256 ${SHA256.slice(0, 16)}… and reached the Call Connect Ack; 2 of 6 presented SHA-256 ${OTHER_SHA256.slice(0, 16)}…`);
  t.same(finding?.evidence.variants, [
    { count: 4, certificateSha256: SHA256, httpStatus: 200, server: 'Microsoft-HTTPAPI/2.0', sstpResult: 'ack', failedStep: null, code: null, indexes: [0, 2, 3, 5] },
    { count: 2, certificateSha256: OTHER_SHA256, httpStatus: 200, server: 'Microsoft-HTTPAPI/2.0', sstpResult: 'ack', failedStep: null, code: null, indexes: [1, 4] },
  ]);
  const steps = finding!.remediation.join('\n');
  t.match(steps, `sstp-probe <member address>:443 --sni vpn.contoso.com --expect-sha256 ${SHA256}`);
  t.match(steps, /Sha256CertificateHash/);
  t.match(steps, /SSL session ID or source-IP persistence/);
});

t.test('a member answering 503 (another status class) or failing: each its own variant', async (t) => {
  const report = withConnections([
    connection(0),
    connection(1, { httpStatus: 503, failedStep: 'http', code: 'status', sstpResult: null }),
    connection(2),
    connection(3, { certificateSha256: null, tlsVersion: null, httpStatus: null, server: null, sstpResult: null, failedStep: 'tls', code: 'closed' }),
  ]);
  const finding = diagnose(report, { now: NOW }).find((f) => f.cause === 'backend-inconsistent');
  t.match(finding?.summary, /1 of 4 presented SHA-256 \S+ and were answered HTTP 503 by Microsoft-HTTPAPI\/2\.0/);
  t.match(finding?.summary, /1 of 4 saw no certificate and failed at tls \(closed\)/);
  t.match(finding?.summary, /about 2 in 4 connection attempts fail/);
  t.equal(finding?.evidence.failing, 2);
});

t.test('each address is judged on its own connections', async (t) => {
  const report = withConnections([
    connection(0), connection(1),
    connection(0, { address: '203.0.113.11', certificateSha256: OTHER_SHA256 }), connection(1, { address: '203.0.113.11', certificateSha256: OTHER_SHA256 }),
  ]);
  t.notOk(causes(report).includes('backend-inconsistent'), 'alike per address, even if the addresses differ');
});

t.test('offload-listener: 404 or silence on an http:// target points at UseHttps, not the URL ACL', async (t) => {
  const notFound = failAt(healthyReport(), 'http', 'status', '404 Not Found');
  notFound.target = { host: 'rras1.contoso.com', port: 80, scheme: 'http' };
  notFound.http = { version: '1.1', status: 404, reason: 'Not Found', server: 'Microsoft-HTTPAPI/2.0', contentLength: '315', headers: {} };
  const findings = diagnose(notFound, { now: NOW });
  t.same(findings.filter((f) => f.severity === 'error').map((f) => f.cause), ['offload-listener']);
  t.match(findings[0]?.summary, /^http:\/\/rras1\.contoso\.com:80 answers the SSTP URL with 404/);
  t.match(findings[0]?.remediation.join('\n'), /UseHttps -Value 0/);
  t.match(findings[0]?.remediation.join('\n'), /IsHashConfiguredByAdmin/);

  const silent = failAt(healthyReport(), 'http', 'timeout', 'no HTTP response within 10000 ms');
  silent.target = { host: 'rras1.contoso.com', port: 80, scheme: 'http' };
  silent.http = null;
  t.same(causes(silent).filter((c) => c !== 'ppp-auth-offered'), ['offload-listener']);

  const https404 = failAt(healthyReport(), 'http', 'status', '404 Not Found');
  https404.http = { ...notFound.http };
  t.same(causes(https404), ['http-url-not-registered'], 'the https form keeps its own finding');
});

import t from 'tap';
import { diagnose } from '../lib/diagnose/index.js';
import type { HttpInfo, ProbeReport } from '../lib/types.js';
import { failAt, healthyReport, NOW } from './helpers/report-builder.js';

const SSTP_URL = 'https://vpn.contoso.com/sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/';

/** The server answered SSTP_DUPLEX_POST with this instead of the SSTP 200. */
function answered(http: Partial<HttpInfo>, code = 'status'): ProbeReport {
  const report = failAt(healthyReport(), 'http', code, http.status ? `${http.status} ${http.reason ?? ''}` : null);
  report.http = {
    version: '1.1',
    status: 200,
    reason: '',
    server: 'Microsoft-HTTPAPI/2.0',
    contentLength: null,
    headers: {},
    ...http,
  };
  return report;
}

t.test('404 from HTTP.SYS: the SSTP URL is not registered', async (t) => {
  const findings = diagnose(answered({ status: 404, reason: 'Not Found', contentLength: '315' }), { now: NOW });
  t.same(findings.map((f) => f.cause), ['http-url-not-registered']);
  const [f] = findings;
  t.match(f?.summary, /HTTP\.SYS \(Server: Microsoft-HTTPAPI\/2\.0\).*no service has registered/);
  t.ok(f?.remediation.some((s) => s.includes('netsh http add urlacl url=https://+:443/sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/')));
  t.ok(f?.remediation.some((s) => s.includes('SstpSvc\\Parameters\\ConfigStore') && s.includes(`ServerURL value should be ${SSTP_URL}`)));
  t.ok(f?.remediation.some((s) => s.includes(SSTP_URL) && s.includes('browser')), "the page's browser check, with the real URL");
});

t.test('404 from another web server: the port reaches the wrong machine', async (t) => {
  const [f] = diagnose(answered({ status: 404, reason: 'Not Found', server: 'nginx/1.24.0' }), { now: NOW });
  t.equal(f?.cause, 'http-url-not-registered');
  t.match(f?.summary, /"nginx\/1\.24\.0".*not the SSTP listener/);
  t.match(f?.remediation[0], /reaches the RRAS server, or that the reverse proxy forwards/);
});

t.test('503: service not serving, with the server-side checks of the page', async (t) => {
  const [f] = diagnose(answered({ status: 503, reason: 'Service Unavailable' }), { now: NOW });
  t.equal(f?.cause, 'http-service-unavailable');
  const steps = f?.remediation.join('\n') ?? '';
  t.match(steps, /sc query http/, 'HTTP.SYS loaded');
  t.match(steps, /ConfigStore/, 'damaged ConfigStore');
  t.match(steps, /System account has read\/write permission/, 'registry permissions');
  t.match(steps, /WAN Miniport \(SSTP\)/, 'free SSTP ports');
  t.match(steps, /Restart-Service RemoteAccess/);
});

t.test('methods refused and the wrong Content-Length mean whatever answers is not SSTP', async (t) => {
  for (const status of [400, 405, 501]) {
    const [f] = diagnose(answered({ status, reason: 'x', server: 'Apache' }), { now: NOW });
    t.equal(f?.cause, 'http-not-sstp', `status ${status}`);
  }
  const ok200 = diagnose(answered({ status: 200, reason: 'OK', contentLength: '1024', server: 'nginx' }, 'bad-content-length'), { now: NOW });
  t.same(ok200.map((f) => f.cause), ['http-not-sstp']);
  t.match(ok200[0]?.summary, /Content-Length 1024 instead of 18446744073709551615/);

  const noLength = healthyReport();
  noLength.http!.contentLength = null;
  t.same(diagnose(noLength, { now: NOW }), [], '200 without Content-Length is SSTP too (MS-SSTP servers may omit it)');

  const garbage = failAt(healthyReport(), 'http', 'malformed', 'no HTTP status line');
  t.same(diagnose(garbage, { now: NOW }).map((f) => f.cause), ['http-not-sstp']);
});

t.test('HTTP/1.0 is its own cause, with the page fix', async (t) => {
  const [f] = diagnose(answered({ version: '1.0', status: 200, contentLength: '18446744073709551615' }, 'version'), { now: NOW });
  t.equal(f?.cause, 'http-version');
  t.match(f?.summary, /HTTP\/1\.0.*requires HTTP\/1\.1/);
  t.match(f?.remediation[0], /Use HTTP 1\.1/);
});

t.test('no response after the request', async (t) => {
  for (const code of ['timeout', 'partial', 'closed', 'reset'] as const) {
    const findings = diagnose(failAt(healthyReport(), 'http', code), { now: NOW });
    t.same(findings.map((f) => f.cause), ['http-no-response'], code);
    t.match(findings[0]?.summary, /operation to receive the HTTP response failed/);
  }
});

t.test('other statuses are interpreted', async (t) => {
  const [redirect] = diagnose(answered({ status: 302, reason: 'Found', server: 'BigIP', headers: { location: 'https://portal.contoso.com/' } }), { now: NOW });
  t.equal(redirect?.cause, 'http-status');
  t.match(redirect?.summary, /redirects the SSTP URL to https:\/\/portal\.contoso\.com\//);
  t.equal(redirect?.evidence['location'], 'https://portal.contoso.com/');

  const [gateway] = diagnose(answered({ status: 502, reason: 'Bad Gateway', server: 'nginx' }), { now: NOW });
  t.match(gateway?.summary, /reverse proxy or load balancer that cannot reach the RRAS server/);
});

t.test('a 407 on the SSTP request itself: a transparent proxy', async (t) => {
  const [f] = diagnose(answered({ status: 407, reason: 'Proxy Authentication Required', server: 'squid' }), { now: NOW });
  t.equal(f?.cause, 'proxy-auth-required');
  t.match(f?.summary, /Access Denied/);
});

import t from 'tap';
import { diagnose } from '../lib/diagnose/index.js';
import type { ProbeReport, ProxyInfo } from '../lib/types.js';
import { failAt, healthyReport, NOW, proxyInfo } from './helpers/report-builder.js';

const causes = (report: ProbeReport, extra = {}): string[] => diagnose(report, { now: NOW, ...extra }).map((f) => f.cause);


t.test('a healthy RRAS answer has nothing to report', async (t) => {
  t.same(diagnose(healthyReport(), { now: NOW }), []);
});

t.test('a name that does not resolve is the only finding', async (t) => {
  const report = failAt(healthyReport(), 'dns', 'not-found', 'ENOTFOUND vpn.contoso.com');
  const findings = diagnose(report, { now: NOW });
  t.same(findings.map((f) => f.cause), ['dns-resolution-failed']);
  t.match(findings[0]?.summary, /vpn\.contoso\.com does not resolve/);
  t.ok(findings[0]?.remediation.some((s) => s.includes('nslookup vpn.contoso.com')), 'names the command with the real host');
  t.equal(findings[0]?.severity, 'error');
});

t.test('TCP outcomes map to refused, filtered and unreachable', async (t) => {
  const refused = diagnose(failAt(healthyReport(), 'tcp', 'refused', 'ECONNREFUSED'), { now: NOW });
  t.same(refused.map((f) => f.cause), ['tcp-refused']);
  t.match(refused[0]?.summary, /203\.0\.113\.10:443 refused/);
  t.ok(refused[0]?.remediation.some((s) => s.includes('netstat -ano | findstr :443')));

  t.same(causes(failAt(healthyReport(), 'tcp', 'timeout')), ['tcp-timeout']);
  t.same(causes(failAt(healthyReport(), 'tcp', 'unreachable', 'EHOSTUNREACH')), ['tcp-unreachable']);
  t.same(causes(failAt(healthyReport(), 'tcp', 'error', 'ENETDOWN')), ['tcp-unreachable'], 'an unclassified TCP error still gets a cause');
});

t.test('RRAS on another port: the ListenerPort value is named', async (t) => {
  const report = failAt(healthyReport(), 'tcp', 'refused');
  report.target.port = 8443;
  const [finding] = diagnose(report, { now: NOW });
  t.ok(finding?.remediation.some((s) => /Sstpsvc\\Parameters\\ListenerPort \(DWORD\) to 8443/.test(s)));
});

/** Through a proxy the client neither resolves nor connects to the server itself. */
function viaProxy(code: string, detail: string | null, proxy: Partial<ProxyInfo>): ProbeReport {
  const report = failAt(healthyReport(), 'proxy', code, detail);
  report.steps = report.steps.map((s) => (s.name === 'dns' || s.name === 'tcp' ? { ...s, status: 'skip', code: 'not-applicable', durationMs: 0 } : s));
  report.proxy = proxyInfo(proxy);
  return report;
}

t.test('a proxy that cannot be reached, or does not answer CONNECT', async (t) => {
  const down = diagnose(viaProxy('proxy-unreachable', 'ECONNREFUSED', { statusLine: null, status: null, httpVersion: null, proxyConnected: false }), { now: NOW });
  t.same(down.map((f) => f.cause), ['proxy-unreachable']);
  t.match(down[0]?.summary, /proxy\.contoso\.com:3128 cannot be used \(proxy-unreachable\)/);
  t.ok(down[0]?.remediation.some((s) => s.includes('HTTPS_PROXY')), 'says where the proxy setting came from');

  const silent = diagnose(viaProxy('proxy-timeout', null, { statusLine: null, status: null, httpVersion: null, proxyConnected: true }), { now: NOW });
  t.match(silent[0]?.summary, /accepted the connection but did not answer CONNECT vpn\.contoso\.com:443/);
});

t.test('a 407 from the proxy is what Windows shows as Access Denied', async (t) => {
  const report = viaProxy('auth-required', '407 Proxy Authentication Required', {
    statusLine: 'HTTP/1.1 407 Proxy Authentication Required',
    status: 407,
    authSchemes: ['Basic', 'NTLM'],
  });
  const findings = diagnose(report, { now: NOW });
  t.same(findings.map((f) => f.cause), ['proxy-auth-required']);
  t.match(findings[0]?.summary, /Access Denied/);
  t.match(findings[0]?.summary, /Basic, NTLM/);
  t.ok(findings[0]?.remediation[0]?.includes('does not prompt for authentication'), "the page's fix comes first");
  t.ok(findings[0]?.remediation.some((s) => s.includes('https://vpn.contoso.com/sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/')));
});

t.test('a proxy that refuses CONNECT is interpreted by status', async (t) => {
  const forbidden = viaProxy('rejected', null, { statusLine: 'HTTP/1.1 403 Forbidden', status: 403 });
  const [f403] = diagnose(forbidden, { now: NOW });
  t.equal(f403?.cause, 'proxy-rejected');
  t.match(f403?.summary, /forbids CONNECT to vpn\.contoso\.com:443/);

  const badGateway = viaProxy('rejected', null, { statusLine: 'HTTP/1.1 502 Bad Gateway', status: 502 });
  const [f502] = diagnose(badGateway, { now: NOW });
  t.match(f502?.summary, /could not reach vpn\.contoso\.com:443 itself/);
});

t.test('credentials the proxy refuses are reported as refused, not missing', async (t) => {
  const report = viaProxy('auth-rejected', null, {
    status: 407,
    statusLine: 'HTTP/1.1 407 Proxy Authentication Required',
    authSchemes: ['Basic'],
    authSent: 'basic',
    attempts: 2,
  });
  const findings = diagnose(report, { now: NOW });
  t.same(findings.map((f) => f.cause), ['proxy-auth-rejected']);
  t.match(findings[0]?.summary, /refused the credentials sent with Basic/);
});

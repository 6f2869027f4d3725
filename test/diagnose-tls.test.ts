import t from 'tap';
import { readFileSync } from 'node:fs';
import { diagnose } from '../lib/diagnose/index.js';
import { parseNetshSslcert } from '../lib/diagnose/netsh.js';
import type { ProbeReport, TlsFailure } from '../lib/types.js';
import { failAt, healthyReport, NOW, OTHER_SHA1, SHA1 } from './helpers/report-builder.js';

const netsh = (name: string) => parseNetshSslcert(readFileSync(new URL(`./fixtures-netsh/${name}`, import.meta.url), 'utf8'));
const APPID = 'appid={ba195980-cd49-458b-9e23-c84ee0adcd75} certstorename=MY';

function tlsFailure(failure: TlsFailure, detail: string | null, alert: string | null = null): ProbeReport {
  const report = failAt(healthyReport(), 'tls', failure, detail);
  report.tls = { sni: 'vpn.contoso.com', protocol: null, cipher: null, authorizationError: null, failure, failureDetail: detail, alert };
  return report;
}

t.test('a reset during the handshake points at the HTTP.SYS binding', async (t) => {
  const findings = diagnose(tlsFailure('reset', 'ECONNRESET'), { now: NOW });
  t.same(findings.map((f) => f.cause), ['tls-handshake-failed']);
  const [f] = findings;
  t.match(f?.summary, /reset the connection during the TLS handshake/);
  t.match(f?.summary, /no certificate bound for 203\.0\.113\.10:443 or for the host name vpn\.contoso\.com:443/);
  t.ok(f?.remediation.includes('On the RRAS server, list the binding: netsh http show sslcert ipport=0.0.0.0:443'));
  t.ok(
    f?.remediation.some((s) => s.includes(`netsh http add sslcert ipport=0.0.0.0:443 certhash=<SHA-1 thumbprint of the SSTP certificate> ${APPID}`)),
    'no certificate was seen and none was given: a placeholder, clearly marked',
  );
});

t.test('the thumbprint the administrator gives fills the netsh commands', async (t) => {
  const [f] = diagnose(tlsFailure('reset', null), { now: NOW, expectedSha1: SHA1.toLowerCase().match(/../g)!.join(' ') });
  t.ok(f?.remediation.includes(`Bind the certificate: netsh http add sslcert ipport=0.0.0.0:443 certhash=${SHA1} ${APPID}`));
  t.ok(f?.remediation.includes(`Bind the certificate: netsh http add sslcert ipport=[::]:443 certhash=${SHA1} ${APPID}`));
  t.ok(f?.remediation.includes('Remove the old HTTPS listener binding (elevated prompt): netsh http delete sslcert ipport=[::]:443'));
  t.notOk(f?.remediation.some((s) => s.includes('<SHA-1')), 'no placeholder once the value is known');
});

t.test('netsh output without a binding for the endpoint is said plainly', async (t) => {
  const report = tlsFailure('reset', null);
  report.connectedAddress = '2001:db8::10';
  report.resolved = [{ address: '2001:db8::10', family: 6 }];
  report.tls!.sni = null;
  const [f] = diagnose(report, { now: NOW, netshBindings: netsh('sni-iis-ccs.txt') });
  t.equal(f?.evidence['netshBinding'], 'none for this endpoint');
  t.match(f?.remediation[0], /no binding that covers \[2001:db8::10\]:443/);
});

t.test('a TLS alert about versions asks for a common protocol, not a binding', async (t) => {
  const [f] = diagnose(tlsFailure('alert', 'the server sent a TLS alert: protocol version', 'protocol version'), { now: NOW });
  t.match(f?.summary, /share no TLS protocol version/);
  t.ok(f?.remediation.some((s) => s.includes('SCHANNEL\\Protocols\\TLS 1.2\\Server')));
  t.notOk(f?.remediation.some((s) => s.startsWith('Bind the certificate')));
});

t.test('plain HTTP on the TLS port is recognised', async (t) => {
  const [f] = diagnose(tlsFailure('not-tls', 'the server answered with something that is not TLS'), { now: NOW });
  t.match(f?.summary, /203\.0\.113\.10:443 answers, but not with TLS/);
  const [g] = diagnose(tlsFailure('error', 'the server sent a TLS alert: protocol version'), { now: NOW });
  t.notMatch(g?.summary, /not with TLS|share no/, 'the rule reads the failure kind and the alert, never the words of the detail');
});

t.test('no common protocol or cipher', async (t) => {
  const [f] = diagnose(tlsFailure('protocol', 'no common TLS protocol or cipher: unsupported protocol'), { now: NOW });
  t.match(f?.summary, /share no TLS protocol version or cipher suite/);
  const [g] = diagnose(tlsFailure('alert', 'the server sent a TLS alert: handshake failure', 'handshake failure'), { now: NOW });
  t.match(g?.summary, /TLS alert \(handshake failure\): client and server share no cipher suite/);
  t.ok(g?.remediation.some((s) => s.includes('Get-TlsCipherSuite')));
});

t.test('SNI comparison: only a host-name binding exists', async (t) => {
  const report = healthyReport();
  report.sniComparison = { withSni: { ok: true, code: 'established', sha1: SHA1 }, withoutSni: { ok: false, code: 'reset', sha1: null } };
  const findings = diagnose(report, { now: NOW });
  t.same(findings.map((f) => f.cause), ['sni-binding-inconsistent']);
  t.equal(findings[0]?.severity, 'warning');
  t.match(findings[0]?.summary, /hostnameport=vpn\.contoso\.com:443 binding exists but no matching ipport binding/);
  t.ok(findings[0]?.remediation.includes(`netsh http add sslcert ipport=0.0.0.0:443 certhash=${SHA1} ${APPID}`));
  t.notOk(findings[0]?.remediation.some((s) => s.includes('delete')), 'nothing to delete when no ipport binding answers');
});

t.test('SNI comparison: a broken host-name binding is an error Windows clients hit', async (t) => {
  const report = tlsFailure('reset', null);
  report.sniComparison = { withSni: { ok: false, code: 'reset', sha1: null }, withoutSni: { ok: true, code: 'established', sha1: OTHER_SHA1 } };
  const findings = diagnose(report, { now: NOW });
  t.same(findings.map((f) => f.cause), ['tls-handshake-failed', 'sni-binding-inconsistent']);
  const sni = findings[1];
  t.equal(sni?.severity, 'error');
  t.ok(sni?.remediation.includes('netsh http delete sslcert hostnameport=vpn.contoso.com:443'));
  t.ok(sni?.remediation.includes(`netsh http add sslcert hostnameport=vpn.contoso.com:443 certhash=${OTHER_SHA1} ${APPID}`));
  t.ok(
    findings[0]?.remediation.some((s) => s.includes('hostnameport=vpn.contoso.com:443')),
    'the handshake finding now includes the hostnameport commands too',
  );
});

t.test('SNI comparison: two certificates for one server', async (t) => {
  const report = healthyReport();
  report.sniComparison = { withSni: { ok: true, code: 'established', sha1: SHA1 }, withoutSni: { ok: true, code: 'established', sha1: OTHER_SHA1 } };
  const [f] = diagnose(report, { now: NOW });
  t.equal(f?.cause, 'sni-binding-inconsistent');
  t.match(f?.summary, new RegExp(`SHA-1 ${SHA1}.*SHA-1 ${OTHER_SHA1}`));
});

t.test('0.0.0.0 bound without its [::] twin', async (t) => {
  const report = healthyReport();
  const ctx = { now: NOW, netshBindings: netsh('german-ipv4-only-8443.txt') };
  report.target.port = 8443;
  const info = diagnose(report, ctx).find((f) => f.cause === 'binding-ipv6-missing');
  t.equal(info?.cause, 'binding-ipv6-missing');
  t.equal(info?.severity, 'info', 'the name has no IPv6 address: information only');
  t.match(
    info?.remediation[0],
    /netsh http add sslcert ipport=\[::\]:8443 certhash=5F1C2A3B4C5D6E7F8091A2B3C4D5E6F708192A3B appid=\{ba195980/,
    'the hash bound on 0.0.0.0 is reused',
  );

  report.resolved.push({ address: '2001:db8::10', family: 6 });
  const findings = diagnose(report, ctx);
  t.equal(findings.find((f) => f.cause === 'binding-ipv6-missing')?.severity, 'warning', 'with an AAAA record it matters');

  t.notOk(
    diagnose(healthyReport(), { now: NOW, netshBindings: netsh('rras-ipport-pair-crlf.txt') }).some((f) => f.cause === 'binding-ipv6-missing'),
    'both bindings present: nothing to say',
  );
});

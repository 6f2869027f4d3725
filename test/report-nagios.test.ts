import t from 'tap';
import { renderNagios, renderNagiosUnknown } from '../lib/report/nagios.js';
import { NOW, certificate, failAt, healthyReport } from './helpers/report-builder.js';
import type { ProbeReport } from '../lib/types.js';
import { parseNagios } from './helpers/nagios-output.js';

function expiringIn(days: number): ProbeReport {
  const report = healthyReport();
  report.certificate = certificate({ notAfter: new Date(NOW.getTime() + days * 86_400_000 + 3_600_000).toISOString() });
  return report;
}

t.test('healthy: OK, exit 0, time and step durations and cert_days in perfdata', async (t) => {
  const result = renderNagios(expiringIn(200), { now: NOW });
  t.equal(result.exitCode, 0);
  const parsed = parseNagios(result.text);
  t.equal(parsed.state, 'OK');
  t.match(parsed.summary, /vpn\.contoso\.com:443 answers SSTP/);
  const time = parsed.perf.find((p) => p.label === 'time')!;
  t.equal(time.uom, 's');
  for (const step of ['dns', 'tcp', 'tls', 'http', 'sstp']) t.ok(parsed.perf.some((p) => p.label === step && p.uom === 's'), `${step} duration`);
  t.same(parsed.perf.find((p) => p.label === 'cert_days'), { label: 'cert_days', value: 200, uom: '', warn: '30:', crit: '7:', min: '', max: '' });
});

t.test('a warning finding: WARNING, exit 1', async (t) => {
  const report = expiringIn(200);
  report.findings = [{ cause: 'weak-key', severity: 'warning', summary: 'The key is | weak\nvery', evidence: {}, remediation: [] }];
  const result = renderNagios(report, { now: NOW });
  t.equal(result.exitCode, 1);
  const parsed = parseNagios(result.text);
  t.equal(parsed.state, 'WARNING');
  t.match(parsed.summary, 'The key is / weak very', 'no "|" or newline leaks into the status text');
});

t.test('an error finding: CRITICAL, exit 2, named first', async (t) => {
  const report = failAt(healthyReport(), 'http', 'status', '404');
  report.findings = [
    { cause: 'http-url-not-registered', severity: 'error', summary: 'HTTP 404 on the SSTP URL', evidence: {}, remediation: [] },
    { cause: 'x', severity: 'warning', summary: 'also this', evidence: {}, remediation: [] },
    { cause: 'y', severity: 'info', summary: 'fyi', evidence: {}, remediation: [] },
  ];
  const result = renderNagios(report, { now: NOW });
  t.equal(result.exitCode, 2);
  const parsed = parseNagios(result.text);
  t.equal(parsed.state, 'CRITICAL');
  t.match(parsed.summary, /HTTP 404 on the SSTP URL \(\+1 more\)/);
  t.notOk(parsed.perf.some((p) => p.label === 'sstp'), 'a step that did not run has no perfdata');
});

t.test('info findings alone stay OK', async (t) => {
  const report = expiringIn(200);
  report.findings = [{ cause: 'y', severity: 'info', summary: 'fyi', evidence: {}, remediation: [] }];
  t.equal(renderNagios(report, { now: NOW }).exitCode, 0);
});

t.test('certificate expiry against --warning-days / --critical-days, not the diagnosis\'s own 30 days', async (t) => {
  const soon = expiringIn(10);
  soon.findings = [{ cause: 'cert-expiring-soon', severity: 'warning', summary: 'expires in 10 days', evidence: {}, remediation: [] }];
  const warning = renderNagios(soon, { now: NOW });
  t.equal(warning.exitCode, 1);
  t.match(parseNagios(warning.text).summary, /expires in 10 days/);
  t.equal(renderNagios(soon, { now: NOW, warningDays: 5, criticalDays: 2 }).exitCode, 0, 'thresholds below 10 days: OK');
  const critical = renderNagios(soon, { now: NOW, warningDays: 30, criticalDays: 14 });
  t.equal(critical.exitCode, 2);
  t.same(parseNagios(critical.text).perf.find((p) => p.label === 'cert_days')!.crit, '14:');
});

t.test('UNKNOWN for usage errors: exit 3, one line', async (t) => {
  const result = renderNagiosUnknown('the target is empty\nsecond line');
  t.equal(result.exitCode, 3);
  const parsed = parseNagios(result.text);
  t.equal(parsed.state, 'UNKNOWN');
  t.same(parsed.perf, []);
});

import t from 'tap';
import { PROMETHEUS_CONTENT_TYPE, escapeLabelValue, renderPrometheus } from '../lib/report/prometheus.js';
import { failAt, healthyReport } from './helpers/report-builder.js';
import { parseExposition, sampleValue as value } from './helpers/prometheus-text.js';
import type { ProbeReport } from '../lib/types.js';


t.test('content type is text format 0.0.4', async (t) => {
  t.equal(PROMETHEUS_CONTENT_TYPE, 'text/plain; version=0.0.4; charset=utf-8');
});

t.test('healthy report: success, every step that ran, certificate expiry and what was negotiated', async (t) => {
  const report = healthyReport();
  report.tls!.protocol = 'TLSv1.3';
  report.sstp!.hashProtocols = ['sha1', 'sha256'];
  const parsed = parseExposition(renderPrometheus(report as unknown as ProbeReport));
  t.equal(value(parsed, 'probe_success'), 1);
  t.equal(parsed.type.get('probe_success'), 'gauge');
  for (const step of ['dns', 'tcp', 'tls', 'http', 'sstp']) {
    t.equal(value(parsed, 'sstp_probe_step_success', { step }), 1, `${step} passed`);
    t.type(value(parsed, 'sstp_probe_step_duration_seconds', { step }), 'number', `${step} has a duration`);
  }
  t.equal(value(parsed, 'sstp_probe_step_success', { step: 'proxy' }), undefined, 'a skipped step has no series');
  t.equal(value(parsed, 'sstp_probe_certificate_not_after_seconds'), Date.parse('2026-01-01T00:00:00Z') / 1000);
  t.equal(value(parsed, 'sstp_probe_info', { tls_version: 'TLSv1.3', sstp_hash_protocols: 'sha1,sha256' }), 1);
  t.notOk(parsed.samples.some((s) => s.name === 'sstp_probe_finding'), 'no findings, no finding series');
});

t.test('a failed step and its finding', async (t) => {
  const report = failAt(healthyReport(), 'tcp', 'refused', 'connection refused');
  report.findings = [{ cause: 'tcp-refused', severity: 'error', summary: 'refused', evidence: {}, remediation: [] }];
  const parsed = parseExposition(renderPrometheus(report as unknown as ProbeReport));
  t.equal(value(parsed, 'probe_success'), 0);
  t.equal(value(parsed, 'sstp_probe_step_success', { step: 'tcp' }), 0);
  t.equal(value(parsed, 'sstp_probe_finding', { cause: 'tcp-refused', severity: 'error' }), 1);
});

t.test('label values are escaped: backslash, quote, newline', async (t) => {
  t.equal(escapeLabelValue('a\\b"c\nd'), 'a\\\\b\\"c\\nd');
  const report = healthyReport();
  report.tls!.protocol = 'odd "TLS"\\\nv';
  const text = renderPrometheus(report);
  t.match(text, /tls_version="odd \\"TLS\\"\\\\\\nv"/);
  t.equal(value(parseExposition(text), 'sstp_probe_info', { tls_version: 'odd "TLS"\\\nv' }), 1, 'round-trips');
});

t.test('client profiles and CRL nextUpdate are rendered when the report carries them, ignored when malformed', async (t) => {
  const report = healthyReport() as Omit<ReturnType<typeof healthyReport>, 'clients'> & { clients?: unknown };
  report.clients = [{ client: 'windows-11', verdict: 'connects' }, { client: 'windows-10', verdict: 'fails' }, { client: 'sstpc', verdict: 'unknown' }, { bogus: 1 }, null, 'x'];
  report.revocation = {
    verdict: 'good',
    sources: [
      { url: 'http://pki/a.crl', kind: 'crl', outcome: 'good', detail: null, nextUpdate: '2025-06-08T00:00:00Z' } as never,
      { url: 'http://pki/b.crl', kind: 'crl', outcome: 'good', detail: null, nextUpdate: '2025-06-03T00:00:00Z' } as never,
    ],
  };
  const parsed = parseExposition(renderPrometheus(report as unknown as ProbeReport));
  t.equal(value(parsed, 'sstp_probe_client_connects', { client: 'windows-11' }), 1);
  t.equal(value(parsed, 'sstp_probe_client_connects', { client: 'windows-10' }), 0);
  t.equal(parsed.samples.filter((s) => s.name === 'sstp_probe_client_connects').length, 2, 'no sample for a verdict that is unknown');
  t.equal(value(parsed, 'sstp_probe_crl_next_update_seconds'), Date.parse('2025-06-03T00:00:00Z') / 1000, 'the earliest');
  // A delta CRL lapses sooner than its complete CRL, and clients fail as soon as it does.
  report.revocation.sources.push({ url: 'http://pki/b+.crl', kind: 'delta-crl', baseUrl: 'http://pki/b.crl', outcome: 'good', detail: null, nextUpdate: '2025-06-02T00:00:00Z' });
  report.revocation.sources.push({ url: 'http://pki/ocsp', kind: 'ocsp', outcome: 'good', detail: null, nextUpdate: '2025-06-01T00:00:00Z' });
  t.equal(value(parseExposition(renderPrometheus(report as unknown as ProbeReport)), 'sstp_probe_crl_next_update_seconds'), Date.parse('2025-06-02T00:00:00Z') / 1000, 'a delta CRL counts, an OCSP answer does not');
  report.clients = { not: 'an array' };
  t.notOk(renderPrometheus(report as unknown as ProbeReport).includes('sstp_probe_client_connects'));
});

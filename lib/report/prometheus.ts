import type { ProbeReport } from '../types.js';
import { STEP_NAMES } from '../types.js';

// A probe report as Prometheus text exposition format 0.0.4, in the blackbox_exporter convention: the scrape
// itself always succeeds and `probe_success` says whether the server did. Names use base units (seconds, Unix
// timestamps). A step that did not run has no series, so an alert on `sstp_probe_step_success == 0` names the
// hop that failed and nothing after it. Pure: no I/O, `now` is not needed.

/** The Content-Type Prometheus expects for text format 0.0.4. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export const METRIC_TYPES = ['gauge', 'counter'] as const;
export type MetricType = (typeof METRIC_TYPES)[number];

export interface Sample {
  labels?: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  type: MetricType;
  help: string;
  samples: Sample[];
}

/** Label values escape backslash, double quote and line feed (exposition format 0.0.4). */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** HELP text escapes backslash and line feed only. */
function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/** Families in order, each with its HELP and TYPE lines; a family without samples is left out. */
export function renderFamilies(families: readonly MetricFamily[]): string {
  let out = '';
  for (const family of families) {
    if (family.samples.length === 0) continue;
    out += `# HELP ${family.name} ${escapeHelp(family.help)}\n# TYPE ${family.name} ${family.type}\n`;
    for (const sample of family.samples) {
      const labels = Object.entries(sample.labels ?? {});
      const set = labels.length ? `{${labels.map(([key, value]) => `${key}="${escapeLabelValue(value)}"`).join(',')}}` : '';
      out += `${family.name}${set} ${formatValue(sample.value)}\n`;
    }
  }
  return out;
}

const seconds = (ms: number): number => Math.round(ms) / 1000;

/** Unix time in seconds of an ISO date, or null when it does not parse. */
function unixSeconds(iso: unknown): number | null {
  if (typeof iso !== 'string') return null;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : Math.floor(ms / 1000);
}

/** The metrics of one probe, in the order the README lists them. */
export function probeFamilies(report: ProbeReport): MetricFamily[] {
  const ran = STEP_NAMES.map((name) => report.steps.find((step) => step.name === name))
    .filter((step): step is NonNullable<typeof step> => step !== undefined && step.status !== 'skip');
  const findings = new Map<string, Sample>();
  for (const finding of report.findings) {
    findings.set(`${finding.cause}\0${finding.severity}`, { labels: { cause: finding.cause, severity: finding.severity }, value: 1 });
  }
  const notAfter = unixSeconds(report.certificate?.notAfter);
  const crlNextUpdate = earliestCrlNextUpdate(report);
  return [
    { name: 'probe_success', type: 'gauge', help: 'Whether an SSTP client would get through: 1 healthy, 0 a problem was found', samples: [{ value: report.ok ? 1 : 0 }] },
    { name: 'probe_duration_seconds', type: 'gauge', help: 'How long the probe took', samples: [{ value: seconds(report.durationMs) }] },
    {
      name: 'sstp_probe_step_success',
      type: 'gauge',
      help: 'Whether each hop that ran passed (1; a warning counts as passed) or failed (0); hops not reached have no series',
      samples: ran.map((step) => ({ labels: { step: step.name }, value: step.status === 'fail' ? 0 : 1 })),
    },
    {
      name: 'sstp_probe_step_duration_seconds',
      type: 'gauge',
      help: 'How long each hop that ran took',
      samples: ran.map((step) => ({ labels: { step: step.name }, value: seconds(step.durationMs) })),
    },
    { name: 'sstp_probe_finding', type: 'gauge', help: 'One series per cause the diagnosis found (docs/causes.md)', samples: [...findings.values()] },
    {
      name: 'sstp_probe_certificate_not_after_seconds',
      type: 'gauge',
      help: 'When the server certificate expires, as a Unix timestamp',
      samples: notAfter === null ? [] : [{ value: notAfter }],
    },
    {
      name: 'sstp_probe_crl_next_update_seconds',
      type: 'gauge',
      help: 'Earliest nextUpdate of the CRLs read (complete and delta), as a Unix timestamp: when clients stop accepting them unless republished',
      samples: crlNextUpdate === null ? [] : [{ value: crlNextUpdate }],
    },
    { name: 'sstp_probe_client_connects', type: 'gauge', help: 'Whether each client profile would connect (1) or not (0)', samples: clientSamples(report) },
    {
      name: 'sstp_probe_info',
      type: 'gauge',
      help: 'What the server negotiated: TLS version, SSTP certificate hash protocols, PPP authentication protocols',
      samples: [{
        labels: {
          tls_version: report.tls?.protocol ?? '',
          sstp_hash_protocols: (report.sstp?.hashProtocols ?? []).join(','),
          auth_protocols: (report.ppp?.authProtocols ?? []).join(','),
        },
        value: 1,
      }],
    },
  ];
}

export function renderPrometheus(report: ProbeReport): string {
  return renderFamilies(probeFamilies(report));
}

/** Read defensively: a CRL source may carry `nextUpdate` (ISO) once the revocation check reports it. */
function earliestCrlNextUpdate(report: ProbeReport): number | null {
  let earliest: number | null = null;
  for (const source of report.revocation?.sources ?? []) {
    if (source.kind !== 'crl' && source.kind !== 'delta-crl') continue;
    const when = unixSeconds((source as { nextUpdate?: unknown }).nextUpdate);
    if (when !== null && (earliest === null || when < earliest)) earliest = when;
  }
  return earliest;
}

/**
 * One sample per client profile whose verdict is known: 1 connects, 0 fails; `unknown` is left out (no
 * sample is better than a guess). Read defensively, since a report may come from a file.
 */
function clientSamples(report: ProbeReport): Sample[] {
  const clients: unknown = report.clients;
  if (!Array.isArray(clients)) return [];
  const samples: Sample[] = [];
  for (const entry of clients as unknown[]) {
    if (entry === null || typeof entry !== 'object') continue;
    const { client, verdict } = entry as Record<string, unknown>;
    if (typeof client === 'string' && (verdict === 'connects' || verdict === 'fails')) samples.push({ labels: { client }, value: verdict === 'connects' ? 1 : 0 });
  }
  return samples;
}

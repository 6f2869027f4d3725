import type { ProbeReport } from '../types.js';
import { STEP_NAMES } from '../types.js';

// A probe report as a Nagios / Icinga plugin answers: one status line, `SSTP <STATE> - <summary> | perfdata`,
// and the plugin API's exit code (Nagios Plugin Development Guidelines, "Plugin Return Codes" and
// "Performance data"). Errors are CRITICAL, warnings WARNING, info alone is OK. The certificate's expiry is
// judged against the thresholds given here rather than by the diagnosis's own 30 days, so an admin's
// --warning-days / --critical-days decide. Pure: `now` is passed in.

export const NAGIOS_STATES = { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 } as const;
export type NagiosState = keyof typeof NAGIOS_STATES;

export const DEFAULT_WARNING_DAYS = 30;
export const DEFAULT_CRITICAL_DAYS = 7;

export interface NagiosOptions {
  /** WARNING when the certificate expires within this many days (default 30). */
  warningDays?: number;
  /** CRITICAL when it expires within this many days (default 7). */
  criticalDays?: number;
  now?: Date;
}

export interface NagiosResult {
  state: NagiosState;
  exitCode: (typeof NAGIOS_STATES)[NagiosState];
  /** The status line and perfdata, newline-terminated. */
  text: string;
}

const DAY_MS = 86_400_000;
/** The diagnosis's own expiry warning: replaced here by the thresholds. */
const EXPIRY_CAUSE = 'cert-expiring-soon';

export function renderNagios(report: ProbeReport, options: NagiosOptions = {}): NagiosResult {
  const warningDays = options.warningDays ?? DEFAULT_WARNING_DAYS;
  const criticalDays = options.criticalDays ?? DEFAULT_CRITICAL_DAYS;
  const now = options.now ?? new Date();
  const findings = report.findings.filter((finding) => finding.cause !== EXPIRY_CAUSE);
  const errors = findings.filter((finding) => finding.severity === 'error');
  const warnings = findings.filter((finding) => finding.severity === 'warning');
  const days = certificateDays(report, now);
  const host = `${report.target.host}:${report.target.port}`;

  const reasons: string[] = [];
  let state: NagiosState = 'OK';
  const raise = (to: NagiosState): void => {
    if (NAGIOS_STATES[to] > NAGIOS_STATES[state]) state = to;
  };
  if (errors.length) {
    raise('CRITICAL');
    reasons.push(...errors.map((finding) => finding.summary));
  }
  if (days !== null && days >= 0 && days <= criticalDays) {
    raise('CRITICAL');
    reasons.push(`the certificate expires in ${days} day${days === 1 ? '' : 's'}`);
  } else if (days !== null && days >= 0 && days <= warningDays) {
    raise('WARNING');
    reasons.push(`the certificate expires in ${days} days`);
  }
  if (warnings.length) {
    raise('WARNING');
    reasons.push(...warnings.map((finding) => finding.summary));
  }
  if (!report.ok && state === 'OK') {
    // A report that is not ok always carries an error finding; this guards a diagnosis that missed one.
    raise('CRITICAL');
    reasons.push('the probe failed without a named cause');
  }

  let summary: string;
  if (state === 'OK') summary = `${host} answers SSTP${healthyDetail(report, days)}`;
  else {
    const [first, ...rest] = reasons;
    summary = `${host}: ${first}${rest.length ? ` (+${rest.length} more)` : ''}`;
  }
  const line = `SSTP ${state} - ${oneLine(summary)} | ${perfdata(report, days, warningDays, criticalDays)}`;
  return { state, exitCode: NAGIOS_STATES[state], text: `${line}\n` };
}

/** For a usage or internal error: UNKNOWN, exit 3. */
export function renderNagiosUnknown(message: string): NagiosResult {
  return { state: 'UNKNOWN', exitCode: NAGIOS_STATES.UNKNOWN, text: `SSTP UNKNOWN - ${oneLine(message)}\n` };
}

function healthyDetail(report: ProbeReport, days: number | null): string {
  const parts = [report.tls?.protocol, report.sstp?.hashProtocols.map((hash) => hash.toUpperCase().replace('SHA', 'SHA-')).join('+')]
    .filter((part): part is string => typeof part === 'string' && part !== '');
  if (days !== null) parts.push(`certificate valid ${days} more days`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

/** Whole days until the leaf certificate expires (negative once expired), or null without one. */
function certificateDays(report: ProbeReport, now: Date): number | null {
  const notAfter = report.certificate ? Date.parse(report.certificate.notAfter) : Number.NaN;
  if (Number.isNaN(notAfter)) return null;
  return Math.trunc((notAfter - now.getTime()) / DAY_MS);
}

/**
 * 'label'=value[UOM];[warn];[crit];[min];[max], space-separated. Threshold ranges follow the guidelines'
 * range syntax: "30:" alerts below 30, which is what a days-left threshold means.
 */
function perfdata(report: ProbeReport, days: number | null, warningDays: number, criticalDays: number): string {
  const items = [`time=${seconds(report.durationMs)}s;;;0`];
  for (const name of STEP_NAMES) {
    const step = report.steps.find((candidate) => candidate.name === name);
    if (step && step.status !== 'skip') items.push(`${name}=${seconds(step.durationMs)}s;;;0`);
  }
  if (days !== null) items.push(`cert_days=${days};${warningDays}:;${criticalDays}:`);
  return items.join(' ');
}

const seconds = (ms: number): string => (Math.round(ms) / 1000).toFixed(3);

/** The status line is one line, and `|` would start the perfdata early. */
function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').replace(/\|/g, '/').trim();
}

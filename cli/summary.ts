import type { ProbeReport } from '../lib/types.js';
import { formatTarget } from '../lib/target.js';
import { paint } from '../lib/report/ansi.js';

// Text output of a fleet run: one short line per target as it finishes, then a table in the order the
// targets were given, so two runs over the same list can be compared line by line. Pure: the CLI decides
// about colour.

export interface SummaryOptions {
  color: boolean;
  /** Plain ASCII marks instead of ✔ ✘. */
  ascii?: boolean;
  /** The probe was cut short by a cancel (Ctrl-C): its report says nothing about the server. */
  cancelled?: boolean;
}

export interface SummaryFooter {
  /** Wall time of the whole run. */
  elapsedMs: number;
  /** Targets listed more than once and probed only once. */
  duplicates?: number;
  /** Targets never probed because the run was cancelled. */
  notProbed?: number;
}


/** The first cause an administrator should look at: the first error finding, else the first failed step. */
export function firstCause(report: ProbeReport): string | null {
  const error = report.findings.find((finding) => finding.severity === 'error');
  if (error) return error.cause;
  if (report.ok) return null;
  const failed = report.steps.find((step) => step.status === 'fail');
  return failed ? `${failed.name}-${failed.code}` : null;
}

/** One line for a target that just finished, e.g. `✘ vpn.contoso.com:443  problem  cert-expired  240 ms`. */
export function formatResultLine(report: ProbeReport, options: SummaryOptions): string {
  if (options.cancelled) {
    const reached = [...report.steps].reverse().find((step) => step.status !== 'skip');
    const where = reached ? `during the ${reached.name} step` : '';
    return `${paint('dim', options.ascii ? '-' : '⊘', options.color)} ${[formatTarget(report.target), 'cancelled', where, formatDuration(report.durationMs)].filter((part) => part !== '').join('  ')}\n`;
  }
  const mark = markFor(report.ok, options);
  const errors = report.findings.filter((finding) => finding.severity === 'error').length;
  const cause = firstCause(report);
  const more = errors > 1 ? ` (+${errors - 1} more)` : '';
  const parts = [formatTarget(report.target), report.ok ? 'ok' : 'problem', cause ? `${cause}${more}` : '', formatDuration(report.durationMs)];
  return `${mark} ${parts.filter((part) => part !== '').join('  ')}\n`;
}

/** What the end-of-run table keeps of a report: a long run holds one of these per target, not the report. */
export interface SummaryRow {
  endpoint: string;
  ok: boolean;
  firstCause: string | null;
  durationMs: number;
  /** Cut short by a cancel: neither ok nor a problem. */
  cancelled?: boolean;
}

export function summaryRow(report: ProbeReport): SummaryRow {
  return { endpoint: formatTarget(report.target), ok: report.ok, firstCause: firstCause(report), durationMs: report.durationMs };
}

/** The end-of-run table: target, verdict, first cause, duration; then the totals. */
export function renderSummary(entries: readonly SummaryRow[], footer: SummaryFooter, options: SummaryOptions): string {
  const verdict = (entry: SummaryRow): string => (entry.cancelled ? 'cancelled' : entry.ok ? 'ok' : 'problem');
  const rows = entries.map((entry) => [entry.endpoint, verdict(entry), entry.cancelled ? '-' : (entry.firstCause ?? '-'), formatDuration(entry.durationMs)]);
  const header = ['TARGET', 'VERDICT', 'FIRST CAUSE', 'DURATION'];
  // reduce, not Math.max(...spread): a list of 100,000 targets would overflow the argument limit.
  const widths = header.map((title, column) => rows.reduce((widest, row) => Math.max(widest, row[column]!.length), title.length));
  const line = (cells: string[]): string =>
    cells.map((cell, column) => (column === cells.length - 1 ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!))).join('  ');
  const out = [paint('dim', line(header), options.color)];
  entries.forEach((entry, index) => {
    const text = line(rows[index]!);
    out.push(entry.ok ? text : paint(entry.cancelled ? 'dim' : 'red', text, options.color));
  });
  const ok = entries.filter((entry) => entry.ok && !entry.cancelled).length;
  const cut = entries.filter((entry) => entry.cancelled).length;
  const problems = entries.length - ok - cut;
  let totals = `${entries.length} ${entries.length === 1 ? 'target' : 'targets'} probed in ${formatDuration(footer.elapsedMs)}: ${ok} ok, ${problems} with problems`;
  if (cut) totals += `, ${cut} cancelled`;
  if (footer.duplicates) totals += `; ${footer.duplicates} duplicate ${footer.duplicates === 1 ? 'entry' : 'entries'} skipped`;
  if (footer.notProbed) totals += `; cancelled before ${footer.notProbed} more could be probed`;
  out.push('', totals);
  return `${out.join('\n')}\n`;
}

export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 59_950) return `${(ms / 1_000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1_000);
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}


function markFor(ok: boolean, options: SummaryOptions): string {
  const mark = ok ? (options.ascii ? '+' : '✔') : options.ascii ? 'x' : '✘';
  return paint(ok ? 'green' : 'red', mark, options.color);
}


import type { ProbeReport } from '../lib/types.js';

// Fleet runs with --json write NDJSON: one compact report per line, in the order the probes finish, so a
// consumer (jq, a log shipper, a dashboard) can act on each server as soon as it is known. Every line is a
// complete report in the same schema as the single-target JSON (schema/report.schema.json); its `target`
// says which server it describes.

/** One report as one NDJSON line. JSON.stringify escapes every newline inside strings, so it is one line. */
export function ndjsonLine(report: ProbeReport): string {
  return `${JSON.stringify(report)}\n`;
}

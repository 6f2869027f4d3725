// The "Connections" section of the text report (--connections n > 1): per address, how many connections
// were made and whether they agreed; when they did not, each variant with its count.

import type { ProbeReport } from '../types.js';
import { connectionsByAddress, connectionVariants, describeVariant } from '../diagnose/rules-connections.js';

function endpoint(address: string, port: number): string {
  return address.includes(':') && !address.startsWith('[') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** Lines under the heading, or none when a single connection per address was made. */
export function renderConnections(report: ProbeReport, marks: { ok: string; fail: string }): string[] {
  const lines: string[] = [];
  for (const [address, connections] of connectionsByAddress(report.connections ?? [])) {
    if (connections.length < 2) continue;
    const variants = connectionVariants(connections);
    const where = report.proxy && report.proxy.source !== 'none' ? `${endpoint(report.target.host, report.target.port)} through the proxy` : endpoint(address, report.target.port);
    if (variants.length === 1) {
      lines.push(`  ${marks.ok} ${connections.length} connections to ${where} agreed: ${describeVariant(variants[0]!, connections.length).replace(/^\d+ of \d+ /, 'all ')}`);
      continue;
    }
    lines.push(`  ${marks.fail} ${connections.length} connections to ${where} disagreed:`);
    for (const variant of variants) {
      lines.push(`      ${describeVariant(variant, connections.length)} (connection${variant.indexes.length === 1 ? '' : 's'} ${variant.indexes.join(', ')})`);
    }
  }
  return lines;
}

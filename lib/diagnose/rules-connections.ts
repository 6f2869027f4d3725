// Several connections to one address (--connections n) reach whichever pool member the load balancer picks.
// When they do not all look alike to a client (another certificate, another HTTP status class, another SSTP
// answer, or some failing), some clients fail and others do not: the intermittent failure nobody can
// reproduce. The variants are counted so the failing share is plain.

import type { ConnectionResult } from '../types.js';
import { makeFinding } from './causes.js';
import type { Facts } from './facts.js';
import { hostPort, netshShowCommands, registryHashSteps } from './remediation.js';
import type { Rule } from './rule.js';

/** What a client notices about one connection; connections with the same variant behave alike. */
interface Variant {
  certificateSha256: string | null;
  httpStatus: number | null;
  server: string | null;
  sstpResult: string | null;
  failedStep: string | null;
  code: string | null;
  indexes: number[];
}

function variantKey(c: ConnectionResult): string {
  const statusClass = c.httpStatus === null ? '-' : `${Math.floor(c.httpStatus / 100)}xx`;
  return [c.certificateSha256 ?? '-', statusClass, c.sstpResult ?? '-', c.failedStep === null ? 'ok' : 'failed'].join('|');
}

/** The connections of one address grouped by variant, most common first. */
export function connectionVariants(connections: readonly ConnectionResult[]): Variant[] {
  const groups = new Map<string, Variant>();
  for (const c of connections) {
    const key = variantKey(c);
    const found = groups.get(key);
    if (found) found.indexes.push(c.index);
    else {
      groups.set(key, {
        certificateSha256: c.certificateSha256,
        httpStatus: c.httpStatus,
        server: c.server,
        sstpResult: c.sstpResult,
        failedStep: c.failedStep,
        code: c.code,
        indexes: [c.index],
      });
    }
  }
  return [...groups.values()].sort((a, b) => b.indexes.length - a.indexes.length);
}

/** "4 of 6 presented SHA-256 AB12…, and reached the Call Connect Ack" */
export function describeVariant(variant: Variant, total: number): string {
  const seen = variant.certificateSha256 ? `presented SHA-256 ${variant.certificateSha256.slice(0, 16)}…` : 'saw no certificate';
  let outcome: string;
  if (variant.failedStep === null) outcome = variant.sstpResult === 'ack' ? 'reached the Call Connect Ack' : 'went through';
  else if (variant.failedStep === 'http' && variant.httpStatus !== null) outcome = `were answered HTTP ${variant.httpStatus}${variant.server ? ` by ${variant.server}` : ''}`;
  else if (variant.failedStep === 'sstp') outcome = `failed the SSTP handshake (${variant.sstpResult ?? variant.code})`;
  else outcome = `failed at ${variant.failedStep} (${variant.code ?? '?'})`;
  return `${variant.indexes.length} of ${total} ${seen} and ${outcome}`;
}

export function connectionsByAddress(connections: readonly ConnectionResult[]): Map<string, ConnectionResult[]> {
  const byAddress = new Map<string, ConnectionResult[]>();
  for (const c of connections) byAddress.set(c.address, [...(byAddress.get(c.address) ?? []), c]);
  return byAddress;
}

export const connectionsRule: Rule = {
  name: 'connections',
  causes: ['backend-inconsistent'],
  apply(f) {
    const findings = [];
    for (const [address, connections] of connectionsByAddress(f.report.connections ?? [])) {
      if (connections.length < 2) continue;
      const variants = connectionVariants(connections);
      if (variants.length < 2) continue;
      const total = connections.length;
      const failing = connections.filter((c) => c.failedStep !== null).length;
      const majority = variants.find((v) => v.failedStep === null && v.certificateSha256 !== null)?.certificateSha256 ?? null;
      const where = f.viaProxy ? `${f.host}:${f.port} through the proxy` : hostPort(address, f.port);
      findings.push(
        makeFinding(
          'backend-inconsistent',
          `${total} connections to ${where} did not all reach a server that behaves alike: ${variants.map((v) => describeVariant(v, total)).join('; ')}. A load balancer spreads clients over pool members that are not configured alike${failing > 0 ? `, so about ${failing} in ${total} connection attempts fail` : ''}.`,
          {
            address,
            connections: total,
            failing,
            variants: variants.map((v) => ({ count: v.indexes.length, ...v })),
          },
          memberSteps(f, majority),
        ),
      );
    }
    return findings;
  },
};

function memberSteps(f: Facts, majority: string | null): string[] {
  const sni = f.report.tls?.sni ?? (f.hostIsIp ? null : f.host);
  const scheme = f.report.target.scheme === 'http' ? 'http://' : '';
  const command = `sstp-probe ${scheme}<member address>:${f.port}${sni ? ` --sni ${sni}` : ''}${majority ? ` --expect-sha256 ${majority}` : ''}`;
  return [
    `Find the member that differs: the balancer's own per-member statistics (connections, errors, health) name it, or probe each member's own address, past the balancer: ${command}`,
    `On that member, compare the certificate bound to the HTTPS listener with the others: ${netshShowCommands(f.port, sni).join('; ')}`,
    ...registryHashSteps(null, majority).map((step) => `On that member, ${step[0]!.toLowerCase()}${step.slice(1)}`),
    'A member that refuses or drops connections (RRAS stopped, port closed): give the pool a health check on the SSTP URL, so the balancer takes a failing member out instead of sending every n-th client to it.',
    'Until every member is alike, persistence keeps each client on one member: SSL session ID or source-IP persistence for SSTP (an SSTP client keeps no cookies).',
  ];
}

// The evidence the rules read, gathered once from the report and the caller's context: which steps
// failed, whether a proxy carried the connection, the thumbprints presented and expected, and the
// HTTP.SYS binding that applies to this endpoint when the administrator supplied netsh output.

import type { ProbeReport, StepName, StepResult } from '../types.js';
import { bindingFor, type NetshBinding } from './netsh.js';
import { isIpLiteral } from '../cert/names.js';
import { normalizeThumbprint, thumbprintAlgorithm, type ThumbprintAlgorithm } from './thumbprint.js';

export interface DiagnoseContext {
  /** The moment certificate validity is judged against. */
  now: Date;
  /** SHA-1 thumbprint the server should present (any case, separators allowed). */
  expectedSha1?: string;
  /** SHA-256 thumbprint the server should present. */
  expectedSha256?: string;
  /** Bindings parsed from the RRAS server's `netsh http show sslcert` output. */
  netshBindings?: NetshBinding[];
  /** Days before expiry at which cert-expiring-soon is raised; 30 when absent. */
  expiryWarningDays?: number;
}

export interface ExpectedHash {
  algorithm: ThumbprintAlgorithm;
  value: string;
  /** Where the expectation came from, for the finding's evidence. */
  source: string;
}

export interface Facts {
  report: ProbeReport;
  context: DiagnoseContext;
  host: string;
  port: number;
  hostIsIp: boolean;
  viaProxy: boolean;
  /** Name HTTP.SYS matches hostnameport bindings against: the SNI sent, else the dialed name. */
  sniHost: string | null;
  /** Thumbprints of the certificate the client received, or null when none was seen. */
  presented: { sha1: string; sha256: string } | null;
  expected: ExpectedHash[];
  /** The netsh binding for this endpoint, null when none applies or no netsh output was given. */
  binding: NetshBinding | null;
  step(name: StepName): StepResult | undefined;
  failed(name: StepName): boolean;
}

/** Collects the facts. Throws InvalidThumbprintError when an expected thumbprint is malformed. */
export function gatherFacts(report: ProbeReport, context: DiagnoseContext): Facts {
  const host = report.target.host.replace(/^\[|\]$/g, '');
  const port = report.target.port;
  const hostIsIp = isIpLiteral(host);
  const viaProxy = report.proxy !== null && report.proxy.source !== 'none';
  // A TLS section records the SNI actually sent (null: none); without one, assume the dialed name.
  const sniHost = report.tls ? report.tls.sni : hostIsIp ? null : host;
  const presented = report.certificate
    ? { sha1: report.certificate.sha1.toUpperCase(), sha256: report.certificate.sha256.toUpperCase() }
    : null;

  const expected: ExpectedHash[] = [];
  for (const [raw, flag] of [
    [context.expectedSha1, '--expect-sha1'],
    [context.expectedSha256, '--expect-sha256'],
  ] as const) {
    if (raw === undefined) continue;
    const value = normalizeThumbprint(raw);
    expected.push({ algorithm: thumbprintAlgorithm(value), value, source: flag });
  }

  const binding = context.netshBindings
    ? bindingFor(context.netshBindings, { host: sniHost, port, address: report.connectedAddress })
    : null;
  if (binding?.certHash) {
    expected.push({
      algorithm: 'sha1',
      value: binding.certHash,
      source: `netsh http show sslcert (${binding.kind}=${binding.endpoint})`,
    });
  }

  const steps = new Map(report.steps.map((s) => [s.name, s] as const));
  return {
    report,
    context,
    host,
    port,
    hostIsIp,
    viaProxy,
    sniHost,
    presented,
    expected,
    binding,
    step: (name) => steps.get(name),
    failed: (name) => steps.get(name)?.status === 'fail',
  };
}

/** The SHA-1 to put in fix commands: the one presented, else one the administrator gave, else null. */
export function knownSha1(facts: Facts): string | null {
  return facts.presented?.sha1 ?? facts.expected.find((e) => e.algorithm === 'sha1')?.value ?? null;
}

/** The SHA-256 to compare registry values with, same preference as knownSha1. */
export function knownSha256(facts: Facts): string | null {
  return facts.presented?.sha256 ?? facts.expected.find((e) => e.algorithm === 'sha256')?.value ?? null;
}

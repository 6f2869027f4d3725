import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type {
  AddressInfo,
  AddressResult,
  CertificateInfo,
  HttpInfo,
  ProbeReport,
  SniAttempt,
  SniComparison,
  SstpInfo,
  StepName,
  StepResult,
  Target,
  TlsInfo,
} from './types.js';
import { STEP_NAMES } from './types.js';
import { parseTarget } from './target.js';
import { VERSION } from './version.js';
import { probeLog, wireLog } from './log.js';
import { StreamReader } from './net/stream-reader.js';
import { dnsStep, systemResolver, type Resolver } from './steps/dns.js';
import { tcpStep } from './steps/tcp.js';
import { tlsStep } from './steps/tls.js';
import { httpStep } from './steps/http.js';
import { SstpChannel, sstpStep } from './steps/sstp.js';
import { notApplicableStep, skippedStep } from './steps/result.js';
import { describeCertificate } from './cert/describe.js';
import { dnsNameMatches } from './cert/names.js';
import { diagnose, type DiagnoseContext } from './diagnose/index.js';

// The orchestrator: walks the path a real SSTP client walks, one step per hop, each bounded by its own
// deadline and by the probe's overall one. It owns every socket it opens and closes them all before it
// resolves, whatever happened. The report always has the same shape.

export interface ProbeOptions {
  /** Port to use when the target does not name one (default 443). */
  port?: number;
  /** Deadline for the whole probe, in ms (default 30 000). */
  timeoutMs?: number;
  /** Deadline for any single step, in ms (default 10 000, never more than what is left of the whole). */
  stepTimeoutMs?: number;
  signal?: AbortSignal;
  /** SNI to send: undefined = the host name (none for IP literals), null = no SNI, a string = that name. */
  sni?: string | null;
  /** Probe every resolved address, not only the first (default true). */
  allAddresses?: boolean;
  /** How many addresses are probed at once (default 4). */
  addressConcurrency?: number;
  resolver?: Resolver;
  now?: () => Date;
  /** Certificate hash the server is configured with (any case, colons or spaces allowed). */
  expectSha1?: string;
  expectSha256?: string;
  /** Bindings read from a saved `netsh http show sslcert` output. */
  netshBindings?: DiagnoseContext['netshBindings'];
  /** Extra trusted CA certificates (PEM), added to Node's bundled roots. */
  trustedCaPems?: string[];
  /** Called as each step of the main path finishes (for live progress). */
  onStep?: (step: StepResult) => void;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_STEP_TIMEOUT_MS = 10_000;
/** How long to wait for Disconnect-Ack: MS-SSTP allows 5 s, a probe does not need to be that patient. */
const DISCONNECT_WAIT_MS = 2_000;

/** What one walk down the path (one address) saw. */
export interface PathOutcome {
  address: string;
  steps: StepResult[];
  tls: TlsInfo | null;
  certificate: CertificateInfo | null;
  http: HttpInfo | null;
  sstp: SstpInfo | null;
}

interface Budget {
  signal: AbortSignal;
  extraCaPems: string[];
  stepTimeout(): number;
}

export async function probe(target: string | Target, options: ProbeOptions = {}): Promise<ProbeReport> {
  const resolvedTarget = typeof target === 'string' ? parseTarget(target, options.port) : validateTarget(target);
  const now = options.now ?? (() => new Date());
  const startedAt = now();
  const started = performance.now();
  const totalMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const stepMs = options.stepTimeoutMs ?? DEFAULT_STEP_TIMEOUT_MS;

  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), totalMs);
  const signal = options.signal ? AbortSignal.any([options.signal, deadline.signal]) : deadline.signal;
  const budget: Budget = {
    signal,
    extraCaPems: options.trustedCaPems ?? [],
    stepTimeout: () => Math.max(1, Math.min(stepMs, totalMs - (performance.now() - started))),
  };
  const emit = (step: StepResult): void => {
    probeLog('%s %s %s (%d ms) %s', resolvedTarget.host, step.name, step.status, step.durationMs, step.detail ?? '');
    options.onStep?.(step);
  };

  try {
    const dns = await dnsStep(resolvedTarget.host, {
      resolver: options.resolver ?? systemResolver,
      timeoutMs: budget.stepTimeout(),
      signal,
    });
    emit(dns.step);
    const sni = options.sni === undefined ? (dns.step.code === 'literal' ? null : resolvedTarget.host) : options.sni;

    let main: PathOutcome | null = null;
    let outcomes: PathOutcome[] = [];
    if (dns.addresses.length > 0) {
      const walk = (address: AddressInfo, index: number): Promise<PathOutcome> =>
        walkPath(resolvedTarget, address.address, sni, budget, index === 0 ? emit : () => {});
      outcomes = (options.allAddresses ?? true) && dns.addresses.length > 1
        ? await mapBounded(dns.addresses, options.addressConcurrency ?? 4, walk)
        : [await walk(dns.addresses[0]!, 0)];
      main = outcomes[0]!;
    }

    const report = buildReport(resolvedTarget, startedAt, dns.step, dns.addresses, main);
    report.sniComparison = main ? await compareSni(resolvedTarget, main, sni, budget) : null;
    if (outcomes.length > 1) {
      // Each address is judged on its own evidence, so "IPv6 fails where IPv4 works" can be named.
      report.addresses = outcomes.map((outcome, index) => {
        const own = finalize(buildReport(resolvedTarget, startedAt, dns.step, [dns.addresses[index]!], outcome), options, now, started);
        return summarizeAddress(dns.addresses[index]!, outcome, own);
      });
    }
    return finalize(report, options, now, started);
  } finally {
    clearTimeout(timer);
  }
}

function buildReport(target: Target, startedAt: Date, dns: StepResult, resolved: AddressInfo[], main: PathOutcome | null): ProbeReport {
  return {
    schemaVersion: 1,
    tool: { name: 'sstp-probe', version: VERSION },
    ok: false,
    target,
    startedAt: startedAt.toISOString(),
    durationMs: 0,
    resolved,
    connectedAddress: main && main.steps.some((s) => s.name === 'tcp' && s.status === 'pass') ? main.address : null,
    addresses: [],
    proxy: null,
    steps: assembleSteps(dns, main),
    tls: main?.tls ?? null,
    certificate: main?.certificate ?? null,
    http: main?.http ?? null,
    sstp: main?.sstp ?? null,
    ppp: null,
    auth: null,
    revocation: null,
    sniComparison: null,
    findings: [],
  };
}

/**
 * When the handshake failed or the certificate does not fit the name, the same handshake with the other SNI
 * choice tells a host-name binding (`hostnameport`) from an address binding (`ipport`) in HTTP.SYS.
 */
async function compareSni(target: Target, main: PathOutcome, sni: string | null, budget: Budget): Promise<SniComparison | null> {
  const tcpPassed = main.steps.some((s) => s.name === 'tcp' && s.status === 'pass');
  const tlsFailed = main.steps.some((s) => s.name === 'tls' && s.status === 'fail');
  const certificateWrong = main.certificate !== null && (main.certificate.nameMatches === false || main.certificate.chainTrusted === false);
  if (!tcpPassed || !(tlsFailed || certificateWrong)) return null;
  const other = sni === null ? (isIP(target.host) ? null : target.host) : null;
  if (sni === null && other === null) return null;
  const attempt = await handshakeOnly(main.address, target.port, other, budget);
  const seen: SniAttempt = {
    ok: !tlsFailed && main.certificate?.nameMatches !== false,
    code: main.steps.find((s) => s.name === 'tls')?.code ?? null,
    sha1: main.certificate?.sha1 ?? null,
  };
  return sni === null ? { withSni: attempt, withoutSni: seen } : { withSni: seen, withoutSni: attempt };
}

async function handshakeOnly(address: string, port: number, sni: string | null, budget: Budget): Promise<SniAttempt> {
  const tcp = await tcpStep(address, port, { timeoutMs: budget.stepTimeout(), signal: budget.signal });
  if (!tcp.socket) return { ok: false, code: tcp.step.code, sha1: null };
  const tls = await tlsStep(tcp.socket, { sni, timeoutMs: budget.stepTimeout(), signal: budget.signal, extraCaPems: budget.extraCaPems });
  tls.socket?.destroy();
  tcp.socket.destroy();
  const certificate = tls.chain.length > 0 ? safeDescribe(tls.chain) : null;
  const hostForName = sni;
  const nameFits = certificate && hostForName ? certificate.dnsNames.some((name) => dnsNameMatches(name, hostForName)) : null;
  return { ok: tls.step.status === 'pass' && nameFits !== false, code: tls.step.code, sha1: certificate?.sha1 ?? null };
}

/** Runs the diagnosis and fills the verdict. Exported so a saved report can be re-judged. */
export function finalize(
  report: ProbeReport,
  options: Pick<ProbeOptions, 'expectSha1' | 'expectSha256' | 'netshBindings'>,
  now: () => Date,
  started: number,
): ProbeReport {
  report.findings = diagnose(report, {
    now: now(),
    ...(options.expectSha1 ? { expectedSha1: options.expectSha1 } : {}),
    ...(options.expectSha256 ? { expectedSha256: options.expectSha256 } : {}),
    ...(options.netshBindings ? { netshBindings: options.netshBindings } : {}),
  });
  report.ok = !report.findings.some((finding) => finding.severity === 'error');
  report.durationMs = Math.round(performance.now() - started);
  return report;
}

/** TCP -> TLS -> HTTP -> SSTP against one address, then a polite exit. Never throws for remote failures. */
export async function walkPath(
  target: Target,
  address: string,
  sni: string | null,
  budget: Budget,
  emit: (step: StepResult) => void,
): Promise<PathOutcome> {
  const outcome: PathOutcome = { address, steps: [], tls: null, certificate: null, http: null, sstp: null };
  const record = (step: StepResult): void => {
    outcome.steps.push(step);
    emit(step);
  };
  const log = (message: string): void => wireLog('%s %s', address, message);
  let transport: Duplex | null = null;
  let socket: TLSSocket | null = null;
  let channel: SstpChannel | null = null;
  try {
    const tcp = await tcpStep(address, target.port, { timeoutMs: budget.stepTimeout(), signal: budget.signal });
    record(tcp.step);
    if (!tcp.socket) return outcome;
    transport = tcp.socket;

    const tls = await tlsStep(transport, { sni, timeoutMs: budget.stepTimeout(), signal: budget.signal, extraCaPems: budget.extraCaPems });
    record(tls.step);
    outcome.tls = tls.info;
    if (tls.chain.length > 0) outcome.certificate = safeDescribe(tls.chain);
    if (!tls.socket) return outcome;
    socket = tls.socket;

    const reader = new StreamReader(socket);
    const http = await httpStep(socket, reader, { host: target.host, timeoutMs: budget.stepTimeout(), signal: budget.signal, log });
    record(http.step);
    outcome.http = http.info;
    if (http.step.status !== 'pass') return outcome;

    channel = new SstpChannel(socket, reader, log);
    const sstp = await sstpStep(channel, { timeoutMs: budget.stepTimeout(), signal: budget.signal });
    record(sstp.step);
    outcome.sstp = sstp.info;
    if (sstp.info.result === 'ack' || sstp.info.result === 'nak') {
      sstp.info.teardown = await channel.disconnect(Math.min(DISCONNECT_WAIT_MS, budget.stepTimeout()));
    } else if (sstp.info.result === 'abort') {
      channel.answerAbort();
      sstp.info.teardown = 'closed';
    } else {
      sstp.info.teardown = 'closed';
    }
    return outcome;
  } finally {
    if (channel) channel.close();
    else if (socket) socket.destroy();
    if (transport && !channel) transport.destroy();
  }
}

function assembleSteps(dns: StepResult, main: PathOutcome | null): StepResult[] {
  const byName = new Map<StepName, StepResult>([[dns.name, dns]]);
  for (const step of main?.steps ?? []) byName.set(step.name, step);
  let failed = dns.status === 'fail';
  return STEP_NAMES.map((name) => {
    const found = byName.get(name);
    if (found) {
      if (found.status === 'fail') failed = true;
      return found;
    }
    if (name === 'proxy') return notApplicableStep('proxy', 'no proxy');
    if (name === 'ppp' || name === 'auth') return notApplicableStep(name, 'not requested');
    return skippedStep(name, failed ? 'an earlier step failed' : null);
  });
}

function summarizeAddress(address: AddressInfo, outcome: PathOutcome, own: ProbeReport): AddressResult {
  const failedStep = outcome.steps.find((step) => step.status === 'fail') ?? null;
  return {
    address: address.address,
    family: address.family,
    ok: own.ok,
    causes: own.findings.filter((f) => f.severity === 'error').map((f) => f.cause),
    sha256: outcome.certificate?.sha256 ?? null,
    failedStep: failedStep?.name ?? null,
    code: failedStep?.code ?? null,
  };
}

/** A certificate a hostile server sends may not parse; that is evidence, not a crash. */
function safeDescribe(chain: Buffer[]): CertificateInfo | null {
  try {
    return describeCertificate(chain);
  } catch (error) {
    probeLog('certificate could not be decoded: %s', (error as Error).message);
    return null;
  }
}

function validateTarget(target: Target): Target {
  return parseTarget(target.host.includes(':') ? `[${target.host}]` : target.host, target.port);
}

/** Maps with at most `limit` calls in flight; results keep input order. */
export async function mapBounded<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const runners = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!, index);
    }
  });
  await Promise.all(runners);
  return results;
}

import { isIpLiteral } from './cert/names.js';
import type { AddressInfo, AddressResult, ConnectionResult, ProbeReport, ProxyInfo, StepName, StepResult, Target } from './types.js';
import { STEP_NAMES } from './types.js';
import { bracketHost, parseTarget } from './target.js';
import { chooseProxy, type ProxyChoice } from './proxy/select.js';
import type { ProxyTunnelEvidence } from './proxy/connect.js';
import { VERSION } from './version.js';
import { probeLog } from './log.js';
import { cancelledFromOutside, followAbort, ProbeDeadlineReached, type StepBound } from './endings.js';
import { dnsStep, systemResolver, type Resolver } from './steps/dns.js';
import type { PppCredentials } from './engine/ppp-client.js';
import { notApplicableStep, skippedStep } from './steps/result.js';
import { prepareTrust, type PreparedTrust } from './trust.js';
import { mapBounded } from './map-bounded.js';

import { walkPath, type Budget, type PathOutcome, type PathSession, type Route } from './path.js';
import { walkConnections } from './connections.js';
import type { ConfiguredBindingHashes } from './steps/call-connected.js';
import { UsageError } from './errors.js';
import { normalizeThumbprint } from './diagnose/thumbprint.js';
import { validateClients, validateProbeOptions } from './probe-options.js';
import { diagnose, type DiagnoseContext } from './diagnose/index.js';
import { causeSpec } from './diagnose/causes.js';
import { judgeClients } from './clients/judge.js';
import { DEFAULT_CLIENTS, type ClientId } from './clients/profiles.js';

// The orchestrator: orders the steps. It picks the route (direct or through a proxy), resolves the name,
// walks the path once per address (lib/path.ts walks one connection), and builds the report. It owns the
// deadlines: a step is bounded by the step deadline or by what is left of the overall one, whichever is
// less, so the overall deadline and a step's own timer both end the step as `timeout`. The report always
// has the same shape.

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
  /** Also trust the platform's CA bundle (e.g. /etc/ssl/certs/ca-certificates.crt); the report says which file. */
  systemCa?: boolean;
  /**
   * Trust prepared once (prepareTrust) and shared by many probes, as probeMany does; when given,
   * trustedCaPems, systemCa and env.NODE_EXTRA_CA_CERTS are not read again. Default: prepared for this probe.
   */
  trust?: PreparedTrust;
  /**
   * Ask the certificate's CRL / OCSP locations, as a Windows client does (default true). Runs beside the
   * HTTP and SSTP steps, through the proxy when there is one; false reports revocation as not-checked.
   */
  revocation?: boolean;
  /**
   * HTTP CONNECT proxy: a URL (`http://[user:pass@]host:port` or `https://...`), or false for none. When
   * undefined, HTTPS_PROXY / https_proxy from `env` apply, with NO_PROXY / no_proxy honoured.
   */
  proxy?: string | false;
  /** Proxy credentials; they replace any in the proxy URL. */
  proxyUser?: string;
  proxyPassword?: string;
  /** Environment the proxy variables are read from (default: process.env). */
  env?: Record<string, string | undefined>;
  /** Called as each step of the main path finishes (for live progress). */
  onStep?: (step: StepResult) => void;
  /** After the Ack, read the server's PPP LCP offer (default true; one round trip). */
  ppp?: boolean;
  /** Conf-Nak the offered authentication method to learn every method the server allows (no credentials only). */
  enumerateAuth?: boolean;
  /** Log in once (MS-CHAPv2, CHAP-MD5 or PAP) and check the crypto binding. Never reported or logged. */
  credentials?: PppCredentials;
  /** Send the credentials even when the server certificate failed validation. */
  insecure?: boolean;
  /** How long to wait for an Abort after Call Connected, in ms (default 1 500). */
  bindingWaitMs?: number;
  /**
   * Connections per address, up to the SSTP Ack (default 1, at most 32): behind a load balancer each may reach
   * another server. PPP and credentials go over the first only. The report's `connections` holds them all.
   */
  connections?: number;
  /**
   * The SSTP clients the administrator has (lib/clients/profiles.ts ids; default windows-11, windows-10,
   * sstpc): `ok` follows the Windows ones among them; the others are still judged, their failures warnings.
   */
  clients?: string[];
}

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_STEP_TIMEOUT_MS = 10_000;

export async function probe(target: string | Target, options: ProbeOptions = {}): Promise<ProbeReport> {
  // Everything that can throw a UsageError runs before the deadline is armed: no timer outlives a bad call.
  validateProbeOptions(options);
  const clients = selectedClients(options);
  const resolvedTarget = typeof target === 'string' ? parseTarget(target, options.port) : validateTarget(target);
  if (resolvedTarget.scheme === 'http' && options.credentials && !options.expectSha256) {
    throw new UsageError(
      'a login over plain HTTP (http://) needs --expect-sha256: there is no TLS certificate to bind to, and the crypto binding must carry the hash of the certificate clients see on the balancer',
    );
  }
  // A malformed hash is refused here, before any connection is made.
  if (resolvedTarget.scheme === 'http') configuredHashes(options);
  const proxyChoice = chooseProxy({
    target: resolvedTarget,
    ...(typeof options.proxy === 'string' ? { flagProxy: options.proxy } : {}),
    noProxyFlag: options.proxy === false,
    env: options.env ?? process.env,
    ...(options.proxyUser !== undefined ? { proxyUser: options.proxyUser } : {}),
    ...(options.proxyPassword !== undefined ? { proxyPassword: options.proxyPassword } : {}),
  });
  const prepared = options.trust ?? prepareTrust(options);
  const now = options.now ?? (() => new Date());
  const startedAt = now();
  const started = performance.now();
  const clock = startDeadline(options, prepared, started);
  const emit = (step: StepResult): void => {
    probeLog('%s %s %s (%d ms) %s', resolvedTarget.host, step.name, step.status, step.durationMs, step.detail ?? '');
    options.onStep?.(step);
  };
  try {
    const { report, tunnel } = proxyChoice.proxy
      ? await probeThroughProxy(resolvedTarget, { kind: 'proxy', proxy: proxyChoice.proxy }, clock.budget, emit, options, now, startedAt, clients)
      : { report: await probeDirect(resolvedTarget, clock.budget, emit, options, now, startedAt, started, clients), tunnel: null };
    // A proxy set aside by NO_PROXY or --no-proxy is still named, with the reason.
    if (proxyChoice.proxy || proxyChoice.reason !== 'no proxy configured') report.proxy = proxyInfo(proxyChoice, tunnel);
    markCancelled(report, clock.budget.signal);
    return finalize(report, options, now, started);
  } finally {
    clock.stop();
  }
}

/** The budget of one probe and the overall deadline behind it; `stop` clears the timer on every path. */
function startDeadline(options: ProbeOptions, trust: PreparedTrust, started: number): { budget: Budget; stop: () => void } {
  const totalMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const stepMs = options.stepTimeoutMs ?? DEFAULT_STEP_TIMEOUT_MS;
  // Follows the caller's signal (cancel) and carries the probe's own deadline.
  const { controller, release } = followAbort(options.signal);
  const timer = setTimeout(() => controller.abort(new ProbeDeadlineReached(totalMs)), totalMs);
  const signal = controller.signal;
  const stepBound = (): StepBound => {
    const left = Math.ceil(totalMs - (performance.now() - started));
    return left < stepMs ? { timeoutMs: Math.max(1, left), bound: 'probe' } : { timeoutMs: stepMs, bound: 'step' };
  };
  const budget: Budget = { signal, trust, revocation: options.revocation !== false, certificateChecks: new Map(), stepBound };
  return {
    budget,
    stop: () => {
      clearTimeout(timer);
      release();
    },
  };
}

/** Through a proxy the client resolves and connects nothing itself: the proxy does both. */
async function probeThroughProxy(
  target: Target,
  route: Extract<Route, { kind: 'proxy' }>,
  budget: Budget,
  emit: (step: StepResult) => void,
  options: ProbeOptions,
  now: () => Date,
  startedAt: Date,
  clients: readonly ClientId[],
): Promise<{ report: ProbeReport; tunnel: ProxyTunnelEvidence | null }> {
  const dnsSkipped = notApplicableStep('dns', `${target.host} is resolved by the proxy`);
  emit(dnsSkipped);
  const sni = options.sni === undefined ? (isIpLiteral(target.host) ? null : target.host) : options.sni;
  const main = await walkPath(target, route, sni, budget, emit, pathSession(target, options, now, true));
  const report = buildReport(target, startedAt, dnsSkipped, [], main);
  report.connections = await moreConnections(target, [route], [main], sni, budget, options, now);
  report.clients = judgeClients({ evidence: report, handshakes: main.clientHandshakes ?? {}, selected: clients, viaProxy: true });
  return { report, tunnel: main.proxy };
}

/** DNS, then one walk per address (a few at a time); the first address is the main path. */
async function probeDirect(
  target: Target,
  budget: Budget,
  emit: (step: StepResult) => void,
  options: ProbeOptions,
  now: () => Date,
  startedAt: Date,
  started: number,
  clients: readonly ClientId[],
): Promise<ProbeReport> {
  const dns = await dnsStep(target.host, { resolver: options.resolver ?? systemResolver, ...budget.stepBound(), signal: budget.signal });
  emit(dns.step);
  const sni = options.sni === undefined ? (dns.step.code === 'literal' ? null : target.host) : options.sni;
  const walk = (address: AddressInfo, index: number): Promise<PathOutcome> =>
    walkPath(target, { kind: 'direct', address: address.address }, sni, budget, index === 0 ? emit : () => {}, pathSession(target, options, now, index === 0));
  let outcomes: PathOutcome[] = [];
  if (dns.addresses.length > 0) {
    outcomes = (options.allAddresses ?? true) && dns.addresses.length > 1
      ? await mapBounded(dns.addresses, options.addressConcurrency ?? 4, walk)
      : [await walk(dns.addresses[0]!, 0)];
  }
  const main = outcomes[0] ?? null;
  const report = buildReport(target, startedAt, dns.step, dns.addresses, main);
  report.sniComparison = main?.sniComparison ?? null;
  const routes = outcomes.map((_, index): Route => ({ kind: 'direct', address: dns.addresses[index]!.address }));
  report.connections = await moreConnections(target, routes, outcomes, sni, budget, options, now);
  report.clients = judgeClients({ evidence: report, handshakes: main?.clientHandshakes ?? {}, selected: clients, viaProxy: false });
  if (outcomes.length > 1) {
    // Each address is judged on its own evidence, so "IPv6 fails where IPv4 works" can be named.
    report.addresses = outcomes.map((outcome, index) => {
      const own = buildReport(target, startedAt, dns.step, [dns.addresses[index]!], outcome);
      own.connections = (report.connections ?? []).filter((c) => c.address === dns.addresses[index]!.address);
      finalize(own, options, now, started);
      return summarizeAddress(dns.addresses[index]!, outcome, own);
    });
  }
  return report;
}

/**
 * A cancellation from outside: the report says so, nothing after the step in flight ran, and the online
 * certificate checks it cut short say nothing about the CRL / OCSP servers.
 */
function markCancelled(report: ProbeReport, signal: AbortSignal): void {
  report.cancelled = report.steps.some((step) => step.code === 'cancelled') || cancelledFromOutside(signal);
  if (report.cancelled && report.revocation?.verdict === 'unreachable') {
    report.revocation = { ...report.revocation, verdict: 'not-checked', detail: 'the probe was cancelled before the CRL / OCSP servers answered' };
  }
}

function buildReport(target: Target, startedAt: Date, dns: StepResult, resolved: AddressInfo[], main: PathOutcome | null): ProbeReport {
  return {
    schemaVersion: 1,
    tool: { name: 'sstp-probe', version: VERSION },
    ok: false,
    cancelled: false,
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
    certificateChecks: main?.certificateChecks ?? null,
    http: main?.http ?? null,
    sstp: main?.sstp ?? null,
    ppp: main?.ppp ?? null,
    auth: main?.auth ?? null,
    revocation: main?.revocation ?? null,
    sniComparison: null,
    findings: [],
  };
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
  if (report.clients) report.clients = report.clients.map((client) => withServerCauses(client, report.findings));
  // A cancelled probe did not finish: it cannot say the server is fine.
  report.ok = report.cancelled !== true && !report.findings.some((finding) => finding.severity === 'error');
  report.durationMs = Math.round(performance.now() - started);
  return report;
}

/** With `connections` > 1: every connection to each address (the walks made plus the extra ones); else none. */
async function moreConnections(
  target: Target,
  routes: Route[],
  mainWalks: PathOutcome[],
  sni: string | null,
  budget: Budget,
  options: ProbeOptions,
  now: () => Date,
): Promise<ConnectionResult[]> {
  const count = options.connections ?? 1;
  if (count < 2 || mainWalks.length === 0) return [];
  return walkConnections({ target, routes, mainWalks, count, sni, budget, now });
}

/** The PPP options of one walk: credentials only on the main path. */
function pathSession(target: Target, options: ProbeOptions, now: () => Date, main: boolean): PathSession {
  // Plain HTTP: the crypto binding carries the hash of the balancer's certificate the administrator gave.
  const bindingHashes = target.scheme === 'http' ? configuredHashes(options) : undefined;
  return {
    ...(bindingHashes ? { bindingHashes } : {}),
    compareSni: main,
    clientHandshakes: main,
    ppp: options.ppp !== false,
    enumerateAuth: main && options.enumerateAuth === true,
    credentials: main ? (options.credentials ?? null) : null,
    insecure: options.insecure === true,
    ...(options.bindingWaitMs !== undefined ? { bindingWaitMs: options.bindingWaitMs } : {}),
    now,
  };
}

/** The hashes a plain-HTTP login binds to; a hash of the wrong length is a UsageError (it would bind nothing). */
function configuredHashes(options: ProbeOptions): ConfiguredBindingHashes | undefined {
  const read = (value: string | undefined, name: string, digits: number): string | undefined => {
    if (!value) return undefined;
    const hex = normalizeThumbprint(value);
    if (hex.length !== digits) throw new UsageError(`${name} takes ${digits} hex digits, not ${hex.length}`);
    return hex;
  };
  const sha1 = read(options.expectSha1, 'expectSha1', 40);
  const sha256 = read(options.expectSha256, 'expectSha256', 64);
  if (!sha1 && !sha256) return undefined;
  return { ...(sha1 ? { sha1 } : {}), ...(sha256 ? { sha256 } : {}) };
}

/** The clients the administrator has: the default three, or the ids given (checked before any I/O). */
function selectedClients(options: ProbeOptions): readonly ClientId[] {
  if (options.clients === undefined) return DEFAULT_CLIENTS;
  validateClients(options.clients);
  return options.clients as ClientId[];
}

/**
 * A client that fails because the server cannot be reached or its SSTP exchange fails, fails for the causes
 * the diagnosis named for that stage (its error findings of the matching categories).
 */
function withServerCauses(client: NonNullable<ProbeReport['clients']>[number], findings: ProbeReport['findings']): NonNullable<ProbeReport['clients']>[number] {
  const stages = new Set(client.reasons.filter((r) => !r.clientSpecific && r.cause === null).map((r) => r.kind));
  if (stages.size === 0) return client;
  const categories = new Set<string>([...(stages.has('server-unreachable') ? ['network', 'proxy', 'addresses'] : []), ...(stages.has('sstp-failed') ? ['http', 'sstp', 'ppp', 'auth', 'binding'] : [])]);
  const extra = findings.filter((f) => f.severity === 'error' && categories.has(causeSpec(f.cause).category)).map((f) => f.cause);
  return { ...client, causes: [...new Set([...client.causes, ...extra])] };
}

function proxyInfo(choice: ProxyChoice, evidence: ProxyTunnelEvidence | null): ProxyInfo {
  return {
    url: choice.proxy?.redactedUrl ?? evidence?.proxy ?? '',
    source: choice.source,
    reason: choice.reason,
    statusLine: evidence?.statusLine ?? null,
    status: evidence?.status ?? null,
    httpVersion: evidence?.httpVersion ?? null,
    authSchemes: evidence?.authSchemes ?? [],
    headers: evidence?.headers ?? {},
    attempts: evidence?.attempts ?? 0,
    authSent: evidence?.authSent ?? 'none',
    proxyConnected: evidence?.proxyConnected ?? false,
  };
}

/** The steps in their fixed order: what ran, then what was skipped and why. */
function assembleSteps(dns: StepResult, main: PathOutcome | null): StepResult[] {
  const byName = new Map<StepName, StepResult>([[dns.name, dns]]);
  for (const step of main?.steps ?? []) byName.set(step.name, step);
  let stopped: string | null = dns.status === 'fail' ? 'an earlier step failed' : dns.code === 'cancelled' ? 'the probe was cancelled' : null;
  return STEP_NAMES.map((name) => {
    const found = byName.get(name);
    if (found) {
      if (found.status === 'fail') stopped ??= 'an earlier step failed';
      if (found.code === 'cancelled') stopped ??= 'the probe was cancelled';
      return found;
    }
    if (name === 'proxy') return notApplicableStep('proxy', 'no proxy in use');
    if (stopped) return skippedStep(name, stopped);
    if (name === 'ppp') return notApplicableStep(name, 'not requested');
    if (name === 'auth') return notApplicableStep(name, 'no credentials given (--user)');
    return skippedStep(name, null);
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

function validateTarget(target: Target): Target {
  const parsed = parseTarget(bracketHost(target.host), target.port);
  return target.scheme === 'http' ? { ...parsed, scheme: 'http' } : parsed;
}

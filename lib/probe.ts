import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type {
  AddressInfo,
  AddressResult,
  AuthInfo,
  CertificateChecks,
  CertificateInfo,
  HttpInfo,
  PppInfo,
  ProbeReport,
  ProxyInfo,
  RevocationInfo,
  SniAttempt,
  SniComparison,
  SstpInfo,
  StepName,
  StepResult,
  Target,
  TlsInfo,
} from './types.js';
import { STEP_NAMES } from './types.js';
import { formatTarget, parseTarget } from './target.js';
import { chooseProxy, type ProxyChoice, type ProxyConfig } from './proxy/select.js';
import type { ProxyTunnelEvidence } from './proxy/connect.js';
import { VERSION } from './version.js';
import { probeLog, wireLog } from './log.js';
import { StreamReader } from './net/stream-reader.js';
import { dnsStep, systemResolver, type Resolver } from './steps/dns.js';
import { tcpStep } from './steps/tcp.js';
import { tlsStep } from './steps/tls.js';
import { httpStep } from './steps/http.js';
import { SstpChannel, sstpStep } from './steps/sstp.js';
import { pppAndAuthSteps, type SstpCallState } from './steps/ppp.js';
import type { PppCredentials } from './engine/ppp-client.js';
import { notApplicableStep, skippedStep } from './steps/result.js';
import { describeCertificateOrNull } from './cert/describe.js';
import { certificateFitsHost } from './cert/names.js';
import { checkServerCertificate, type ServerCertificateResult, type ServerCertificateSections } from './cert/server-check.js';
import { prepareTrust, type PreparedTrust } from './trust.js';
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
  /** What the proxy answered, when the path went through one. */
  proxy: ProxyTunnelEvidence | null;
  /** The handshake with the other SNI choice, when one was made. */
  sniComparison?: SniComparison | null;
  ppp?: PppInfo | null;
  auth?: AuthInfo | null;
  /** The certificate judgement (evidence for the diagnosis). */
  certificateChecks?: CertificateChecks | null;
  /**
   * Whether a client would accept the certificate for sending credentials: trusted chain, right name, within
   * its validity, usable EKU (revocation aside). Set after the TLS step, before PPP starts.
   */
  certificateAcceptable?: boolean;
  revocation?: RevocationInfo | null;
}

/** What the PPP part of one walk may do. Credentials go to the main path only: one attempt per probe. */
export interface PathSession {
  /** Retry the handshake with the other SNI choice when it fails or the certificate is wrong (main path only). */
  compareSni: boolean;
  ppp: boolean;
  enumerateAuth: boolean;
  credentials: PppCredentials | null;
  insecure: boolean;
  bindingWaitMs?: number;
  now: () => Date;
}

interface Budget {
  signal: AbortSignal;
  /** The anchors certificates are judged against, and the TLS client context holding the same CAs. */
  trust: PreparedTrust;
  revocation: boolean;
  /**
   * Certificate checks by (name, chain), so addresses presenting the same chain share one judgement and
   * one set of AIA / CRL / OCSP fetches instead of asking the same servers once per address.
   */
  certificateChecks: Map<string, ServerCertificateResult>;
  stepTimeout(): number;
}

export async function probe(target: string | Target, options: ProbeOptions = {}): Promise<ProbeReport> {
  const resolvedTarget = typeof target === 'string' ? parseTarget(target, options.port) : validateTarget(target);
  const now = options.now ?? (() => new Date());
  const startedAt = now();
  const started = performance.now();
  const totalMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const stepMs = options.stepTimeoutMs ?? DEFAULT_STEP_TIMEOUT_MS;

  const prepared = options.trust ?? prepareTrust(options);
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), totalMs);
  const signal = options.signal ? AbortSignal.any([options.signal, deadline.signal]) : deadline.signal;
  const budget: Budget = {
    signal,
    trust: prepared,
    revocation: options.revocation !== false,
    certificateChecks: new Map(),
    stepTimeout: () => Math.max(1, Math.min(stepMs, totalMs - (performance.now() - started))),
  };
  const emit = (step: StepResult): void => {
    probeLog('%s %s %s (%d ms) %s', resolvedTarget.host, step.name, step.status, step.durationMs, step.detail ?? '');
    options.onStep?.(step);
  };

  const proxyChoice = chooseProxy({
    target: resolvedTarget,
    ...(typeof options.proxy === 'string' ? { flagProxy: options.proxy } : {}),
    noProxyFlag: options.proxy === false,
    env: options.env ?? process.env,
    ...(options.proxyUser !== undefined ? { proxyUser: options.proxyUser } : {}),
    ...(options.proxyPassword !== undefined ? { proxyPassword: options.proxyPassword } : {}),
  });

  try {
    if (proxyChoice.proxy) {
      // Through a proxy the client resolves and connects nothing itself: the proxy does both.
      const proxied = proxyChoice.proxy;
      const dnsSkipped = notApplicableStep('dns', `${resolvedTarget.host} is resolved by the proxy`);
      emit(dnsSkipped);
      const sni = options.sni === undefined ? (isIP(resolvedTarget.host) ? null : resolvedTarget.host) : options.sni;
      const main = await walkPath(resolvedTarget, { kind: 'proxy', proxy: proxied }, sni, budget, emit, pathSession(options, now, true));
      const report = buildReport(resolvedTarget, startedAt, dnsSkipped, [], main);
      report.proxy = proxyInfo(proxyChoice, main.proxy);
      return finalize(report, options, now, started);
    }
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
        walkPath(resolvedTarget, { kind: 'direct', address: address.address }, sni, budget, index === 0 ? emit : () => {}, pathSession(options, now, index === 0));
      outcomes = (options.allAddresses ?? true) && dns.addresses.length > 1
        ? await mapBounded(dns.addresses, options.addressConcurrency ?? 4, walk)
        : [await walk(dns.addresses[0]!, 0)];
      main = outcomes[0]!;
    }

    const report = buildReport(resolvedTarget, startedAt, dns.step, dns.addresses, main);
    if (proxyChoice.reason !== 'no proxy configured') report.proxy = proxyInfo(proxyChoice, null);
    report.sniComparison = main?.sniComparison ?? null;
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

/**
 * When the handshake failed or the certificate does not fit the name, the same handshake with the other SNI
 * choice tells a host-name binding (`hostnameport`) from an address binding (`ipport`) in HTTP.SYS.
 */
async function compareSni(target: Target, main: PathOutcome, sni: string | null, budget: Budget): Promise<SniComparison | null> {
  const tcpPassed = main.proxy === null && main.steps.some((s) => s.name === 'tcp' && s.status === 'pass');
  const tlsFailed = main.steps.some((s) => s.name === 'tls' && s.status === 'fail');
  const certificateWrong = main.certificate !== null && (main.certificate.nameMatches === false || main.certificate.chainTrusted === false);
  if (!tcpPassed || !(tlsFailed || certificateWrong)) return null;
  const other = sni === null ? (isIP(target.host) ? null : target.host) : null;
  if (sni === null && other === null) return null;
  // Both handshakes are judged against the name the client dials, whatever SNI each one sent.
  const attempt = await handshakeOnly(main.address, target.port, other, sni ?? target.host, budget);
  const seen: SniAttempt = {
    ok: !tlsFailed && main.certificate?.nameMatches !== false,
    code: main.steps.find((s) => s.name === 'tls')?.code ?? null,
    sha1: main.certificate?.sha1 ?? null,
  };
  return sni === null ? { withSni: attempt, withoutSni: seen } : { withSni: seen, withoutSni: attempt };
}

async function handshakeOnly(address: string, port: number, sni: string | null, dialled: string, budget: Budget): Promise<SniAttempt> {
  const tcp = await tcpStep(address, port, { timeoutMs: budget.stepTimeout(), signal: budget.signal });
  if (!tcp.socket) return { ok: false, code: tcp.step.code, sha1: null };
  const tls = await tlsStep(tcp.socket, { sni, timeoutMs: budget.stepTimeout(), signal: budget.signal, secureContext: budget.trust.secureContext() });
  tls.socket?.destroy();
  tcp.socket.destroy();
  const certificate = tls.chain.length > 0 ? describeCertificateOrNull(tls.chain) : null;
  const nameFits = certificate ? certificateFitsHost(certificate, dialled) : null;
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
export type Route = { kind: 'direct'; address: string } | { kind: 'proxy'; proxy: ProxyConfig };

export async function walkPath(
  target: Target,
  route: Route,
  sni: string | null,
  budget: Budget,
  emit: (step: StepResult) => void,
  session: PathSession = { compareSni: false, ppp: false, enumerateAuth: false, credentials: null, insecure: false, now: () => new Date() },
): Promise<PathOutcome> {
  const address = route.kind === 'direct' ? route.address : `${route.proxy.host}:${route.proxy.port}`;
  const outcome: PathOutcome = { address, steps: [], tls: null, certificate: null, http: null, sstp: null, proxy: null };
  const record = (step: StepResult): void => {
    outcome.steps.push(step);
    emit(step);
  };
  const log = (message: string): void => wireLog('%s %s', address, message);
  let transport: Duplex | null = null;
  let socket: TLSSocket | null = null;
  let channel: SstpChannel | null = null;
  // Work running beside the path (revocation, the SNI comparison) that the report needs before it is built.
  const pending: Array<Promise<void>> = [];
  try {
    if (route.kind === 'proxy') {
      record(notApplicableStep('tcp', `the proxy ${route.proxy.redactedUrl} connects to ${formatTarget(target)}`));
      // undici is loaded only when a proxy is used.
      const { openTunnel } = await import('./proxy/connect.js');
      const tunnel = await openTunnel(route.proxy, target, { timeoutMs: budget.stepTimeout(), signal: budget.signal });
      record({ name: 'proxy', status: tunnel.status, durationMs: Math.round(tunnel.durationMs), code: tunnel.code, detail: tunnel.detail });
      outcome.proxy = tunnel.evidence;
      if (!tunnel.socket) return outcome;
      transport = tunnel.socket;
    } else {
      const tcp = await tcpStep(route.address, target.port, { timeoutMs: budget.stepTimeout(), signal: budget.signal });
      record(tcp.step);
      if (!tcp.socket) return outcome;
      transport = tcp.socket;
    }

    const tls = await tlsStep(transport, { sni, timeoutMs: budget.stepTimeout(), signal: budget.signal, secureContext: budget.trust.secureContext() });
    record(tls.step);
    outcome.tls = tls.info;
    if (tls.chain.length > 0) {
      // Judged now, so PPP can tell whether credentials may go; AIA and CRL / OCSP run beside the next steps.
      const host = sni ?? target.host;
      const key = [host, ...tls.chain.map((der) => der.toString('base64'))].join('\n');
      let checked = budget.certificateChecks.get(key);
      if (!checked) {
        checked = checkServerCertificate({
          chain: tls.chain,
          host,
          now: session.now(),
          trust: budget.trust.anchors,
          revocation: budget.revocation,
          timeoutMs: budget.stepTimeout(),
          signal: budget.signal,
          ...(route.kind === 'proxy' ? { dispatcher: async () => (await import('./proxy/connect.js')).proxyDispatcher(route.proxy, { authSent: outcome.proxy?.authSent ?? 'none' }) } : {}),
        });
        budget.certificateChecks.set(key, checked);
      }
      const apply = (found: ServerCertificateSections): void => {
        outcome.certificate = found.certificate;
        outcome.certificateChecks = found.checks;
        outcome.certificateAcceptable = found.acceptable;
      };
      apply(checked);
      const online = checked.online;
      if (online) {
        pending.push(online.then(
          (done) => {
            apply(done);
            outcome.revocation = done.revocation;
          },
          (error: unknown) => probeLog('online certificate checks failed: %s', (error as Error).message),
        ));
      }
    }
    // Beside the next steps, not after them: the SNI comparison costs the main path no round trip.
    const sniComparison = session.compareSni && route.kind === 'direct' ? compareSni(target, outcome, sni, budget) : null;
    if (sniComparison) {
      // Never left rejected while the path goes on: an unexpected error here only loses the comparison.
      pending.push(sniComparison.then(
        (found) => void (outcome.sniComparison = found),
        (error: unknown) => probeLog('SNI comparison failed: %s', (error as Error).message),
      ));
    }
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
    let call: SstpCallState = 'open';
    if (sstp.step.status === 'pass' && sstp.ack && !session.ppp) {
      record(notApplicableStep('ppp', 'turned off (--no-ppp)'));
    } else if (sstp.step.status === 'pass' && sstp.ack) {
      const inside = await pppAndAuthSteps(channel, {
        ack: sstp.ack,
        leafDer: tls.chain[0] ?? null,
        certificate: outcome.certificate,
        tls: outcome.tls,
        certificateAcceptable: outcome.certificateAcceptable ?? null,
        host: sni ?? target.host,
        now: session.now(),
        enumerateAuth: session.enumerateAuth,
        credentials: session.credentials,
        insecure: session.insecure,
        ...(session.bindingWaitMs !== undefined ? { bindingWaitMs: session.bindingWaitMs } : {}),
        stepTimeout: () => budget.stepTimeout(),
        signal: budget.signal,
        log,
      }, record);
      outcome.ppp = inside.ppp;
      outcome.auth = inside.auth;
      call = inside.sstp;
    }
    if (call === 'aborted') {
      // MS-SSTP §3.2.5.3: the receiver of an Abort answers with an Abort and closes.
      channel.answerAbort();
      sstp.info.teardown = 'closed';
    } else if (call === 'closed') {
      sstp.info.teardown = 'closed';
    } else if (sstp.info.result === 'ack' || sstp.info.result === 'nak') {
      sstp.info.teardown = await channel.disconnect(Math.min(DISCONNECT_WAIT_MS, budget.stepTimeout()), budget.signal);
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
    // The report is built from this outcome: what runs beside the path (each bounded by its deadline) must be in.
    await Promise.all(pending);
  }
}

/** The PPP options of one walk: credentials only on the main path. */
function pathSession(options: ProbeOptions, now: () => Date, main: boolean): PathSession {
  return {
    compareSni: main,
    ppp: options.ppp !== false,
    enumerateAuth: main && options.enumerateAuth === true,
    credentials: main ? (options.credentials ?? null) : null,
    insecure: options.insecure === true,
    ...(options.bindingWaitMs !== undefined ? { bindingWaitMs: options.bindingWaitMs } : {}),
    now,
  };
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
    if (name === 'proxy') return notApplicableStep('proxy', 'no proxy in use');
    if (failed) return skippedStep(name, 'an earlier step failed');
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

import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type {
  AuthInfo,
  CertificateChecks,
  ClientHandshake,
  CertificateInfo,
  HttpInfo,
  PppInfo,
  RevocationInfo,
  SniComparison,
  SstpInfo,
  StepResult,
  Target,
  TlsInfo,
} from './types.js';
import { formatTarget } from './target.js';
import type { ProxyConfig } from './proxy/select.js';
import type { ProxyTunnelEvidence } from './proxy/connect.js';
import { probeLog, wireLog } from './log.js';
import { ProbeDeadlineReached, type StepBound } from './endings.js';
import { StreamReader } from './net/stream-reader.js';
import { tcpStep } from './steps/tcp.js';
import { proxyStep } from './steps/proxy.js';
import { tlsStep, type TlsStepOutcome } from './steps/tls.js';
import { httpStep } from './steps/http.js';
import { SstpChannel, sstpStep, type SstpStepOutcome } from './steps/sstp.js';
import { pppAndAuthSteps } from './steps/ppp.js';
import type { ConfiguredBindingHashes, SstpCallState } from './steps/call-connected.js';
import { compareSni } from './steps/sni.js';
import type { PppCredentials } from './engine/ppp-client.js';
import { notApplicableStep } from './steps/result.js';
import { checkServerCertificate, type ServerCertificateResult, type ServerCertificateSections } from './cert-online/server-check.js';
import type { PreparedTrust } from './trust.js';
import { CLIENT_PROFILES, type ClientId } from './clients/profiles.js';
import { clientHandshake, mainHandshake, provenByMain } from './clients/handshake.js';

// One walk down the path a real SSTP client walks, against one address (or through one proxy): transport
// (TCP or the proxy's tunnel), TLS, HTTP, SSTP, PPP, each step bounded by the budget. Work that needs the
// handshake's evidence but not the socket (the certificate's online checks, the SNI comparison) starts
// beside the path and is awaited before the walk returns. The walk owns every socket it opens.

/** How long to wait for Disconnect-Ack: MS-SSTP §3.2.5.3 allows 5 s, a probe does not need to be that patient. */
const DISCONNECT_WAIT_MS = 2_000;

/** The deadlines, trust and shared work of one probe, handed to every walk it makes. */
export interface Budget {
  /** The caller's cancellation and the probe's overall deadline (lib/endings.ts tells them apart). */
  signal: AbortSignal;
  /** The anchors certificates are judged against, and the TLS client context holding the same CAs. */
  trust: PreparedTrust;
  revocation: boolean;
  /**
   * Certificate checks by (name, chain), so addresses presenting the same chain share one judgement and
   * one set of AIA / CRL / OCSP fetches instead of asking the same servers once per address.
   */
  certificateChecks: Map<string, ServerCertificateResult>;
  /** The bound for the next step: the step deadline, or what is left of the overall one if less. */
  stepBound(): StepBound;
}

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
  /** The TLS evidence per client profile (main path only): the main handshake, or one of the client's own. */
  clientHandshakes?: Partial<Record<ClientId, ClientHandshake>>;
}

/** What the PPP part of one walk may do. Credentials go to the main path only: one attempt per probe. */
export interface PathSession {
  /** Retry the handshake with the other SNI choice when it fails or the certificate is wrong (main path only). */
  compareSni: boolean;
  /** Make the client profiles' handshakes the main handshake does not already prove (main path only). */
  clientHandshakes: boolean;
  ppp: boolean;
  enumerateAuth: boolean;
  credentials: PppCredentials | null;
  insecure: boolean;
  bindingWaitMs?: number;
  /**
   * Over plain HTTP there is no certificate to bind to: the crypto binding uses these hashes (uppercase hex,
   * the balancer's certificate that real clients see), as an offloaded RRAS expects.
   */
  bindingHashes?: ConfiguredBindingHashes;
  now: () => Date;
}

export type Route = { kind: 'direct'; address: string } | { kind: 'proxy'; proxy: ProxyConfig };

/** A TLS handshake this slow means a round trip long enough to hide the certificate judgement in (~10-40 ms of CPU). */
const OVERLAP_FROM_MS = 20;

const QUIET_SESSION: PathSession = { compareSni: false, clientHandshakes: false, ppp: false, enumerateAuth: false, credentials: null, insecure: false, now: () => new Date() };

/** The sockets a walk holds, released in one place whatever happened. */
interface Held {
  transport: Duplex | null;
  socket: TLSSocket | null;
  channel: SstpChannel | null;
}

/** TCP (or proxy) -> TLS -> HTTP -> SSTP -> PPP against one address, then a polite exit. Never throws for remote failures. */
export async function walkPath(
  target: Target,
  route: Route,
  sni: string | null,
  budget: Budget,
  emit: (step: StepResult) => void,
  session: PathSession = QUIET_SESSION,
): Promise<PathOutcome> {
  const address = route.kind === 'direct' ? route.address : `${route.proxy.host}:${route.proxy.port}`;
  const outcome: PathOutcome = { address, steps: [], tls: null, certificate: null, http: null, sstp: null, proxy: null };
  const record = (step: StepResult): void => {
    outcome.steps.push(step);
    emit(step);
  };
  const held: Held = { transport: null, socket: null, channel: null };
  // Work running beside the path that the report needs before it is built.
  const beside: Array<Promise<void>> = [];
  try {
    const opening = openTransport(target, route, budget, record, outcome);
    // The TLS context (on a run's first probe, decoding every trusted root: its biggest CPU cost) is built
    // while the TCP handshake or the proxy's CONNECT is on the wire.
    if (target.scheme !== 'http') {
      try {
        budget.trust.secureContext();
      } catch {
        // The TLS step asks for it again and reports the same error.
      }
    }
    held.transport = await opening;
    if (!held.transport) return outcome;
    let tls: TlsStepOutcome | null = null;
    if (target.scheme === 'http') {
      // An offloaded RRAS: the balancer in front ends TLS, SSTP arrives as plain HTTP.
      record(notApplicableStep('tls', 'plain HTTP target (http://): the balancer in front of it ends TLS'));
    } else {
      tls = await tlsStep(held.transport, { sni, dialled: sni ?? target.host, ...budget.stepBound(), signal: budget.signal, secureContext: budget.trust.secureContext() });
      record(tls.step);
      outcome.tls = tls.info;
      held.socket = tls.socket;
    }
    // Over a path with a round trip worth filling, the request leaves before the certificate is judged and
    // the client handshakes start, so that CPU work runs while the server answers. On a fast path the
    // judgement goes first: there is nothing to overlap, and the HTTP step's time stays the server's, not
    // the judge's. Either way the judgement is in before PPP.
    const stream = held.socket ?? held.transport;
    const requestFirst = tls !== null && tls.socket !== null && tls.step.durationMs >= OVERLAP_FROM_MS;
    const sentFirst = requestFirst ? httpAndSstp(target, stream, budget, record, outcome) : null;
    // Also after a failed handshake: the certificate, if one came, is judged all the same.
    if (tls) beside.push(...startBesidePath(target, route, sni, budget, session, tls, outcome));
    if (tls && !tls.socket) return outcome;
    const call = await (sentFirst ?? httpAndSstp(target, stream, budget, record, outcome));
    if (!call) return outcome;
    held.channel = call.channel;
    await insideTheCall(call.channel, call.sstp, tls, sni ?? target.host, budget, session, record, outcome);
    return outcome;
  } finally {
    release(held);
    // The report is built from this outcome: what runs beside the path (each bounded by its deadline) must be in.
    await Promise.all(beside);
  }
}

/** The first hop: a TCP connection to the address, or a tunnel through the proxy. */
async function openTransport(target: Target, route: Route, budget: Budget, record: (step: StepResult) => void, outcome: PathOutcome): Promise<Duplex | null> {
  if (route.kind === 'proxy') {
    record(notApplicableStep('tcp', `the proxy ${route.proxy.redactedUrl} connects to ${formatTarget(target)}`));
    const hop = await proxyStep(route.proxy, target, { ...budget.stepBound(), signal: budget.signal });
    record(hop.step);
    outcome.proxy = hop.evidence;
    return hop.socket;
  }
  const tcp = await tcpStep(route.address, target.port, { ...budget.stepBound(), signal: budget.signal });
  record(tcp.step);
  return tcp.socket;
}

/**
 * The work that needs the handshake's evidence but not the socket: the certificate's judgement (now, so PPP
 * can tell whether credentials may go) with its AIA and CRL / OCSP fetches, the SNI comparison, and one
 * handshake per client profile whose TLS the main handshake does not prove. Each promise settles, never rejects.
 */
function startBesidePath(target: Target, route: Route, sni: string | null, budget: Budget, session: PathSession, tls: TlsStepOutcome, outcome: PathOutcome): Array<Promise<void>> {
  const work: Array<Promise<void>> = [];
  // Connections first, so their round trips overlap the judgement's CPU time.
  if (session.clientHandshakes && tls.step.status === 'pass') work.push(...clientWork(target, route, sni, budget, tls, outcome));
  if (tls.chain.length > 0) {
    const online = certificateWork(tls.chain, sni ?? target.host, route, budget, session, outcome);
    if (online) work.push(online);
  }
  // After the judgement: the comparison reads the certificate found here.
  if (session.compareSni && route.kind === 'direct') {
    const main = { address: outcome.address, direct: true, steps: outcome.steps, certificate: outcome.certificate };
    const signal = { signal: budget.signal };
    work.push(compareSni(target, main, sni, { bound: () => budget.stepBound(), ...signal, secureContext: () => budget.trust.secureContext() }).then(
      (found) => void (outcome.sniComparison = found),
      (error: unknown) => probeLog('SNI comparison failed: %s', (error as Error).message),
    ));
  }
  return work;
}

/**
 * The client profiles' TLS evidence: the main handshake for each client it proves, else a handshake of the
 * client's own, all at once and beside HTTP / SSTP so the probe grows by one handshake's time at most. Only
 * on a direct route: through a proxy each would be another CONNECT (and another proxy login), and the proxy
 * would see a probe where a client makes one connection, so those clients stay `unknown` instead.
 */
function clientWork(target: Target, route: Route, sni: string | null, budget: Budget, tls: TlsStepOutcome, outcome: PathOutcome): Array<Promise<void>> {
  const found: Partial<Record<ClientId, ClientHandshake>> = {};
  outcome.clientHandshakes = found;
  const work: Array<Promise<void>> = [];
  for (const id of Object.keys(CLIENT_PROFILES) as ClientId[]) {
    const profile = CLIENT_PROFILES[id];
    if (provenByMain(profile, tls.info.protocol, tls.info.cipher)) {
      found[id] = mainHandshake(tls.info);
    } else if (route.kind === 'direct') {
      const options = { address: route.address, port: target.port, sni, bound: () => budget.stepBound(), signal: budget.signal };
      work.push(clientHandshake(profile, options).then((evidence) => void (found[id] = evidence)));
    }
  }
  return work;
}

/** Judges the chain now (shared across addresses by chain), and returns the online checks still running, if any. */
function certificateWork(chain: Buffer[], host: string, route: Route, budget: Budget, session: PathSession, outcome: PathOutcome): Promise<void> | null {
  const key = [host, ...chain.map((der) => der.toString('base64'))].join('\n');
  let checked = budget.certificateChecks.get(key);
  const bound = budget.stepBound();
  if (!checked) {
    checked = checkServerCertificate({
      chain,
      host,
      now: session.now(),
      trust: budget.trust.anchors,
      revocation: budget.revocation,
      timeoutMs: bound.timeoutMs,
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
  if (!checked.online) return null;
  return checked.online.then(
    (done) => {
      apply(done);
      outcome.revocation = done.revocation && cutByDeadline(done.revocation, bound, budget.signal);
    },
    (error: unknown) => probeLog('online certificate checks failed: %s', (error as Error).message),
  );
}

/**
 * CRL / OCSP downloads that only timed out, while what bounded them was the probe's overall deadline (not
 * the step deadline), say nothing about those servers: the check was not finished, it did not fail.
 */
function cutByDeadline(revocation: RevocationInfo, bound: StepBound, signal: AbortSignal): RevocationInfo {
  const byProbe = bound.bound === 'probe' || signal.reason instanceof ProbeDeadlineReached;
  const onlyTimeouts = revocation.sources.every((s) => s.outcome === 'timeout' || s.outcome === 'good' || s.outcome === 'aborted');
  if (revocation.verdict !== 'unreachable' || !byProbe || !onlyTimeouts) return revocation;
  return { ...revocation, verdict: 'not-checked', detail: "the probe's overall deadline ran out before the CRL / OCSP servers answered" };
}

/** The HTTP exchange, then Call Connect Request: the SSTP channel and its step, or null when HTTP failed. */
async function httpAndSstp(
  target: Target,
  socket: Duplex,
  budget: Budget,
  record: (step: StepResult) => void,
  outcome: PathOutcome,
): Promise<{ channel: SstpChannel; sstp: SstpStepOutcome } | null> {
  const log = (message: string): void => wireLog('%s %s', outcome.address, message);
  const reader = new StreamReader(socket);
  const http = await httpStep(socket, reader, { host: target.host, ...budget.stepBound(), signal: budget.signal, log });
  record(http.step);
  outcome.http = http.info;
  if (http.step.status !== 'pass') return null;
  const channel = new SstpChannel(socket, reader, log);
  const sstp = await sstpStep(channel, { ...budget.stepBound(), signal: budget.signal });
  record(sstp.step);
  outcome.sstp = sstp.info;
  return { channel, sstp };
}

/** After the Ack: PPP (and the login, with credentials), then leave the call the way MS-SSTP wants. */
async function insideTheCall(
  channel: SstpChannel,
  sstp: SstpStepOutcome,
  tls: TlsStepOutcome | null,
  host: string,
  budget: Budget,
  session: PathSession,
  record: (step: StepResult) => void,
  outcome: PathOutcome,
): Promise<void> {
  const ack = sstp.step.status === 'pass' ? sstp.ack : null;
  let call: SstpCallState = 'open';
  if (ack && !session.ppp) {
    record(notApplicableStep('ppp', 'turned off (--no-ppp)'));
  } else if (ack) {
    const inside = await pppAndAuthSteps(channel, {
      ack,
      leafDer: tls?.chain[0] ?? null,
      ...(session.bindingHashes ? { bindingHashes: session.bindingHashes } : {}),
      certificate: outcome.certificate,
      certificateAcceptable: outcome.certificateAcceptable ?? null,
      host,
      now: session.now(),
      enumerateAuth: session.enumerateAuth,
      credentials: session.credentials,
      insecure: session.insecure,
      ...(session.bindingWaitMs !== undefined ? { bindingWaitMs: session.bindingWaitMs } : {}),
      stepTimeout: () => budget.stepBound().timeoutMs,
      signal: budget.signal,
      log: (message) => wireLog('%s %s', outcome.address, message),
    }, record);
    outcome.ppp = inside.ppp;
    outcome.auth = inside.auth;
    call = inside.sstp;
  }
  sstp.info.teardown = await leaveCall(channel, sstp.info, call, budget);
}

/** MS-SSTP §3.2.5.3: answer an Abort with an Abort; after an Ack or a NAK, Call Disconnect and wait for its Ack. */
async function leaveCall(channel: SstpChannel, info: SstpInfo, call: SstpCallState, budget: Budget): Promise<SstpInfo['teardown']> {
  if (call === 'aborted' || (call === 'open' && info.result === 'abort')) {
    channel.answerAbort();
    return 'closed';
  }
  if (call === 'open' && (info.result === 'ack' || info.result === 'nak')) {
    return channel.disconnect(Math.min(DISCONNECT_WAIT_MS, budget.stepBound().timeoutMs), budget.signal);
  }
  return 'closed';
}

/** Closes what the walk opened: the SSTP channel (which owns its TLS socket), else the sockets themselves. */
function release(held: Held): void {
  if (held.channel) held.channel.close();
  else held.socket?.destroy();
  if (held.transport && !held.channel) held.transport.destroy();
}

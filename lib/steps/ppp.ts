// The ppp and auth steps: PPP inside the SSTP call, from the Connect-Ack on (MS-SSTP §3.2.5
// and RFC 1661). The socket-free PppClient engine decides what to say; this module carries its frames in
// SSTP data packets, owns every wait, sends the crypto binding (Call Connected) when the engine has
// authenticated, and leaves with LCP Terminate-Request. The SSTP Call Disconnect that follows belongs to
// the probe, which also owns the socket.
//
// Without credentials this costs one round trip: our LCP Configure-Request out, the server's in, which
// names the authentication method it wants. With credentials it makes exactly one login attempt.
// SSTP Echo is never sent here: before Call Connected it is an invalid message.
//
// Secrets (password, HLAK, nonce, MAC) stay inside: results and log lines carry names and sizes only.
import { AUTH_PROTOCOL_NAMES, type AuthInfo, type CertificateInfo, type PppInfo, type StepResult } from '../types.js';
import { MESSAGE_TYPE, callDisconnectAck, dataPacket, echoResponse, type SstpPacket } from '../codec/sstp.js';
import { PPP_PROTOCOLS, chapCodeName, decodePppFrame, lcpCodeName, papCodeName, pppProtocolName } from '../codec/ppp.js';
import type { BindingHash } from '../auth/crypto-binding.js';
import { PppClient, type PppCredentials, type PppEvent } from '../engine/ppp-client.js';
import { ekuVerdictOf, validityState } from '../cert/verdicts.js';
import { describeStatuses, reportedStatuses } from './sstp.js';
import {
  DEFAULT_BINDING_WAIT_MS,
  awaitBindingVerdict,
  hashLabel,
  sendCallConnected,
  type BindingInput,
  type ConfiguredBindingHashes,
  type PppChannel,
  type SentBinding,
  type SstpCallState,
} from './call-connected.js';
import { cancelledFromOutside, readEnding } from '../endings.js';
import type { ReadFailure } from '../net/stream-reader.js';
import { finishStep, skippedStep } from './result.js';

export interface PppSessionOptions {
  /** Bound for one phase (LCP, then authentication), asked at the start of each so the probe's deadline counts. */
  stepTimeout: () => number;
  signal?: AbortSignal;
  /** Credential-less only: Conf-Nak the offered method to learn every method the server allows. */
  enumerateAuth?: boolean;
  /** Present only when the caller decided the credentials may be sent to this server. */
  credentials?: PppCredentials | null;
  /** What the crypto binding needs (see BindingInput). */
  binding?: BindingInput | null;
  /** How long to wait for an Abort after Call Connected (default 1 500 ms, never more than a step). */
  bindingWaitMs?: number;
  log?: (message: string) => void;
  randomBytes?: (size: number) => Buffer;
  /** Called with the ppp step as soon as it is decided (for live progress); the outcome carries it too. */
  onPppStep?: (step: StepResult) => void;
}

export interface PppSessionOutcome {
  ppp: StepResult;
  pppInfo: PppInfo;
  /** Null without credentials. */
  auth: StepResult | null;
  authInfo: AuthInfo | null;
  sstp: SstpCallState;
}

/** Why a phase ended early, in step-code terms. */
interface Interruption {
  code: 'timeout' | 'cancelled' | 'closed' | 'abort' | 'invalid';
  detail: string;
}

function methodLabel(name: string | null): string {
  if (name === null) return 'no authentication';
  return name in AUTH_PROTOCOL_NAMES ? AUTH_PROTOCOL_NAMES[name as keyof typeof AUTH_PROTOCOL_NAMES] : name;
}

export async function pppSession(channel: PppChannel, options: PppSessionOptions): Promise<PppSessionOutcome> {
  const session = openSession(channel, options);
  await negotiate(session);
  // The crypto binding has no acknowledgement (MS-SSTP §3.2.5.2): a server that refuses it aborts at
  // once, one that accepts simply goes on. So: no Abort within a short window means accepted.
  if (session.binding?.sent && session.call === 'open') await settleBinding(session);
  // Leave PPP politely (RFC 1661 §5.5); the SSTP Call Disconnect follows in the probe.
  const goodbye = session.engine.terminate();
  if (session.call === 'open') sendFrames(session, goodbye);
  return assembleOutcome(session);
}

export interface PppPathInput {
  /** From the sstp step: the Ack's hash bitmask and nonce. */
  ack: { hashBitmask: number; nonce: Buffer };
  /** The leaf certificate DER the TLS step saw (what the crypto binding hashes). */
  leafDer: Buffer | null;
  /** Plain HTTP only: the hashes the crypto binding carries instead of the leaf's (the balancer's certificate). */
  bindingHashes?: ConfiguredBindingHashes;
  /** As the certificate judge left it (chainTrusted and nameMatches decided). */
  certificate: CertificateInfo | null;
  /** The certificate judgement's verdict on sending credentials (trust, name, validity, EKU), if made. */
  certificateAcceptable?: boolean | null;
  /** The name a client dials (SNI, else the target host): what the certificate must fit. */
  host: string;
  now: Date;
  enumerateAuth?: boolean;
  credentials?: PppCredentials | null;
  /** Send credentials even when the certificate failed validation. */
  insecure?: boolean;
  bindingWaitMs?: number;
  stepTimeout: () => number;
  signal?: AbortSignal;
  log?: (message: string) => void;
}

/**
 * Both steps for one path, in the probe's order: the ppp step, then (with credentials) the auth step,
 * each handed to `record` as it finishes. Credentials go only to a server whose certificate a client
 * would accept, unless `insecure`; when withheld, PPP still runs credential-less to learn the offer.
 */
export async function pppAndAuthSteps(
  channel: PppChannel,
  input: PppPathInput,
  record: (step: StepResult) => void,
): Promise<{ ppp: PppInfo; auth: AuthInfo | null; sstp: SstpCallState }> {
  let credentials = input.credentials ?? null;
  let refusal: string | null = null;
  // Over plain HTTP nothing is judged: the administrator named the certificate clients bind to.
  if (credentials !== null && input.insecure !== true && input.bindingHashes === undefined) {
    refusal = credentialRefusal({ certificate: input.certificate, host: input.host, now: input.now, acceptable: input.certificateAcceptable ?? null });
    if (refusal !== null) credentials = null;
  }
  const session = await pppSession(channel, {
    stepTimeout: input.stepTimeout,
    ...(input.signal ? { signal: input.signal } : {}),
    enumerateAuth: input.enumerateAuth === true && input.credentials == null,
    credentials,
    onPppStep: record,
    binding: input.bindingHashes ? { ...input.ack, configured: input.bindingHashes } : input.leafDer ? { ...input.ack, leafDer: input.leafDer } : null,
    ...(input.bindingWaitMs !== undefined ? { bindingWaitMs: input.bindingWaitMs } : {}),
    ...(input.log ? { log: input.log } : {}),
  });
  if (refusal !== null) {
    const refused = refusedAuth(refusal);
    record(refused.step);
    return { ppp: session.pppInfo, auth: refused.info, sstp: session.sstp };
  }
  if (session.auth) record(session.auth);
  return { ppp: session.pppInfo, auth: session.authInfo, sstp: session.sstp };
}

/** The auth step when credentials are withheld because the certificate failed validation. */
export function refusedAuth(reason: string): { step: StepResult; info: AuthInfo } {
  const message = `credentials were not sent: ${reason}; --insecure sends them anyway`;
  return {
    step: { name: 'auth', status: 'fail', durationMs: 0, code: 'refused-untrusted-certificate', detail: message },
    info: { protocol: null, result: 'refused', errorCode: null, message, cryptoBinding: null },
  };
}

export interface CredentialSafetyInput {
  /** As the certificate judge left it (chainTrusted and nameMatches decided). */
  certificate: CertificateInfo | null;
  /** The name a client dials: the SNI when one is sent, else the target host (a name or an address). */
  host: string;
  now: Date;
  /** The certificate judgement's verdict on sending credentials, when one was made. */
  acceptable?: boolean | null;
}

/**
 * Why credentials must not go to this server, or null when its certificate is one a Windows client would
 * accept (trusted chain, right name, within its validity). Pure: a judged certificate's verdicts are used
 * when present, Node's verification code otherwise.
 */
export function credentialRefusal(input: CredentialSafetyInput): string | null {
  const cert = input.certificate;
  if (cert === null) return 'no server certificate could be read';
  const reasons: string[] = [];
  if (cert.chainTrusted !== true) reasons.push('the certificate chain is not trusted');
  if (cert.nameMatches !== true) reasons.push(`the certificate is not valid for ${input.host}`);
  const validity = validityState(new Date(cert.notBefore), new Date(cert.notAfter), input.now);
  if (validity === 'not-yet-valid') reasons.push(`the certificate is not valid before ${cert.notBefore}`);
  if (validity === 'expired') reasons.push(`the certificate expired on ${cert.notAfter}`);
  if (ekuVerdictOf(cert.hasEku ? cert.eku : null) === 'wrong-purpose') reasons.push('the certificate is not for server authentication (EKU)');
  if (reasons.length === 0 && input.acceptable === false) reasons.push('the certificate failed validation');
  return reasons.length > 0 ? reasons.join('; ') : null;
}


// ---- the pieces of the session ------------------------------------------------------------------

/** One PPP session: what it was given (read-only), then what it has learned so far. */
interface Session {
  readonly channel: PppChannel;
  readonly options: PppSessionOptions;
  readonly log: (message: string) => void;
  readonly credentials: PppCredentials | null;
  readonly enumerate: boolean;
  readonly engine: PppClient;
  readonly pppStarted: number;
  authStarted: number | null;
  /** Set early only with credentials, when LCP opens. */
  pppStep: StepResult | null;
  sawRequest: boolean;
  opened: boolean;
  openedBeforeTermination: boolean;
  naksSent: number;
  malformed: number;
  call: SstpCallState;
  interruption: Interruption | null;
  binding: SentBinding | null;
  bindingVerdict: 'accepted' | 'rejected' | null;
  bindingDetail: string | null;
  /** The current phase's bound and when it runs out. */
  timeoutMs: number;
  deadline: number;
}

function openSession(channel: PppChannel, options: PppSessionOptions): Session {
  const credentials = options.credentials ?? null;
  const enumerate = options.enumerateAuth === true && credentials === null;
  return {
    channel,
    options,
    log: options.log ?? noLog,
    credentials,
    enumerate,
    engine: buildEngine(credentials, enumerate, options.randomBytes),
    pppStarted: performance.now(),
    authStarted: null,
    pppStep: null,
    sawRequest: false,
    opened: false,
    openedBeforeTermination: false,
    naksSent: 0,
    malformed: 0,
    call: 'open',
    interruption: null,
    binding: null,
    bindingVerdict: null,
    bindingDetail: null,
    timeoutMs: 0,
    deadline: 0,
  };
}

function buildEngine(credentials: PppCredentials | null, enumerate: boolean, randomBytes: ((size: number) => Buffer) | undefined): PppClient {
  return new PppClient({
    enumerateAuth: enumerate,
    ...(credentials ? { credentials } : {}),
    ...(randomBytes ? { randomBytes } : {}),
  });
}

/** Each phase (LCP, then authentication) gets its own bound, asked now so the probe's deadline counts. */
function startPhase(session: Session): void {
  session.timeoutMs = session.options.stepTimeout();
  session.deadline = Date.now() + session.timeoutMs;
}

function sendFrames(session: Session, frames: Buffer[]): void {
  for (const frame of frames) session.channel.send(dataPacket(frame), `DATA ${describeFrame(frame)}`);
}

/** LCP, then authentication: every SSTP packet to the engine until it is done or the call ends under it. */
async function negotiate(session: Session): Promise<void> {
  const { engine, channel, options } = session;
  sendFrames(session, engine.start());
  startPhase(session);
  while (!engine.done) {
    const read = await channel.readPacket(Math.max(0, session.deadline - Date.now()), options.signal);
    const stopped = read.ok ? receivePacket(session, read.value) : readInterrupted(session, read);
    if (stopped) break;
  }
  if (!engine.done) noteEvents(session, engine.expire().events);
}

/** Records why negotiation stopped; a closed, reset or unreadable stream also ends the call. */
function readInterrupted(session: Session, read: { reason: ReadFailure; error: Error | null }): true {
  const phase = session.opened ? 'authentication' : 'LCP negotiation';
  session.interruption = readFailure(read, phase, session.timeoutMs, session.options.signal, session.authStarted ?? session.pppStarted);
  if (read.reason === 'closed' || read.reason === 'reset' || read.reason === 'invalid') session.call = 'closed';
  return true;
}

/** One SSTP packet during negotiation; true when the server ended the call with it. */
function receivePacket(session: Session, packet: SstpPacket): boolean {
  if (packet.kind === 'data') {
    receiveFrame(session, packet.payload);
    return false;
  }
  const control = controlDuringPpp(session.channel, packet);
  if (control === null) return false;
  session.interruption = control.interruption;
  session.call = control.state;
  return true;
}

function receiveFrame(session: Session, frame: Buffer): void {
  const step = session.engine.receive(frame);
  noteEvents(session, step.events);
  if (step.events.some((e) => e.type === 'authenticated')) {
    session.binding = sendCallConnected(session.channel, session.engine, session.options.binding ?? null);
  }
  sendFrames(session, step.send);
  if (session.credentials && session.opened && session.pppStep === null) startAuthentication(session);
}

/** With credentials the ppp step passes once LCP opens (RFC 1661 §3.4); authentication gets a fresh bound. */
function startAuthentication(session: Session): void {
  session.pppStep = finishStep('ppp', 'pass', 'configured', session.pppStarted, pppDetail(session.engine, false, 0));
  session.options.onPppStep?.(session.pppStep);
  session.authStarted = performance.now();
  startPhase(session);
}

function noteEvents(session: Session, events: PppEvent[]): void {
  for (const event of events) {
    if (event.type === 'malformed') session.malformed += 1;
    if (event.type === 'lcp-configure-request') session.sawRequest = true;
    if (event.type === 'auth-nak-sent') session.naksSent += 1;
    if (event.type === 'lcp-opened') session.opened = true;
    if (event.type === 'terminated' && session.opened) session.openedBeforeTermination = true;
    session.log(`ppp ${describeEvent(event)}`);
  }
}

async function settleBinding(session: Session): Promise<void> {
  const { options } = session;
  const windowMs = Math.max(1, Math.min(options.bindingWaitMs ?? DEFAULT_BINDING_WAIT_MS, options.stepTimeout()));
  const verdict = await awaitBindingVerdict(session.channel, session.engine, windowMs, options.signal, (frames) => sendFrames(session, frames));
  session.bindingVerdict = verdict.result;
  session.bindingDetail = verdict.detail;
  session.call = verdict.state;
  if (verdict.cancelled && cancelledFromOutside(options.signal)) {
    session.interruption = { code: 'cancelled', detail: 'cancelled from outside while waiting for the answer to Call Connected' };
  }
}

/** The Terminate-Request came because enumeration ran out of methods we Nak'd. */
function provoked(session: Session): boolean {
  return session.enumerate && session.naksSent > 0;
}

function assembleOutcome(session: Session): PppSessionOutcome {
  const result = session.engine.result();
  const pppInfo = reportedPppInfo(session, result.ppp);
  const ppp = decidePppStep(session);
  const sstp = session.call;
  if (session.credentials === null) return { ppp, pppInfo, auth: null, authInfo: null, sstp };
  if (!session.sawRequest || result.auth === null) {
    return { ppp, pppInfo, auth: skippedStep('auth', 'PPP negotiation did not start'), authInfo: null, sstp };
  }
  const authInfo = reportedAuthInfo(session, result.auth);
  const auth = authOutcome(authInfo, session.authStarted ?? session.pppStarted, session.interruption, session.bindingDetail, session.binding, session.timeoutMs);
  return { ppp, pppInfo, auth, authInfo, sstp };
}

function reportedPppInfo(session: Session, engineInfo: PppInfo): PppInfo {
  const info: PppInfo = { ...engineInfo };
  // A Terminate-Request the probe provoked or that followed a failed login is not an LCP failure:
  // report it where it belongs.
  if (info.terminated !== null && (provoked(session) || session.openedBeforeTermination)) info.terminated = null;
  return info;
}

/** Without credentials the ppp step is decided here; with them, here only if LCP never opened. */
function decidePppStep(session: Session): StepResult {
  if (session.pppStep !== null) return session.pppStep;
  const step = pppOutcome(session);
  session.options.onPppStep?.(step);
  return step;
}

function reportedAuthInfo(session: Session, engineAuth: AuthInfo): AuthInfo {
  const info: AuthInfo = { ...engineAuth, cryptoBinding: null };
  const { binding, interruption } = session;
  if (binding) {
    const result = !binding.sent ? 'not-sent' : (session.bindingVerdict ?? 'accepted');
    info.cryptoBinding = { hashProtocol: binding.hash, certHash: binding.certHash, result };
  }
  if (info.result === 'timeout' && interruption && interruption.code !== 'timeout') {
    // The engine only knows its deadline passed; the real cause was the SSTP call ending under it.
    info.result = 'error';
    info.message = interruption.detail;
  }
  return info;
}

function controlDuringPpp(channel: PppChannel, packet: Extract<SstpPacket, { kind: 'control' }>): { interruption: Interruption; state: SstpCallState } | null {
  switch (packet.messageType) {
    case MESSAGE_TYPE.CALL_ABORT:
      return { interruption: { code: 'abort', detail: `the server aborted the SSTP call (Call Abort${describeStatuses(reportedStatuses(packet))})` }, state: 'aborted' };
    case MESSAGE_TYPE.CALL_DISCONNECT:
      // MS-SSTP §3.2.5.3: the receiver of Call Disconnect acknowledges it.
      channel.send(callDisconnectAck(), 'CALL_DISCONNECT_ACK');
      return { interruption: { code: 'closed', detail: `the server ended the SSTP call (Call Disconnect${describeStatuses(reportedStatuses(packet))})` }, state: 'closed' };
    case MESSAGE_TYPE.ECHO_REQUEST:
      // Answering the server's keep-alive is allowed at any time; only sending one ourselves is not.
      channel.send(echoResponse(), 'ECHO_RESPONSE');
      return null;
    default:
      return null;
  }
}

function pppOutcome(session: Session): StepResult {
  const { engine, pppStarted: startedAt } = session;
  const result = engine.result();
  const terminated = result.ppp.terminated;
  if (!session.sawRequest) {
    if (terminated !== null) return finishStep('ppp', 'fail', 'terminated', startedAt, `the server ended LCP before asking for anything (${terminated})`);
    const i = session.interruption;
    if (i === null || (i.code === 'timeout' && session.malformed > 0)) {
      return finishStep('ppp', 'fail', 'invalid', startedAt, `the server sent ${session.malformed} PPP frame(s) that could not be decoded and no LCP Configure-Request`);
    }
    return finishStep('ppp', 'fail', i.code, startedAt, i.code === 'timeout' ? `no LCP Configure-Request from the server within ${Math.round(session.timeoutMs)} ms after Call Connect Ack` : i.detail);
  }
  if (terminated !== null && !provoked(session) && !session.opened) {
    return finishStep('ppp', 'fail', 'terminated', startedAt, `the server ended LCP: ${terminated}`);
  }
  if (result.stop === 'configure-failed') {
    return finishStep('ppp', 'fail', 'not-converged', startedAt, 'LCP options did not converge: the server kept refusing our Configure-Request');
  }
  if (session.credentials !== null && !session.opened && session.interruption !== null && result.stop !== 'auth-refused') {
    // With credentials LCP must open before authentication can start.
    const i = session.interruption;
    return finishStep('ppp', 'fail', i.code, startedAt, i.code === 'timeout' ? `LCP did not open within ${Math.round(session.timeoutMs)} ms` : i.detail);
  }
  return finishStep('ppp', 'pass', 'configured', startedAt, pppDetail(engine, provoked(session) || session.naksSent > 0, session.naksSent));
}

function pppDetail(engine: PppClient, enumerated: boolean, rounds: number): string {
  const { ppp, offers } = engine.result();
  const first = offers[0] ?? null;
  const mru = ppp.mru === null ? '' : `, MRU ${ppp.mru}`;
  if (enumerated) {
    const all = ppp.authProtocols.map((p) => methodLabel(p)).join(', ');
    return `the server asks for ${methodLabel(first)}${mru}; it allows ${all || 'nothing we know'} (${rounds} Nak round${rounds === 1 ? '' : 's'})`;
  }
  return `the server asks for ${methodLabel(first)}${mru}`;
}

function authOutcome(
  info: AuthInfo,
  startedAt: number,
  interruption: Interruption | null,
  bindingDetail: string | null,
  binding: { hash: BindingHash; sent: boolean } | null,
  timeoutMs: number,
): StepResult {
  const method = methodLabel(info.protocol);
  switch (info.result) {
    case 'success': {
      const cb = info.cryptoBinding;
      if (cb === null || !binding) return finishStep('auth', 'fail', 'binding-not-sent', startedAt, `${method} login accepted, but the Ack offered no usable crypto binding hash`);
      if (cb.result === 'rejected') return finishStep('auth', 'fail', 'binding-rejected', startedAt, `${method} login accepted, then the crypto binding was rejected: ${bindingDetail ?? 'Call Abort'}`);
      if (cb.result === 'not-sent') return finishStep('auth', 'fail', 'binding-not-sent', startedAt, `${method} login accepted, but Call Connected could not be built`);
      if (interruption?.code === 'cancelled') return finishStep('auth', 'skip', 'cancelled', startedAt, interruption.detail);
      return finishStep('auth', 'pass', 'accepted', startedAt, `${method} login accepted; ${hashLabel(cb.hashProtocol)} crypto binding accepted`);
    }
    case 'failure':
      return finishStep('auth', 'fail', 'failure', startedAt, `${method} login rejected${info.errorCode !== null ? ` (E=${info.errorCode})` : ''}${info.message ? `: ${info.message}` : ''}`);
    case 'refused':
      return finishStep('auth', 'fail', 'refused', startedAt, info.message ?? 'the server refused every method we can use');
    case 'timeout':
      return finishStep('auth', 'fail', 'timeout', startedAt, `${info.message ?? 'no answer'} within ${Math.round(timeoutMs)} ms`);
    default:
      return finishStep('auth', 'fail', interruption && interruption.code !== 'timeout' ? interruption.code : 'error', startedAt, info.message ?? 'authentication failed');
  }
}

function readFailure(read: { reason: ReadFailure; error: Error | null }, phase: string, timeoutMs: number, signal: AbortSignal | undefined, startedAt: number): Interruption {
  const ended = readEnding(read, { timeoutMs, signal, startedAt, awaited: `no answer during ${phase}`, instead: `during ${phase}`, notUnit: `SSTP (during ${phase})` });
  // The wait here is the step's own or what is left of the overall deadline; which one is not known here.
  if (ended.kind === 'timeout') return { code: 'timeout', detail: `no answer during ${phase} within ${Math.round(timeoutMs)} ms` };
  return { code: ended.kind === 'reset' ? 'closed' : ended.kind, detail: ended.detail };
}

/** `LCP Configure-Request`, `CHAP Response`...: protocol and code only, never the content. */
function describeFrame(frame: Buffer): string {
  try {
    const { protocol, information } = decodePppFrame(frame);
    const code = information[0] ?? -1;
    const name =
      protocol === PPP_PROTOCOLS.PAP ? papCodeName(code) : protocol === PPP_PROTOCOLS.CHAP ? chapCodeName(code) : lcpCodeName(code);
    return `${pppProtocolName(protocol)} ${name}`;
  } catch {
    return `PPP (${frame.length} bytes)`;
  }
}

function describeEvent(event: PppEvent): string {
  switch (event.type) {
    case 'lcp-configure-request':
      return `server Configure-Request: ${event.options.map((o) => `${o.name}=${o.value}`).join(', ')}`;
    case 'auth-offered':
      return `server offers ${methodLabel(event.method)}`;
    case 'auth-nak-sent':
      return `Nak proposing ${methodLabel(event.proposed)}`;
    case 'lcp-rejected-options':
      return `rejected options ${event.options.map((o) => o.name).join(', ')}`;
    case 'lcp-opened':
      return `LCP opened (${methodLabel(event.method)})`;
    case 'auth-response-sent':
      return `${methodLabel(event.method)} response sent`;
    case 'authenticated':
      return `authenticated (${methodLabel(event.method)})`;
    case 'auth-failed':
      return `authentication failed${event.errorCode !== null ? ` E=${event.errorCode}` : ''}`;
    case 'terminated':
      return `server Terminate-Request${event.reason ? `: ${event.reason}` : ''}`;
    case 'ncp':
      return `${event.protocol} ${event.code}`;
    case 'ignored':
      return `${event.protocol} ignored: ${event.detail}`;
    case 'malformed':
      return `malformed frame: ${event.detail}`;
  }
}

function noLog(): void {}

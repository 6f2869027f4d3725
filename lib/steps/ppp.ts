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
import { AUTH_PROTOCOL_NAMES, type AuthInfo, type CertificateInfo, type PppInfo, type SstpStatusInfo, type StepResult, type TlsInfo } from '../types.js';
import {
  MESSAGE_TYPE,
  attributeName,
  callDisconnectAck,
  dataPacket,
  echoResponse,
  statusInfos,
  statusName,
  type SstpPacket,
} from '../codec/sstp.js';
import { PPP_PROTOCOLS, chapCodeName, decodePppFrame, lcpCodeName, papCodeName, pppProtocolName } from '../codec/ppp.js';
import { HASH_PROTOCOL_IDS, buildCallConnected, certificateHash, chooseBindingHash, type BindingHash } from '../auth/crypto-binding.js';
import { PppClient, type PppCredentials, type PppEvent } from '../engine/ppp-client.js';
import { certificateFitsHost } from '../cert/names.js';
import { ekuVerdictOf, validityState } from '../cert/verdicts.js';
import type { SstpChannel } from './sstp.js';
import { cancelledFromOutside, interruptionOf } from '../endings.js';
import { finishStep, skippedStep } from './result.js';

/** What the session needs from the SSTP channel (SstpChannel in the probe). */
export type PppChannel = Pick<SstpChannel, 'send' | 'readPacket'>;

export interface PppSessionOptions {
  /** Bound for one phase (LCP, then authentication), asked at the start of each so the probe's deadline counts. */
  stepTimeout: () => number;
  signal?: AbortSignal;
  /** Credential-less only: Conf-Nak the offered method to learn every method the server allows. */
  enumerateAuth?: boolean;
  /** Present only when the caller decided the credentials may be sent to this server. */
  credentials?: PppCredentials | null;
  /**
   * What the crypto binding needs: the Ack's hash bitmask and nonce, and the leaf certificate DER seen in TLS,
   * or (plain HTTP to an offloaded RRAS) the certificate hashes the administrator gave.
   */
  binding?: ({ hashBitmask: number; nonce: Buffer } & ({ leafDer: Buffer } | { configured: ConfiguredBindingHashes })) | null;
  /** How long to wait for an Abort after Call Connected (default 1 500 ms, never more than a step). */
  bindingWaitMs?: number;
  log?: (message: string) => void;
  randomBytes?: (size: number) => Buffer;
  /** Called with the ppp step as soon as it is decided (for live progress); the outcome carries it too. */
  onPppStep?: (step: StepResult) => void;
}

/** Where the SSTP call stands after PPP: still open (leave with Call Disconnect), aborted by the server, or gone. */
export type SstpCallState = 'open' | 'aborted' | 'closed';

export interface PppSessionOutcome {
  ppp: StepResult;
  pppInfo: PppInfo;
  /** Null without credentials. */
  auth: StepResult | null;
  authInfo: AuthInfo | null;
  sstp: SstpCallState;
}

export const DEFAULT_BINDING_WAIT_MS = 1_500;

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
  const log = options.log ?? noLog;
  const credentials = options.credentials ?? null;
  const enumerate = options.enumerateAuth === true && credentials === null;
  const engine = new PppClient({
    enumerateAuth: enumerate,
    ...(credentials ? { credentials } : {}),
    ...(options.randomBytes ? { randomBytes: options.randomBytes } : {}),
  });
  const sendFrames = (frames: Buffer[]): void => {
    for (const frame of frames) channel.send(dataPacket(frame), `DATA ${describeFrame(frame)}`);
  };

  const pppStarted = performance.now();
  let authStarted: number | null = null;
  let pppStep: StepResult | null = null;
  let sawRequest = false;
  let opened = false;
  let openedBeforeTermination = false;
  let naksSent = 0;
  let malformed = 0;
  let state: SstpCallState = 'open';
  let interruption: Interruption | null = null;
  let binding: { hash: BindingHash; certHash: string; sent: boolean } | null = null;
  let bindingVerdict: 'accepted' | 'rejected' | null = null;
  let bindingDetail: string | null = null;

  const onEvents = (events: PppEvent[]): void => {
    for (const event of events) {
      if (event.type === 'malformed') malformed += 1;
      if (event.type === 'lcp-configure-request') sawRequest = true;
      if (event.type === 'auth-nak-sent') naksSent += 1;
      if (event.type === 'lcp-opened') opened = true;
      if (event.type === 'terminated' && opened) openedBeforeTermination = true;
      log(`ppp ${describeEvent(event)}`);
    }
  };

  sendFrames(engine.start());
  let timeoutMs = options.stepTimeout();
  let deadline = Date.now() + timeoutMs;
  while (!engine.done) {
    const read = await channel.readPacket(Math.max(0, deadline - Date.now()), options.signal);
    if (!read.ok) {
      interruption = readFailure(read.reason, read.error, opened ? 'authentication' : 'LCP negotiation', timeoutMs, options.signal, authStarted ?? pppStarted);
      if (read.reason === 'closed' || read.reason === 'reset' || read.reason === 'invalid') state = 'closed';
      break;
    }
    const packet = read.value;
    if (packet.kind === 'control') {
      const control = controlDuringPpp(channel, packet);
      if (control === null) continue;
      interruption = control.interruption;
      state = control.state;
      break;
    }
    const step = engine.receive(packet.payload);
    onEvents(step.events);
    if (step.events.some((e) => e.type === 'authenticated')) binding = sendCallConnected(channel, engine, options.binding ?? null);
    sendFrames(step.send);
    if (credentials && opened && pppStep === null) {
      pppStep = finishStep('ppp', 'pass', 'configured', pppStarted, pppDetail(engine, false, 0));
      options.onPppStep?.(pppStep);
      authStarted = performance.now();
      timeoutMs = options.stepTimeout();
      deadline = Date.now() + timeoutMs;
    }
  }
  if (!engine.done) onEvents(engine.expire().events);
  // Without credentials the ppp step ends here; with them, only if LCP never opened.
  const decidedEarly = pppStep !== null;

  // The crypto binding has no acknowledgement (MS-SSTP §3.2.5.2): a server that refuses it aborts at
  // once, one that accepts simply goes on. So: no Abort within a short window means accepted.
  if (binding?.sent && state === 'open') {
    const windowMs = Math.max(1, Math.min(options.bindingWaitMs ?? DEFAULT_BINDING_WAIT_MS, options.stepTimeout()));
    const verdict = await awaitBindingVerdict(channel, engine, windowMs, options.signal, sendFrames);
    bindingVerdict = verdict.result;
    bindingDetail = verdict.detail;
    state = verdict.state;
    if (verdict.cancelled && cancelledFromOutside(options.signal)) interruption = { code: 'cancelled', detail: 'cancelled from outside while waiting for the answer to Call Connected' };
  }

  // Leave PPP politely (RFC 1661 §5.5); the SSTP Call Disconnect follows in the probe.
  const goodbye = engine.terminate();
  if (state === 'open') sendFrames(goodbye);

  const result = engine.result();
  const pppInfo: PppInfo = { ...result.ppp };
  // A Terminate-Request the probe provoked (enumeration ran out of methods) or that followed a failed login
  // is not an LCP failure: report it where it belongs.
  const provoked = enumerate && naksSent > 0;
  if (pppInfo.terminated !== null && (provoked || openedBeforeTermination)) pppInfo.terminated = null;

  if (pppStep === null) pppStep = pppOutcome(engine, pppStarted, { sawRequest, provoked, credentials: credentials !== null, opened, interruption, malformed, naksSent, timeoutMs });
  if (!decidedEarly) options.onPppStep?.(pppStep);

  if (credentials === null) return { ppp: pppStep, pppInfo, auth: null, authInfo: null, sstp: state };
  if (!sawRequest || result.auth === null) {
    return { ppp: pppStep, pppInfo, auth: skippedStep('auth', 'PPP negotiation did not start'), authInfo: null, sstp: state };
  }
  const authInfo: AuthInfo = { ...result.auth, cryptoBinding: null };
  if (binding) {
    authInfo.cryptoBinding = {
      hashProtocol: binding.hash,
      certHash: binding.certHash,
      result: !binding.sent ? 'not-sent' : (bindingVerdict ?? 'accepted'),
    };
  }
  if (authInfo.result === 'timeout' && interruption && interruption.code !== 'timeout') {
    // The engine only knows its deadline passed; the real cause was the SSTP call ending under it.
    authInfo.result = 'error';
    authInfo.message = interruption.detail;
  }
  const auth = authOutcome(authInfo, authStarted ?? pppStarted, interruption, bindingDetail, binding, timeoutMs);
  return { ppp: pppStep, pppInfo, auth, authInfo, sstp: state };
}

/** Certificate hashes to bind to when there is no TLS to read one from (uppercase hex). */
export interface ConfiguredBindingHashes {
  sha1?: string;
  sha256?: string;
}

export interface PppPathInput {
  /** From the sstp step: the Ack's hash bitmask and nonce. */
  ack: { hashBitmask: number; nonce: Buffer };
  /** The leaf certificate DER the TLS step saw (what the crypto binding hashes). */
  leafDer: Buffer | null;
  /** Plain HTTP only: the hashes the crypto binding carries instead of the leaf's (the balancer's certificate). */
  bindingHashes?: ConfiguredBindingHashes;
  certificate: CertificateInfo | null;
  tls: TlsInfo | null;
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
    refusal = credentialRefusal({ certificate: input.certificate, tls: input.tls, host: input.host, now: input.now, acceptable: input.certificateAcceptable ?? null });
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

// Node's verdict codes that do not mean "untrusted chain": names and dates are checked on their own.
const NOT_CHAIN_CODES: ReadonlySet<string> = new Set(['ERR_TLS_CERT_ALTNAME_INVALID', 'HOSTNAME_MISMATCH', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);

export interface CredentialSafetyInput {
  certificate: CertificateInfo | null;
  tls: TlsInfo | null;
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
  const code = input.tls?.authorizationError ?? null;
  const reasons: string[] = [];
  const trusted = cert.chainTrusted ?? (code === null || NOT_CHAIN_CODES.has(code));
  if (!trusted) reasons.push(`the certificate chain is not trusted${code ? ` (${code})` : ''}`);
  const nameFits = cert.nameMatches ?? certificateFitsHost(cert, input.host);
  if (!nameFits) reasons.push(`the certificate is not valid for ${input.host}`);
  const validity = validityState(new Date(cert.notBefore), new Date(cert.notAfter), input.now);
  if (validity === 'not-yet-valid') reasons.push(`the certificate is not valid before ${cert.notBefore}`);
  if (validity === 'expired') reasons.push(`the certificate expired on ${cert.notAfter}`);
  if (ekuVerdictOf(cert.hasEku ? cert.eku : null) === 'wrong-purpose') reasons.push('the certificate is not for server authentication (EKU)');
  if (reasons.length === 0 && input.acceptable === false) reasons.push('the certificate failed validation');
  return reasons.length > 0 ? reasons.join('; ') : null;
}


// ---- the pieces of the session ------------------------------------------------------------------

function controlDuringPpp(channel: PppChannel, packet: Extract<SstpPacket, { kind: 'control' }>): { interruption: Interruption; state: SstpCallState } | null {
  switch (packet.messageType) {
    case MESSAGE_TYPE.CALL_ABORT:
      return { interruption: { code: 'abort', detail: `the server aborted the SSTP call (Call Abort${describeStatuses(packet)})` }, state: 'aborted' };
    case MESSAGE_TYPE.CALL_DISCONNECT:
      // MS-SSTP §3.2.5.3: the receiver of Call Disconnect acknowledges it.
      channel.send(callDisconnectAck(), 'CALL_DISCONNECT_ACK');
      return { interruption: { code: 'closed', detail: `the server ended the SSTP call (Call Disconnect${describeStatuses(packet)})` }, state: 'closed' };
    case MESSAGE_TYPE.ECHO_REQUEST:
      // Answering the server's keep-alive is allowed at any time; only sending one ourselves is not.
      channel.send(echoResponse(), 'ECHO_RESPONSE');
      return null;
    default:
      return null;
  }
}

function sendCallConnected(channel: PppChannel, engine: PppClient, input: PppSessionOptions['binding']): { hash: BindingHash; certHash: string; sent: boolean } | null {
  if (!input) return null;
  const configured = 'configured' in input ? input.configured : null;
  // With configured hashes, only a hash both the Ack offers and the administrator gave can be bound.
  const offered = configured ? input.hashBitmask & ((configured.sha1 ? HASH_PROTOCOL_IDS.sha1 : 0) | (configured.sha256 ? HASH_PROTOCOL_IDS.sha256 : 0)) : input.hashBitmask;
  const hash = chooseBindingHash(offered);
  if (hash === null) return null;
  const certHash = 'leafDer' in input ? certificateHash(input.leafDer, hash).toString('hex').toUpperCase() : input.configured[hash]!.toUpperCase();
  const hlak = engine.hlak();
  if (hlak === null) return { hash, certHash, sent: false };
  try {
    // MS-SSTP §3.2.5.2: sent as soon as PPP authentication succeeded, keyed with the HLAK.
    const message = buildCallConnected({ hashProtocol: hash, nonce: input.nonce, hlak, certHash: Buffer.from(certHash, 'hex') });
    channel.send(message, `CALL_CONNECTED (${hashLabel(hash)} binding)`);
    return { hash, certHash, sent: true };
  } finally {
    hlak.fill(0);
  }
}

async function awaitBindingVerdict(
  channel: PppChannel,
  engine: PppClient,
  windowMs: number,
  signal: AbortSignal | undefined,
  sendFrames: (frames: Buffer[]) => void,
): Promise<{ result: 'accepted' | 'rejected'; detail: string | null; state: SstpCallState; cancelled: boolean }> {
  const deadline = Date.now() + windowMs;
  for (;;) {
    const read = await channel.readPacket(Math.max(0, deadline - Date.now()), signal);
    if (!read.ok) {
      if (read.reason === 'timeout') return { result: 'accepted', detail: null, state: 'open', cancelled: false };
      if (read.reason === 'aborted') return { result: 'accepted', detail: null, state: 'open', cancelled: true };
      return { result: 'rejected', detail: 'the server closed the connection right after Call Connected', state: 'closed', cancelled: false };
    }
    const packet = read.value;
    if (packet.kind === 'data') {
      // The network phase (IPCP) goes on; the engine answers only what LCP requires (Echo).
      sendFrames(engine.receive(packet.payload).send);
      continue;
    }
    if (packet.messageType === MESSAGE_TYPE.CALL_ABORT) {
      return { result: 'rejected', detail: `the server answered Call Connected with Call Abort${describeStatuses(packet)}`, state: 'aborted', cancelled: false };
    }
    if (packet.messageType === MESSAGE_TYPE.CALL_DISCONNECT) {
      channel.send(callDisconnectAck(), 'CALL_DISCONNECT_ACK');
      return { result: 'rejected', detail: `the server answered Call Connected with Call Disconnect${describeStatuses(packet)}`, state: 'closed', cancelled: false };
    }
    if (packet.messageType === MESSAGE_TYPE.ECHO_REQUEST) channel.send(echoResponse(), 'ECHO_RESPONSE');
  }
}

interface PppFacts {
  sawRequest: boolean;
  provoked: boolean;
  credentials: boolean;
  opened: boolean;
  interruption: Interruption | null;
  malformed: number;
  naksSent: number;
  timeoutMs: number;
}

function pppOutcome(engine: PppClient, startedAt: number, facts: PppFacts): StepResult {
  const result = engine.result();
  const terminated = result.ppp.terminated;
  if (!facts.sawRequest) {
    if (terminated !== null) return finishStep('ppp', 'fail', 'terminated', startedAt, `the server ended LCP before asking for anything (${terminated})`);
    const i = facts.interruption;
    if (i === null || (i.code === 'timeout' && facts.malformed > 0)) {
      return finishStep('ppp', 'fail', 'invalid', startedAt, `the server sent ${facts.malformed} PPP frame(s) that could not be decoded and no LCP Configure-Request`);
    }
    return finishStep('ppp', 'fail', i.code, startedAt, i.code === 'timeout' ? `no LCP Configure-Request from the server within ${facts.timeoutMs} ms after Call Connect Ack` : i.detail);
  }
  if (terminated !== null && !facts.provoked && !facts.opened) {
    return finishStep('ppp', 'fail', 'terminated', startedAt, `the server ended LCP: ${terminated}`);
  }
  if (result.stop === 'configure-failed') {
    return finishStep('ppp', 'fail', 'not-converged', startedAt, 'LCP options did not converge: the server kept refusing our Configure-Request');
  }
  if (facts.credentials && !facts.opened && facts.interruption !== null && result.stop !== 'auth-refused') {
    // With credentials LCP must open before authentication can start.
    const i = facts.interruption;
    return finishStep('ppp', 'fail', i.code, startedAt, i.code === 'timeout' ? `LCP did not open within ${facts.timeoutMs} ms` : i.detail);
  }
  return finishStep('ppp', 'pass', 'configured', startedAt, pppDetail(engine, facts.provoked || facts.naksSent > 0, facts.naksSent));
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
      return finishStep('auth', 'fail', 'timeout', startedAt, `${info.message ?? 'no answer'} within ${timeoutMs} ms`);
    default:
      return finishStep('auth', 'fail', interruption && interruption.code !== 'timeout' ? interruption.code : 'error', startedAt, info.message ?? 'authentication failed');
  }
}

function hashLabel(hash: BindingHash): string {
  return hash === 'sha256' ? 'SHA-256' : 'SHA-1';
}

function readFailure(reason: string, error: Error | null, phase: string, timeoutMs: number, signal: AbortSignal | undefined, startedAt: number): Interruption {
  switch (reason) {
    case 'timeout':
      return { code: 'timeout', detail: `no answer during ${phase} within ${Math.round(timeoutMs)} ms` };
    case 'aborted':
      return interruptionOf(signal, startedAt, `no answer during ${phase}`);
    case 'invalid':
      return { code: 'invalid', detail: `the server sent bytes that are not SSTP during ${phase}: ${error?.message ?? 'undecodable'}` };
    default:
      return { code: 'closed', detail: `the server ${reason === 'reset' ? 'reset' : 'closed'} the connection during ${phase}` };
  }
}

function describeStatuses(packet: SstpPacket): string {
  const statuses: SstpStatusInfo[] = statusInfos(packet).map((s) => ({
    attribId: s.attribId,
    attribName: attributeName(s.attribId),
    status: s.status,
    statusName: statusName(s.status),
  }));
  return statuses.length === 0 ? '' : `: ${statuses.map((s) => `${s.statusName} (attribute ${s.attribName})`).join('; ')}`;
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

// The client side of PPP as the probe plays it over SSTP: LCP negotiation (RFC 1661), learning which
// authentication methods the server offers, and optionally one authentication attempt (MS-CHAPv2,
// CHAP-MD5 or PAP) that yields the HLAK for crypto binding.
//
// The engine never touches a socket or a timer. The caller feeds it the PPP frames taken out of SSTP
// data packets and writes back whatever it returns; the caller also owns every deadline. The I/O
// glue is a small loop:
//
//   const engine = new PppClient({ credentials, enumerateAuth });
//   write(engine.start());
//   while (true) {
//     const frame = await readPppFrame(deadline);      // caller's timeout
//     if (frame === null) { engine.expire(); break; }
//     const step = engine.receive(frame);
//     if (step.events.some((e) => e.type === 'authenticated')) writeCallConnected(engine.hlak()!);
//     write(step.send);
//     if (step.done) break;
//   }
//   write(engine.terminate());                          // LCP Terminate-Request, unless already closed
//   const { ppp, auth } = engine.result();
//
// Credentials are used only when the engine is constructed with them: otherwise it can never emit a
// CHAP Response or a PAP Authenticate-Request. Events and results carry no secrets; the HLAK is
// reachable only through hlak().
import { randomBytes as cryptoRandomBytes } from 'node:crypto';
import { chapMd5Response } from '../auth/chap-md5.js';
import { checkAuthenticatorResponse, generateNtResponse } from '../auth/mschapv2.js';
import { msChapV2Hlak, zeroHlak } from '../auth/mppe.js';
import { PppOutbox } from './outbox.js';
import {
  AUTH_METHODS,
  LCP_OPTION_TYPES,
  PPP_PROTOCOLS,
  authProtocolName,
  authProtocolOption,
  decodeChapPacket,
  decodeLcpPacket,
  decodeNcpPacket,
  decodePapPacket,
  decodePppFrame,
  describeIpcpOption,
  describeLcpOption,
  encodeChapPacket,
  encodeLcpPacket,
  encodeMsChapV2ResponseValue,
  encodePapPacket,
  encodePppFrame,
  isAuthMethod,
  lcpCodeName,
  magicNumberOption,
  mruOption,
  parseMsChapV2Failure,
  parseMsChapV2Success,
  pppProtocolName,
  readMru,
  type AuthMethod,
  type AuthMethodName,
  type DescribedOption,
  type LcpPacket,
  type PppOption,
  LCP_CODES,
} from '../codec/ppp.js';
import type { AuthInfo, PppInfo } from '../types.js';

/** Methods the engine can authenticate with. */
export const CLIENT_AUTH_METHODS = ['mschapv2', 'chap-md5', 'pap'] as const;
export type ClientAuthMethod = (typeof CLIENT_AUTH_METHODS)[number];

export interface PppCredentials {
  userName: string;
  password: string;
}

export interface PppClientOptions {
  /** Our MRU (default 1500). */
  mru?: number;
  /**
   * Credential-less only: Conf-Nak the server's auth option, proposing another method, to learn
   * every method it allows.
   */
  enumerateAuth?: boolean;
  /** Upper bound on auth Conf-Naks we send (default 5). */
  maxAuthRounds?: number;
  /** Upper bound on Configure-Requests we send (RFC 1661 Max-Configure, default 10). */
  maxConfigure?: number;
  /** Present only when the caller decided the credentials may be sent to this server. */
  credentials?: PppCredentials;
  /** Methods we agree to, in order of preference (default mschapv2, chap-md5, pap). */
  authMethods?: readonly ClientAuthMethod[];
  /** Random source for the magic number and the MS-CHAPv2 peer challenge (default node:crypto). */
  randomBytes?: (size: number) => Buffer;
}

/** Why the engine stopped: its goal reached, or the reason it cannot go further. */
export const PPP_STOP_REASONS = [
  'offer-read',
  'enumeration-complete',
  'server-repeated',
  'auth-rounds-exhausted',
  'server-terminated',
  'authenticated',
  'auth-failed',
  'auth-refused',
  'auth-error',
  'configure-failed',
  'timeout',
] as const;
export type PppStopReason = (typeof PPP_STOP_REASONS)[number];

/** What happened while handling one frame: plain data, safe to log. */
export type PppEvent =
  | { type: 'lcp-configure-request'; id: number; options: DescribedOption[] }
  | { type: 'auth-offered'; method: AuthMethodName | null; round: number }
  | { type: 'auth-nak-sent'; proposed: AuthMethod }
  | { type: 'lcp-rejected-options'; options: DescribedOption[] }
  | { type: 'lcp-opened'; method: ClientAuthMethod | null }
  | { type: 'auth-response-sent'; method: ClientAuthMethod }
  /** Authentication done and verified: send Call-Connected now, keyed with hlak(). */
  | { type: 'authenticated'; method: ClientAuthMethod | null }
  | { type: 'auth-failed'; method: ClientAuthMethod; errorCode: number | null; message: string | null }
  | { type: 'terminated'; reason: string | null }
  | { type: 'ncp'; protocol: string; code: string; options: DescribedOption[] }
  | { type: 'ignored'; protocol: string; detail: string }
  | { type: 'malformed'; detail: string };

export interface PppStep {
  /** PPP frames to send, in order, each for its own SSTP data packet. */
  send: Buffer[];
  events: PppEvent[];
  /** True once the engine has nothing more to learn; stays true. */
  done: boolean;
}

export interface PppClientResult {
  /** The report's `ppp` section. */
  ppp: PppInfo;
  /** The report's `auth` section (cryptoBinding left null for the caller), or null without credentials. */
  auth: AuthInfo | null;
  /** Every auth option the server sent, in order, repeats and ones off our table included. */
  offers: AuthMethodName[];
  /** Null while the engine still runs. */
  stop: PppStopReason | null;
}

// Options we can agree to in the server's Configure-Request (RFC 1661 §6). PFC/ACFC only allow *us*
// to compress; we never do. The endpoint discriminator is informational. Everything else (callback,
// multilink MRRU, quality protocol, unknown types) is rejected.
const ACCEPTABLE_OPTIONS: ReadonlySet<number> = new Set([
  LCP_OPTION_TYPES.MRU,
  LCP_OPTION_TYPES.ACCM,
  LCP_OPTION_TYPES.AUTH_PROTOCOL,
  LCP_OPTION_TYPES.MAGIC_NUMBER,
  LCP_OPTION_TYPES.PFC,
  LCP_OPTION_TYPES.ACFC,
  LCP_OPTION_TYPES.ENDPOINT_DISCRIMINATOR,
]);

type Phase = 'idle' | 'lcp' | 'auth' | 'done';

interface ChapAttempt {
  id: number;
  frame: Buffer;
  method: 'mschapv2' | 'chap-md5';
  authChallenge: Buffer;
  peerChallenge: Buffer;
  ntResponse: Buffer;
}

function isClientMethod(m: string): m is ClientAuthMethod {
  return (CLIENT_AUTH_METHODS as readonly string[]).includes(m);
}

function printable(data: Buffer): string | null {
  const text = data.toString('utf8');
  return data.length > 0 && /^[\x20-\x7e]+$/.test(text) ? text : null;
}

export class PppClient {
  readonly #credentials: PppCredentials | null;
  readonly #methods: readonly ClientAuthMethod[];
  readonly #enumerate: boolean;
  readonly #maxAuthRounds: number;
  readonly #maxConfigure: number;
  readonly #random: (size: number) => Buffer;

  #phase: Phase = 'idle';
  #stop: PppStopReason | null = null;
  #magic: number;
  #ourOptions: PppOption[];
  #ourRequestId = -1;
  #configureSent = 0;
  #ourAcked = false;
  #peerAcked = false;
  #opened = false;
  #terminateSent = false;
  #closed = false;

  #firstOptions: DescribedOption[] | null = null;
  #serverMru: number | null = null;
  #offers: AuthMethodName[] = [];
  #authRounds = 0;
  #proposed = new Set<AuthMethod>();
  #terminated: string | null = null;

  #method: ClientAuthMethod | null = null;
  #papSent = false;
  #chap: ChapAttempt | null = null;
  #auth: Omit<AuthInfo, 'cryptoBinding'> | null = null;
  #hlak: Buffer | null = null;

  readonly #out = new PppOutbox();
  #events: PppEvent[] = [];

  constructor(options: PppClientOptions = {}) {
    const mru = options.mru ?? 1500;
    if (!Number.isInteger(mru) || mru < 64 || mru > 0xffff) throw new RangeError(`invalid MRU ${mru}`);
    this.#credentials = options.credentials ?? null;
    this.#methods = options.authMethods ?? CLIENT_AUTH_METHODS;
    if (this.#methods.length === 0 && this.#credentials) throw new RangeError('authMethods must not be empty');
    this.#enumerate = options.enumerateAuth === true && this.#credentials === null;
    this.#maxAuthRounds = options.maxAuthRounds ?? 5;
    this.#maxConfigure = options.maxConfigure ?? 10;
    this.#random = options.randomBytes ?? cryptoRandomBytes;
    this.#magic = this.#newMagic();
    this.#ourOptions = [mruOption(mru), magicNumberOption(this.#magic)];
  }

  /** Our first LCP Configure-Request. Send it right away: some servers wait for the client to speak. */
  start(): Buffer[] {
    if (this.#phase !== 'idle') return [];
    this.#phase = 'lcp';
    this.#sendConfigureRequest();
    return this.#flush().send;
  }

  /** Handle one PPP frame from the server. Never throws on what the server sends. */
  receive(frame: Uint8Array): PppStep {
    if (this.#phase === 'idle') throw new Error('PppClient.start() must be called before receive()');
    let protocol: number;
    let information: Buffer;
    try {
      ({ protocol, information } = decodePppFrame(frame));
    } catch (e) {
      this.#events.push({ type: 'malformed', detail: (e as Error).message });
      return this.#flush();
    }
    try {
      switch (protocol) {
        case PPP_PROTOCOLS.LCP:
          this.#onLcp(decodeLcpPacket(information));
          break;
        case PPP_PROTOCOLS.CHAP:
          this.#onChap(information);
          break;
        case PPP_PROTOCOLS.PAP:
          this.#onPap(information);
          break;
        case PPP_PROTOCOLS.IPCP:
        case PPP_PROTOCOLS.IPV6CP:
        case PPP_PROTOCOLS.CCP:
          this.#onNcp(protocol, information);
          break;
        default:
          this.#onOtherProtocol(protocol, information);
      }
    } catch (e) {
      this.#events.push({ type: 'malformed', detail: `${pppProtocolName(protocol)}: ${(e as Error).message}` });
    }
    return this.#flush();
  }

  /** The caller's deadline passed: record a timeout for whatever was in progress. */
  expire(): PppStep {
    if (this.#stop === null) {
      if (this.#credentials && this.#auth === null) {
        this.#setAuth({ result: 'timeout', errorCode: null, message: this.#opened ? 'no answer to authentication' : 'LCP did not complete' });
      }
      this.#finish('timeout');
    }
    return this.#flush();
  }

  /**
   * LCP Terminate-Request to leave cleanly (RFC 1661 §5.5), or nothing when LCP already ended.
   * Stops the engine if it was still running.
   */
  terminate(): Buffer[] {
    if (this.#stop === null) this.expire();
    if (!this.#closed && !this.#terminateSent && this.#phase !== 'idle') {
      this.#terminateSent = true;
      this.#out.lcp({ kind: 'terminate', code: LCP_CODES.TERMINATE_REQUEST, id: this.#out.takeId(), data: Buffer.alloc(0) });
    }
    return this.#flush().send;
  }

  /** The 32-byte HLAK once authentication succeeded (zeros for PAP / CHAP-MD5), else null. Secret. */
  hlak(): Buffer | null {
    return this.#hlak === null ? null : Buffer.from(this.#hlak);
  }

  get done(): boolean {
    return this.#stop !== null;
  }

  result(): PppClientResult {
    const authProtocols: PppInfo['authProtocols'] = [];
    for (const o of this.#offers) if (isAuthMethod(o) && !authProtocols.includes(o)) authProtocols.push(o);
    return {
      ppp: {
        authProtocols,
        mru: this.#serverMru,
        options: this.#firstOptions ?? [],
        terminated: this.#terminated,
      },
      auth: this.#credentials === null ? null : { ...(this.#auth ?? this.#pendingAuth()), cryptoBinding: null },
      offers: [...this.#offers],
      stop: this.#stop,
    };
  }

  // ---- LCP --------------------------------------------------------------------------------------

  #onLcp(p: LcpPacket): void {
    switch (p.kind) {
      case 'configure':
        if (p.code === LCP_CODES.CONFIGURE_REQUEST) this.#onConfigureRequest(p.id, p.options);
        else if (p.id === this.#ourRequestId) this.#onConfigureReply(p.code, p.options);
        return;
      case 'terminate':
        if (p.code === LCP_CODES.TERMINATE_REQUEST) this.#onTerminateRequest(p.id, p.data);
        else if (this.#terminateSent) this.#closed = true;
        return;
      case 'echo':
        // Echo-Reply carries our magic (RFC 1661 §5.8); only meaningful once LCP is open.
        if (p.code === LCP_CODES.ECHO_REQUEST && this.#opened && !this.#closed) {
          this.#out.lcp({ kind: 'echo', code: LCP_CODES.ECHO_REPLY, id: p.id, magic: this.#magic, data: p.data });
        }
        return;
      case 'code-reject':
      case 'protocol-reject':
        this.#events.push({ type: 'ignored', protocol: 'LCP', detail: `${lcpCodeName(p.code)} from the server` });
        return;
      case 'unknown':
        // RFC 1661 §5.6: answer an unknown code with Code-Reject carrying the packet.
        this.#out.lcp({ kind: 'code-reject', code: LCP_CODES.CODE_REJECT, id: this.#out.takeId(), rejected: encodeLcpPacket(p) });
    }
  }

  #onConfigureRequest(id: number, options: PppOption[]): void {
    const described = options.map((o) => describeLcpOption(o));
    this.#events.push({ type: 'lcp-configure-request', id, options: described });
    if (this.#firstOptions === null) {
      this.#firstOptions = described;
      for (const o of options) {
        const mru = readMru(o);
        if (mru !== null) this.#serverMru = mru;
      }
    }
    if (this.#stop !== null) return;

    const authOption = options.find((o) => o.type === LCP_OPTION_TYPES.AUTH_PROTOCOL) ?? null;
    const method = authOption ? authProtocolName(authOption) : null;
    const repeated = method !== null && this.#offers.includes(method);
    if (method !== null) this.#offers.push(method);
    this.#events.push({ type: 'auth-offered', method, round: this.#authRounds });

    if (this.#credentials) this.#negotiateForAuth(id, options, method, repeated);
    else this.#learnOffers(id, method, repeated);
  }

  /** Credential-less: read the offer, optionally Nak for the next one (RFC 1661 §5.3). */
  #learnOffers(id: number, method: AuthMethodName | null, repeated: boolean): void {
    if (!this.#enumerate) return this.#finish('offer-read');
    if (repeated) return this.#finish('server-repeated');
    if (method === null) return this.#finish('enumeration-complete');
    if (this.#authRounds >= this.#maxAuthRounds) return this.#finish('auth-rounds-exhausted');
    const next = AUTH_METHODS.find((m) => !this.#offers.includes(m));
    if (next === undefined) return this.#finish('enumeration-complete');
    this.#nakAuth(id, next);
  }

  /** With credentials: Reject what we do not implement, Nak an auth we cannot do, else Ack. */
  #negotiateForAuth(id: number, options: PppOption[], method: AuthMethodName | null, repeated: boolean): void {
    const unacceptable = options.filter((o) => !ACCEPTABLE_OPTIONS.has(o.type));
    if (unacceptable.length > 0) {
      // RFC 1661 §5.4: Configure-Reject lists the unacceptable options, verbatim, and nothing else.
      this.#events.push({ type: 'lcp-rejected-options', options: unacceptable.map((o) => describeLcpOption(o)) });
      this.#out.lcp({ kind: 'configure', code: LCP_CODES.CONFIGURE_REJECT, id, options: unacceptable });
      return;
    }
    if (method !== null && !(isClientMethod(method) && this.#methods.includes(method))) {
      const proposal = this.#methods.find((m) => !this.#proposed.has(m));
      if (repeated || proposal === undefined || this.#authRounds >= this.#maxAuthRounds) {
        const offered = [...new Set(this.#offers)].join(', ');
        this.#setAuth({ result: 'refused', errorCode: null, message: `server offers ${offered}; none is one we can use` });
        this.#finish('auth-refused');
        return;
      }
      this.#proposed.add(proposal);
      this.#nakAuth(id, proposal);
      return;
    }
    this.#method = method;
    this.#out.lcp({ kind: 'configure', code: LCP_CODES.CONFIGURE_ACK, id, options });
    this.#peerAcked = true;
    this.#maybeOpen();
  }

  #nakAuth(id: number, proposal: AuthMethod): void {
    this.#authRounds += 1;
    this.#events.push({ type: 'auth-nak-sent', proposed: proposal });
    this.#out.lcp({ kind: 'configure', code: LCP_CODES.CONFIGURE_NAK, id, options: [authProtocolOption(proposal)] });
  }

  /** The server's Ack / Nak / Reject of our Configure-Request (RFC 1661 §5.2-5.4). */
  #onConfigureReply(code: 2 | 3 | 4, options: PppOption[]): void {
    if (code === LCP_CODES.CONFIGURE_ACK) {
      this.#ourAcked = true;
      this.#maybeOpen();
      return;
    }
    if (this.#stop !== null) return;
    if (code === LCP_CODES.CONFIGURE_NAK) {
      for (const o of options) {
        const mru = readMru(o);
        if (mru !== null && mru >= 64) this.#ourOptions = this.#ourOptions.map((x) => (x.type === o.type ? mruOption(mru) : x));
        if (o.type === LCP_OPTION_TYPES.MAGIC_NUMBER) {
          this.#magic = this.#newMagic();
          this.#ourOptions = this.#ourOptions.map((x) => (x.type === o.type ? magicNumberOption(this.#magic) : x));
        }
      }
    } else {
      const rejected = new Set(options.map((o) => o.type));
      this.#ourOptions = this.#ourOptions.filter((o) => !rejected.has(o.type));
      if (rejected.has(LCP_OPTION_TYPES.MAGIC_NUMBER)) this.#magic = 0;
    }
    if (this.#configureSent >= this.#maxConfigure) {
      if (this.#credentials && this.#auth === null) {
        this.#setAuth({ result: 'error', errorCode: null, message: 'LCP negotiation did not converge' });
      }
      this.#finish('configure-failed');
      return;
    }
    this.#sendConfigureRequest();
  }

  #onTerminateRequest(id: number, data: Buffer): void {
    const reason = printable(data);
    this.#terminated = reason === null ? 'terminate-request' : `terminate-request: ${reason}`;
    this.#events.push({ type: 'terminated', reason });
    this.#out.lcp({ kind: 'terminate', code: LCP_CODES.TERMINATE_ACK, id, data: Buffer.alloc(0) });
    this.#closed = true;
    if (this.#stop !== null) return;
    if (this.#credentials && this.#auth === null) {
      this.#setAuth(
        this.#opened
          ? { result: 'failure', errorCode: null, message: 'server ended LCP during authentication' }
          : { result: 'refused', errorCode: null, message: 'server ended LCP before authentication' },
      );
      this.#finish(this.#opened ? 'auth-failed' : 'auth-refused');
      return;
    }
    this.#finish('server-terminated');
  }

  #maybeOpen(): void {
    if (this.#opened || !this.#ourAcked || !this.#peerAcked || this.#stop !== null) return;
    this.#opened = true;
    this.#phase = 'auth';
    this.#events.push({ type: 'lcp-opened', method: this.#method });
    if (this.#method === null) {
      // The server asked for no authentication: nothing to prove, nothing keyed.
      this.#authenticated(null, zeroHlak(), 'server requested no authentication');
    } else if (this.#method === 'pap') {
      this.#sendPapRequest();
    }
    // CHAP methods wait for the server's Challenge.
  }

  // ---- authentication ---------------------------------------------------------------------------

  #sendPapRequest(): void {
    const credentials = this.#credentials;
    if (credentials === null || this.#papSent) return;
    this.#papSent = true;
    const packet = encodePapPacket({ kind: 'request', code: 1, id: this.#out.takeId(), peerId: credentials.userName, password: credentials.password });
    this.#out.send(PPP_PROTOCOLS.PAP, packet);
    this.#events.push({ type: 'auth-response-sent', method: 'pap' });
  }

  /**
   * PAP reply (RFC 1334 §2.2.2): Ack means authenticated; Nak carries a message that Windows servers
   * fill like MS-CHAP's (`E=691 ...`).
   */
  #onPap(information: Buffer): void {
    const p = decodePapPacket(information);
    if (this.#method !== 'pap' || !this.#papSent || this.#auth !== null) {
      this.#events.push({ type: 'ignored', protocol: 'PAP', detail: `unexpected ${p.kind}` });
      return;
    }
    if (p.kind === 'ack') this.#authenticated('pap', zeroHlak(), p.message || null);
    else if (p.kind === 'nak') this.#authFailed('pap', parseMsChapV2Failure(p.message).error, p.message || null);
  }

  #onChap(information: Buffer): void {
    const p = decodeChapPacket(information);
    const method = this.#method;
    const credentials = this.#credentials;
    if (credentials === null || (method !== 'mschapv2' && method !== 'chap-md5') || this.#auth !== null) {
      this.#events.push({ type: 'ignored', protocol: 'CHAP', detail: `unexpected ${p.kind}` });
      return;
    }
    if (p.kind === 'challenge') {
      const previous = this.#chap;
      if (previous !== null) {
        // A repeated Challenge with the same id is a retransmission: same answer. A new one would be a
        // second attempt, which the probe never makes.
        if (previous.id === p.id) this.#out.resend(previous.frame);
        else this.#events.push({ type: 'ignored', protocol: 'CHAP', detail: 'second challenge not answered (one attempt only)' });
        return;
      }
      if (method === 'mschapv2') {
        if (p.value.length !== 16) {
          this.#setAuth({ result: 'error', errorCode: null, message: `MS-CHAPv2 challenge of ${p.value.length} bytes (16 expected)` });
          this.#finish('auth-error');
          return;
        }
        const peerChallenge = this.#random(16);
        const ntResponse = generateNtResponse(p.value, peerChallenge, credentials.userName, credentials.password);
        const value = encodeMsChapV2ResponseValue({ peerChallenge, ntResponse, flags: 0 });
        const frame = encodePppFrame(PPP_PROTOCOLS.CHAP, encodeChapPacket({ kind: 'response', code: 2, id: p.id, value, name: credentials.userName }));
        this.#chap = { id: p.id, frame, method, authChallenge: Buffer.from(p.value), peerChallenge, ntResponse };
      } else {
        const value = chapMd5Response(p.id, credentials.password, p.value);
        const frame = encodePppFrame(PPP_PROTOCOLS.CHAP, encodeChapPacket({ kind: 'response', code: 2, id: p.id, value, name: credentials.userName }));
        this.#chap = { id: p.id, frame, method, authChallenge: Buffer.from(p.value), peerChallenge: Buffer.alloc(0), ntResponse: Buffer.alloc(0) };
      }
      this.#out.resend(this.#chap.frame);
      this.#events.push({ type: 'auth-response-sent', method });
      return;
    }
    const attempt = this.#chap;
    if (attempt === null || (p.kind !== 'success' && p.kind !== 'failure')) {
      this.#events.push({ type: 'ignored', protocol: 'CHAP', detail: `unexpected ${p.kind}` });
      return;
    }
    if (p.kind === 'failure') {
      const f = parseMsChapV2Failure(p.message);
      this.#authFailed(method, f.error, f.message ?? (p.message || null));
      return;
    }
    if (method === 'chap-md5') {
      this.#authenticated('chap-md5', zeroHlak(), p.message || null);
      return;
    }
    // RFC 2759 §8.8: the server proves it knows the password too. A server that cannot is not the one
    // holding the account (or something sits in between): no keys, no binding.
    const s = parseMsChapV2Success(p.message);
    const verified =
      s.authenticatorResponse !== null &&
      checkAuthenticatorResponse(s.authenticatorResponse, credentials.password, attempt.ntResponse, attempt.peerChallenge, attempt.authChallenge, credentials.userName);
    if (!verified) {
      this.#setAuth({ result: 'error', errorCode: null, message: 'the server accepted the login but its authenticator response did not verify' });
      this.#finish('auth-error');
      return;
    }
    this.#authenticated('mschapv2', msChapV2Hlak(credentials.password, attempt.ntResponse, 'client'), s.message);
  }

  #authenticated(method: ClientAuthMethod | null, hlak: Buffer, message: string | null): void {
    this.#hlak = hlak;
    this.#method = method;
    this.#setAuth({ result: 'success', errorCode: null, message });
    this.#events.push({ type: 'authenticated', method });
    this.#finish('authenticated');
  }

  #authFailed(method: ClientAuthMethod, errorCode: number | null, message: string | null): void {
    this.#setAuth({ result: 'failure', errorCode, message });
    this.#events.push({ type: 'auth-failed', method, errorCode, message });
    this.#finish('auth-failed');
  }

  #setAuth(a: { result: AuthInfo['result']; errorCode: number | null; message: string | null }): void {
    this.#auth = { protocol: this.#method, ...a };
  }

  #pendingAuth(): Omit<AuthInfo, 'cryptoBinding'> {
    return { protocol: this.#method, result: 'timeout', errorCode: null, message: 'authentication did not finish' };
  }

  // ---- other protocols --------------------------------------------------------------------------

  /** NCP traffic after authentication (IPCP etc.): recorded, not answered; the probe leaves anyway. */
  #onNcp(protocol: number, information: Buffer): void {
    const p = decodeNcpPacket(information);
    const options = p.kind === 'configure' ? p.options.map((o) => (protocol === PPP_PROTOCOLS.IPCP ? describeIpcpOption(o) : describeLcpOptionRaw(o))) : [];
    this.#events.push({ type: 'ncp', protocol: pppProtocolName(protocol), code: lcpCodeName(p.code), options });
  }

  #onOtherProtocol(protocol: number, information: Buffer): void {
    if (this.#opened && !this.#closed) {
      // RFC 1661 §5.7: Protocol-Reject with as much of the packet as fits our MRU.
      this.#out.lcp({ kind: 'protocol-reject', code: LCP_CODES.PROTOCOL_REJECT, id: this.#out.takeId(), protocol, rejected: information.subarray(0, 1400) });
    }
    this.#events.push({ type: 'ignored', protocol: pppProtocolName(protocol), detail: this.#opened ? 'protocol rejected' : 'before LCP opened' });
  }

  // ---- plumbing ---------------------------------------------------------------------------------

  #sendConfigureRequest(): void {
    this.#configureSent += 1;
    this.#ourAcked = false;
    this.#ourRequestId = this.#out.takeId();
    this.#out.lcp({ kind: 'configure', code: LCP_CODES.CONFIGURE_REQUEST, id: this.#ourRequestId, options: this.#ourOptions });
  }



  #newMagic(): number {
    // Zero means "no magic number" (RFC 1661 §6.4); draw again in that unlikely case.
    for (let attempt = 0; attempt < 4; attempt++) {
      const magic = this.#random(4).readUInt32BE(0);
      if (magic !== 0) return magic;
    }
    return 0x53535450;
  }

  #finish(reason: PppStopReason): void {
    if (this.#stop !== null) return;
    this.#stop = reason;
    this.#phase = 'done';
  }

  #flush(): PppStep {
    const step = { send: this.#out.take(), events: this.#events, done: this.#stop !== null };
    this.#events = [];
    return step;
  }
}

/** CCP and IPV6CP options have their own tables; the probe only shows them raw. */
function describeLcpOptionRaw(option: PppOption): DescribedOption {
  return { type: option.type, name: `option ${option.type}`, value: `0x${option.data.toString('hex')}` };
}

import { checkServerIdentity, connect, createSecureContext, rootCertificates, type TLSSocket, type PeerCertificate, type DetailedPeerCertificate, type SecureContext } from 'node:tls';
import type { Duplex } from 'node:stream';
import type { StepResult, TlsFailure, TlsInfo } from '../types.js';
import { endOnce, interruptionOf, waitedWithin, type StepBound } from '../endings.js';
import { finishStep } from './result.js';

// The TLS step connects the way an SSTP client does (SNI = the name dialled) but enforces nothing: the
// verdict Node reaches is recorded as evidence and the certificate checks run later as pure functions.
// Old protocol versions and weak ciphers are allowed on purpose so that an old server is described, not refused.

/** Down to TLS 1.0 and security level 0, for the reason above. */
const CLIENT_POLICY = { minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' } as const;

/**
 * The TLS client context the step uses: the policy above plus the trusted CAs. Building one parses every CA
 * (~30 ms and a few MB for ~290 roots), so a run builds it once and hands it to every connection; Node offers a
 * saved session only when given one explicitly, so a shared context never resumes a session across targets.
 * Extra CAs are added to Node's roots (not instead of them) so the recorded verdict matches a client that
 * trusts both; with none, Node's default store applies (which includes NODE_EXTRA_CA_CERTS).
 */
export function createTlsClientContext(extraCaPems: readonly string[] = []): SecureContext {
  return createSecureContext({ ...CLIENT_POLICY, ...(extraCaPems.length ? { ca: [...rootCertificates, ...extraCaPems] } : {}) });
}

export interface TlsStepOutcome {
  step: StepResult;
  info: TlsInfo;
  /** DER of the certificates the server presented, leaf first. */
  chain: Buffer[];
  socket: TLSSocket | null;
}

export function tlsStep(
  transport: Duplex,
  options: StepBound & {
    sni: string | null;
    /**
     * The name the client dials (a host name or an address): what Node's own verdict checks the certificate's
     * names against. Left to itself Node checks the SNI, or "localhost" when none is sent (an address).
     */
    dialled: string;
    signal?: AbortSignal;
    /** A context from createTlsClientContext (the run's CAs and protocol policy), shared by its connections. */
    secureContext: SecureContext;
  },
): Promise<TlsStepOutcome> {
  const startedAt = performance.now();
  const info: TlsInfo = {
    sni: options.sni,
    protocol: null,
    cipher: null,
    authorizationError: null,
    failure: null,
    failureDetail: null,
    alert: null,
  };
  return new Promise<TlsStepOutcome>((resolve) => {
    // Node reads the whole chain for its name check (when the chain verified); the step reuses that copy.
    let checkedChain: DetailedPeerCertificate | null = null;
    const socket = connect({
      socket: transport,
      ...(options.sni ? { servername: options.sni } : {}),
      rejectUnauthorized: false,
      checkServerIdentity: (_sent, certificate) => {
        checkedChain = certificate as DetailedPeerCertificate;
        return checkServerIdentity(options.dialled, certificate);
      },
      // The protocol floor and ciphers are context settings: they come with the context.
      secureContext: options.secureContext,
    });
    const failed = (failure: TlsFailure, detail: string): TlsStepOutcome => {
      info.failure = failure;
      info.failureDetail = detail;
      return { step: finishStep('tls', 'fail', failure, startedAt, detail), info, chain: [], socket: null };
    };
    const ending = endOnce<TlsStepOutcome>(options, {
      onTimeout: () => failed('timeout', `no TLS handshake ${waitedWithin(options)}`),
      onAbort: () => {
        const ended = interruptionOf(options.signal, startedAt, 'no TLS handshake');
        return failed(ended.code, ended.detail);
      },
      finish: (outcome) => {
        socket.removeListener('error', onError);
        socket.on('error', ignoreError);
        if (!outcome.socket) {
          socket.destroy();
          transport.destroy();
        }
        resolve(outcome);
      },
    });
    const settle = ending.settle;
    const fail = (failure: TlsFailure, detail: string): void => {
      if (!ending.settled) settle(failed(failure, detail));
    };
    // A declaration: the ending may settle (an already-aborted signal) before this line is reached.
    function onError(error: NodeJS.ErrnoException): void {
      const kind = classifyHandshakeError(error);
      info.alert = kind.alert;
      fail(kind.failure, kind.detail);
    }
    if (ending.settled) return;
    socket.on('error', onError);
    socket.once('close', () => fail('closed', 'the server closed the connection during the TLS handshake'));
    socket.once('secureConnect', () => {
      info.protocol = socket.getProtocol() ?? null;
      info.cipher = socket.getCipher()?.name ?? null;
      const verdict = socket.authorizationError;
      info.authorizationError = verdict ? String((verdict as NodeJS.ErrnoException).code ?? verdict) : null;
      const chain = peerChain(checkedChain ?? socket.getPeerCertificate(true));
      if (chain.length === 0) {
        fail('no-certificate', 'the server completed TLS without presenting a certificate');
        return;
      }
      const detail = `${info.protocol ?? '?'} ${info.cipher ?? '?'}${info.authorizationError ? `, not trusted by Node (${info.authorizationError})` : ''}`;
      settle({ step: finishStep('tls', 'pass', 'established', startedAt, detail), info, chain, socket });
    });
  });
}

/** Node's handshake error as a failure kind, the alert it carries (if any) and words for people. */
function classifyHandshakeError(error: NodeJS.ErrnoException): { failure: TlsFailure; alert: string | null; detail: string } {
  const message = error.message ?? String(error);
  if (error.code === 'ECONNRESET') {
    if (/before secure TLS connection/i.test(message)) {
      return { failure: 'closed', alert: null, detail: 'the server closed the connection during the TLS handshake' };
    }
    return { failure: 'reset', alert: null, detail: 'the server reset the connection during the TLS handshake (TCP RST)' };
  }
  // OpenSSL: "...:SSL routines:ssl3_read_bytes:tlsv1 alert protocol version:..." / "sslv3 alert handshake failure"
  const alert = /alert ([a-z ]+)/i.exec(message);
  if (alert) {
    const name = alert[1]!.trim().toLowerCase();
    return { failure: 'alert', alert: name, detail: `the server sent a TLS alert: ${name}` };
  }
  if (error.code === 'ERR_SSL_EXCESSIVE_MESSAGE_SIZE' || /excessive message size/i.test(message)) {
    return { failure: 'chain-too-large', alert: null, detail: 'the certificate chain is larger than a client accepts (the handshake message exceeds the TLS client\'s limit)' };
  }
  if (error.code === 'ERR_SSL_WRONG_VERSION_NUMBER' || error.code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG' || /wrong version number|packet length too long|http request|unknown protocol|record layer failure/i.test(message)) {
    return { failure: 'not-tls', alert: null, detail: 'the server answered with something that is not TLS (plain HTTP on this port?)' };
  }
  if (/no protocols available|unsupported protocol|no shared cipher|version too low/i.test(message)) {
    return { failure: 'protocol', alert: null, detail: `no common TLS protocol or cipher: ${message}` };
  }
  return { failure: 'error', alert: null, detail: `TLS handshake failed: ${error.code ?? message}` };
}

function peerChain(leaf: PeerCertificate | DetailedPeerCertificate): Buffer[] {
  const chain: Buffer[] = [];
  const seen = new Set<string>();
  let cert: PeerCertificate | DetailedPeerCertificate | undefined = leaf;
  while (cert && cert.raw && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    chain.push(Buffer.from(cert.raw));
    const next: DetailedPeerCertificate | undefined = (cert as DetailedPeerCertificate).issuerCertificate;
    if (!next || next === cert) break;
    cert = next;
  }
  return chain;
}

function ignoreError(): void {}

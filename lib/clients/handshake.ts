import { createSecureContext, type SecureContext } from 'node:tls';
import type { ClientHandshake, ClientHandshakeCode, TlsInfo } from '../types.js';
import type { StepBound } from '../endings.js';
import { tcpStep } from '../steps/tcp.js';
import { tlsStep } from '../steps/tls.js';
import { allowsVersion, type ClientProfile } from './profiles.js';

// One TLS handshake as a given client would make it: a fresh TCP connection, then a ClientHello restricted
// to the client's versions, suites, groups and signature algorithms. It reuses the path's TCP and TLS steps
// (their bounds, cancellation and failure kinds) and turns their outcome into evidence about the client: a
// refused handshake is an answer about the server, never an error of the probe.

/** OpenSSL's TLS 1.3 suites when none are set (what `ciphersuites: null` in a profile means). */
const OPENSSL_DEFAULT_TLS13 = ['TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_128_GCM_SHA256'];

const VERSION_ALERTS: ReadonlySet<string> = new Set(['protocol version']);
const CIPHER_ALERTS: ReadonlySet<string> = new Set(['handshake failure', 'insufficient security']);

/**
 * Whether the probe's own handshake already shows this client connects: the version it negotiated is one
 * the client offers, and so is the suite (by name; a profile that names no suites for a version proves
 * nothing for it). The server picked that pair from a broader offer, so it accepts it from this client too.
 */
export function provenByMain(profile: ClientProfile, protocol: string | null, cipher: string | null): boolean {
  if (!protocol || !cipher || !allowsVersion(profile, protocol)) return false;
  const suites = protocol === 'TLSv1.3'
    ? (profile.ciphersuites?.split(':') ?? OPENSSL_DEFAULT_TLS13)
    : profile.ciphers.split(':').filter((name) => /^[A-Z0-9-]+$/.test(name) && name !== 'DEFAULT' && name !== 'ALL');
  return suites.includes(cipher);
}

/** The main handshake's evidence, as the basis of a client's verdict. */
export function mainHandshake(tls: Pick<TlsInfo, 'protocol' | 'cipher'>): ClientHandshake {
  return { basis: 'main', code: 'connected', protocol: tls.protocol, cipher: tls.cipher, alert: null, detail: 'the probe\'s own handshake used a version and suite this client offers', durationMs: 0 };
}

/** Built once per profile for the process: a fleet makes one handshake per profile and target, all alike. */
const contexts = new WeakMap<ClientProfile, SecureContext | Error>();

/** The TLS client context of a profile (built on first use); throws what OpenSSL said if it cannot be built. */
export function profileContext(profile: ClientProfile): SecureContext {
  let context = contexts.get(profile);
  if (!context) {
    try {
      context = buildProfileContext(profile);
    } catch (error) {
      context = error instanceof Error ? error : new Error(String(error));
    }
    contexts.set(profile, context);
  }
  if (context instanceof Error) throw context;
  return context;
}

/** Its versions, suites, groups and signature algorithms, nothing else. */
function buildProfileContext(profile: ClientProfile): SecureContext {
  return createSecureContext({
    minVersion: profile.minVersion,
    maxVersion: profile.maxVersion,
    ciphers: profile.ciphers,
    ...(profile.ciphersuites !== null ? { ciphersuites: profile.ciphersuites } : {}),
    ...(profile.ecdhCurve !== null ? { ecdhCurve: profile.ecdhCurve } : {}),
    ...(profile.sigalgs !== null ? { sigalgs: profile.sigalgs } : {}),
  });
}

export interface ClientHandshakeOptions {
  address: string;
  port: number;
  sni: string | null;
  /** The bound for each wait (the probe's step bound: the step deadline or what is left of the whole). */
  bound: () => StepBound;
  signal: AbortSignal;
}

/** TCP, then the restricted handshake; the socket is closed as soon as the handshake is known. Never rejects. */
export async function clientHandshake(profile: ClientProfile, options: ClientHandshakeOptions): Promise<ClientHandshake> {
  const startedAt = performance.now();
  const own = (code: ClientHandshakeCode, detail: string | null, tls?: TlsInfo): ClientHandshake => ({
    basis: 'own',
    code,
    protocol: tls?.protocol ?? null,
    cipher: tls?.cipher ?? null,
    alert: tls?.alert ?? null,
    detail,
    durationMs: Math.max(0, Math.round(performance.now() - startedAt)),
  });
  let context: SecureContext;
  try {
    context = profileContext(profile);
  } catch (error) {
    return own('error', `this Node's OpenSSL cannot make the client's handshake: ${(error as Error).message}`);
  }
  const tcp = await tcpStep(options.address, options.port, { ...options.bound(), signal: options.signal });
  if (!tcp.socket) {
    const code = tcp.step.code === 'timeout' || tcp.step.code === 'cancelled' ? tcp.step.code : 'connect-failed';
    return own(code, tcp.step.detail);
  }
  const tls = await tlsStep(tcp.socket, { sni: options.sni, dialled: options.sni ?? options.address, ...options.bound(), signal: options.signal, secureContext: context });
  if (tls.socket) {
    tls.socket.destroy();
    return own('connected', tls.step.detail, tls.info);
  }
  return own(handshakeCode(tls.info), tls.info.failureDetail, tls.info);
}

/** The TLS step's failure kind, read as what it says about this client. */
function handshakeCode(info: TlsInfo): ClientHandshakeCode {
  const alert = info.alert ?? null;
  switch (info.failure) {
    case 'alert':
      if (alert !== null && VERSION_ALERTS.has(alert)) return 'no-common-version';
      if (alert !== null && CIPHER_ALERTS.has(alert)) return 'no-common-cipher';
      return 'alert';
    case 'protocol':
      // Refused before anything was sent: OpenSSL found no version (or no suite) it may offer this server.
      return /no shared cipher|no cipher/i.test(info.failureDetail ?? '') ? 'no-common-cipher' : 'no-common-version';
    case 'no-certificate':
      return 'connected';
    case 'reset':
    case 'closed':
    case 'timeout':
    case 'cancelled':
      return info.failure;
    default:
      return 'error';
  }
}

import * as tls from 'node:tls';
import type { SecureContext } from 'node:tls';
import { findSystemCaFile, gatherTrustAnchors, SYSTEM_CA_FILES, type SystemStoreReader, type TrustAnchors, type TrustStoreFiles } from './cert-online/trust-store.js';
import { createTlsClientContext } from './steps/tls.js';

// The trust a run holds once and every probe shares: the anchors gathered from Node's roots, --ca,
// --ca-system and NODE_EXTRA_CA_CERTS (read once, not once per target), their index for the certificate
// judgement, and the TLS client context holding the same CAs. Sharing them changes no verdict: each target
// still gets its own connection and a full handshake (no session is offered across targets), and the judge
// still decides per chain; it only stops a 1,000-target run from parsing the same roots 2,000 times.

export interface PreparedTrust {
  /** What certificates are judged against, and what the report says was read. */
  readonly anchors: TrustAnchors;
  /** The TLS step's client context with the same CAs; built on first use, then reused. */
  secureContext(): SecureContext;
}

export interface TrustOptions {
  /** Extra trusted CA certificates (PEM), added to Node's bundled roots. */
  trustedCaPems?: readonly string[];
  /**
   * Also trust the platform's store: the OS store on Node 22.15+, else the CA bundle file. Default: on
   * Windows when the OS store is readable (that is the store the Windows SSTP client judges against), else off.
   */
  systemCa?: boolean;
  /** Where NODE_EXTRA_CA_CERTS is read from (default: process.env). */
  env?: Record<string, string | undefined>;
  /** File access seam for tests. */
  files?: TrustStoreFiles;
  /** OS store seam for tests (null: not readable on this Node). Default: tls.getCACertificates('system'). */
  systemStore?: SystemStoreReader | null;
  /** Platform seam for tests (default: process.platform). */
  platform?: NodeJS.Platform;
}

/** tls.getCACertificates('system') where this Node has it (22.15+, 23.10+), else null. */
export function osTrustStore(): SystemStoreReader | null {
  const read = (tls as unknown as { getCACertificates?: (type: 'system') => string[] }).getCACertificates;
  return typeof read === 'function' ? () => read('system') : null;
}

/** Why --ca-system cannot work here (neither the OS store nor a bundle file), or null. */
export function systemCaProblem(store: SystemStoreReader | null = osTrustStore(), files?: TrustStoreFiles): string | null {
  if (store !== null || findSystemCaFile(files) !== null) return null;
  return `this Node (${process.version}) cannot read the OS trust store (it needs Node 22.15 or later) and no system CA bundle was found (looked for ${SYSTEM_CA_FILES.join(', ')}); pass the roots with --ca <file>`;
}

/** Whether --ca-system is on when not asked either way: on Windows with a readable OS store. */
export function systemCaByDefault(platform: NodeJS.Platform = process.platform, store: SystemStoreReader | null = osTrustStore()): boolean {
  return platform === 'win32' && store !== null;
}

/** Gathers the anchors now (files are read here, once); the judge's index and the TLS context come on first use. */
export function prepareTrust(options: TrustOptions = {}): PreparedTrust {
  const systemStore = options.systemStore === undefined ? osTrustStore() : options.systemStore;
  const anchors = gatherTrustAnchors({
    bundled: tls.rootCertificates,
    extra: options.trustedCaPems ?? [],
    systemCa: options.systemCa ?? systemCaByDefault(options.platform, systemStore),
    systemStore,
    nodeExtraCaCerts: (options.env ?? process.env).NODE_EXTRA_CA_CERTS,
    ...(options.files ? { files: options.files } : {}),
  });
  let context: SecureContext | null = null;
  const env = options.env ?? process.env;
  return {
    anchors,
    secureContext: () => (context ??= clientContextWith(anchors.extraPems, inNodeDefaultStore(anchors, env === process.env))),
  };
}

/** A PEM certificate's base64 body, whatever its line breaks: the same certificate gives the same key. */
const pemBody = (pem: string): string => pem.replace(/-----[^-]+-----|\s+/g, '');

/**
 * The extra anchors Node's default store already holds: NODE_EXTRA_CA_CERTS, which Node reads when it
 * starts. Where Node can list them (22.15+), exactly those; before, the file named in this process's own
 * environment, when the run read that one. Adding them again would cost ~0.2 ms each (a whole system
 * bundle: ~30 ms) and trust nothing more.
 */
function inNodeDefaultStore(anchors: TrustAnchors, envOfThisProcess: boolean): ReadonlySet<string> {
  if (anchors.nodeExtraPems.length === 0) return new Set();
  const list = (tls as unknown as { getCACertificates?: (type: 'extra') => string[] }).getCACertificates;
  if (typeof list === 'function') return new Set(list('extra').map(pemBody));
  const path = anchors.info.nodeExtraCaCerts?.path;
  return envOfThisProcess && path !== undefined && path === process.env.NODE_EXTRA_CA_CERTS ? new Set(anchors.nodeExtraPems.map(pemBody)) : new Set();
}

/**
 * The TLS step's context: Node's roots plus the extra CAs. Handing `ca: [...rootCertificates, ...extra]` to
 * createSecureContext makes OpenSSL decode every bundled root again from PEM (50-300 ms on a busy 2-core
 * machine, the biggest single cost of a one-target run with --ca); a context made without `ca` shares the
 * root store Node decodes once per process, and only the extra CAs it does not hold yet are added to its
 * copy. Same trust, same recorded verdict. Where this Node's context handle lacks addCACert, the plain way is taken.
 */
function clientContextWith(extraPems: readonly string[], alreadyHeld: ReadonlySet<string>): SecureContext {
  const context = createTlsClientContext();
  if (extraPems.length === 0) return context;
  const handle = (context as unknown as { context?: { addCACert?: (pem: string) => void } }).context;
  if (typeof handle?.addCACert !== 'function') return createTlsClientContext(extraPems);
  for (const pem of extraPems) if (!alreadyHeld.has(pemBody(pem))) handle.addCACert(pem);
  return context;
}


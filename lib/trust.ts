import type { SecureContext } from 'node:tls';
import { rootCertificates } from 'node:tls';
import { gatherTrustAnchors, type TrustAnchors, type TrustStoreFiles } from './cert-online/trust-store.js';
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
  /** Also trust the platform's CA bundle. */
  systemCa?: boolean;
  /** Where NODE_EXTRA_CA_CERTS is read from (default: process.env). */
  env?: Record<string, string | undefined>;
  /** File access seam for tests. */
  files?: TrustStoreFiles;
}

/** Gathers the anchors now (files are read here, once); the judge's index and the TLS context come on first use. */
export function prepareTrust(options: TrustOptions = {}): PreparedTrust {
  const anchors = gatherTrustAnchors({
    bundled: rootCertificates,
    extra: options.trustedCaPems ?? [],
    systemCa: options.systemCa === true,
    nodeExtraCaCerts: (options.env ?? process.env).NODE_EXTRA_CA_CERTS,
    ...(options.files ? { files: options.files } : {}),
  });
  let context: SecureContext | null = null;
  return {
    anchors,
    secureContext: () => (context ??= createTlsClientContext(anchors.extraPems)),
  };
}

// The report contract. Everything a probe learns ends up in one ProbeReport whose shape never varies:
// a step that did not run is present with status "skip", a section that was not reached is null.
// Field names here are public API (schema/report.schema.json documents them): add, never rename.

export const STEP_NAMES = ['dns', 'tcp', 'proxy', 'tls', 'http', 'sstp', 'ppp', 'auth'] as const;
export type StepName = (typeof STEP_NAMES)[number];

export const STEP_STATUSES = ['pass', 'fail', 'warn', 'skip'] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

export const SEVERITIES = ['error', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** One network hop. `code` is stable and machine-readable; `detail` is for humans. */
export interface StepResult {
  name: StepName;
  status: StepStatus;
  durationMs: number;
  code: string;
  detail: string | null;
}

export interface Target {
  host: string;
  port: number;
}

export interface AddressInfo {
  address: string;
  family: 4 | 6;
}

/** Per-address outcome when every resolved address is probed (diagnosis issue). */
export interface AddressResult extends AddressInfo {
  ok: boolean;
  causes: string[];
  sha256: string | null;
  /** Where the per-address probe stopped (step name), or null when it went all the way. */
  failedStep: StepName | null;
  code: string | null;
}

export interface TlsInfo {
  /** SNI we sent, or null when none was sent. */
  sni: string | null;
  protocol: string | null;
  cipher: string | null;
  /** Node's verification verdict: null when the chain verified, else its code (e.g. SELF_SIGNED_CERT_IN_CHAIN). */
  authorizationError: string | null;
  /** Set when the handshake failed: "reset", "alert", "closed", "timeout", "error". */
  failure: string | null;
  /** TLS alert description or error message observed during a failed handshake. */
  failureDetail: string | null;
}

export interface ChainCertificate {
  subject: string;
  issuer: string;
  sha1: string;
  sha256: string;
  notBefore: string;
  notAfter: string;
  selfSigned: boolean;
  isCA: boolean;
}

export interface CertificateInfo {
  /** Uppercase hex without separators, as `netsh http show sslcert` shows it. */
  sha1: string;
  sha256: string;
  subject: string;
  issuer: string;
  serialNumber: string;
  notBefore: string;
  notAfter: string;
  dnsNames: string[];
  ipAddresses: string[];
  /** EKU OIDs; empty when the certificate has no EKU extension (which means any purpose). */
  eku: string[];
  /** True when the certificate carries an EKU extension at all. */
  hasEku: boolean;
  keyType: string | null;
  keyBits: number | null;
  signatureAlgorithm: string | null;
  selfSigned: boolean;
  /** Null until a trust decision was made. */
  chainTrusted: boolean | null;
  /** Whether the certificate is valid for the name the client dials (null when not judged). */
  nameMatches: boolean | null;
  /** The chain as the server sent it, leaf first. */
  chain: ChainCertificate[];
  /** Leaf certificate in PEM, so a report can be re-judged offline. */
  pem: string;
}

export interface HttpInfo {
  version: string;
  status: number;
  reason: string;
  server: string | null;
  contentLength: string | null;
  /** Selected response headers (lowercase names). */
  headers: Record<string, string>;
}

export const SSTP_RESULTS = ['ack', 'nak', 'abort', 'timeout', 'closed', 'invalid'] as const;
export type SstpResult = (typeof SSTP_RESULTS)[number];

export interface SstpStatusInfo {
  attribId: number;
  attribName: string;
  status: number;
  statusName: string;
}

export interface SstpInfo {
  result: SstpResult;
  hashProtocols: Array<'sha1' | 'sha256'>;
  /** The raw hash bitmask from the Ack, or null when there was no Ack. */
  hashBitmask: number | null;
  /** Status Info attributes of a NAK or Abort, in order. */
  status: SstpStatusInfo[];
  /** Message name of an unexpected reply, or a decode error's description. */
  detail: string | null;
  /** How the probe left: "disconnect-ack", "disconnect-no-ack", "closed", "none". */
  teardown: string;
}

export interface ProxyInfo {
  /** Proxy URL with credentials removed. */
  url: string;
  source: 'flag' | 'env' | 'none';
  /** Why the proxy was (not) used, e.g. "HTTPS_PROXY", "NO_PROXY matched .contoso.com". */
  reason: string;
  statusLine: string | null;
  status: number | null;
  httpVersion: string | null;
  authSchemes: string[];
  headers: Record<string, string>;
  /** CONNECT requests sent: 2 when a 407 was answered with credentials. */
  attempts: number;
  authSent: 'none' | 'basic';
  /** Whether the connection to the proxy itself was made (tells "unreachable" from "silent"). */
  proxyConnected: boolean;
}

export interface PppInfo {
  authProtocols: Array<'eap' | 'mschapv2' | 'mschap' | 'chap-md5' | 'pap'>;
  mru: number | null;
  options: Array<{ type: number; name: string; value: string }>;
  /** How the server ended LCP, when it did. */
  terminated: string | null;
}

export interface AuthInfo {
  protocol: 'mschapv2' | 'chap-md5' | 'pap' | null;
  result: 'success' | 'failure' | 'refused' | 'timeout' | 'error';
  /** Server error code for a failure (e.g. 691). */
  errorCode: number | null;
  message: string | null;
  cryptoBinding: {
    hashProtocol: 'sha1' | 'sha256';
    certHash: string;
    result: 'accepted' | 'rejected' | 'not-sent';
  } | null;
}

/** One place the revocation status of the server certificate can be learned from (CDP or AIA OCSP). */
export interface RevocationSource {
  url: string;
  kind: 'crl' | 'ocsp';
  outcome: 'good' | 'revoked' | 'unknown' | 'unreachable' | 'timeout' | 'error';
  detail: string | null;
}

/** Revocation judgement of the server certificate, as a Windows client would need to make it. */
export interface RevocationInfo {
  verdict: 'good' | 'revoked' | 'unreachable' | 'no-sources' | 'not-checked';
  sources: RevocationSource[];
}

/** One TLS handshake of the SNI comparison. */
export interface SniAttempt {
  ok: boolean;
  code: string | null;
  /** SHA-1 of the leaf certificate presented, uppercase hex, or null when none was seen. */
  sha1: string | null;
}

/** The same handshake made with and without SNI: tells hostnameport from ipport bindings apart. */
export interface SniComparison {
  withSni: SniAttempt;
  withoutSni: SniAttempt;
}

export interface Finding {
  cause: string;
  severity: Severity;
  summary: string;
  evidence: Record<string, unknown>;
  remediation: string[];
}

export interface ProbeReport {
  schemaVersion: 1;
  tool: { name: 'sstp-probe'; version: string };
  ok: boolean;
  target: Target;
  startedAt: string;
  durationMs: number;
  /** Addresses DNS returned (or the literal). */
  resolved: AddressInfo[];
  /** The address the main path connected to, or null. */
  connectedAddress: string | null;
  /** Per-address results when several addresses were probed, else empty. */
  addresses: AddressResult[];
  proxy: ProxyInfo | null;
  steps: StepResult[];
  tls: TlsInfo | null;
  certificate: CertificateInfo | null;
  http: HttpInfo | null;
  sstp: SstpInfo | null;
  ppp: PppInfo | null;
  auth: AuthInfo | null;
  /** Revocation check of the server certificate; absent or null when not run. */
  revocation?: RevocationInfo | null;
  /** Handshakes with and without SNI; absent or null when not run. */
  sniComparison?: SniComparison | null;
  findings: Finding[];
}

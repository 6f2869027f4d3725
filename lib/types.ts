// The report contract. Everything a probe learns ends up in one ProbeReport whose shape never varies:
// a step that did not run is present with status "skip", a section that was not reached is null.
// Field names here are public API (schema/report.schema.json documents them): add, never rename.

import type { CLIENT_HANDSHAKE_CODES, NOT_RUN_CODES, STEP_CODE_TABLES } from './step-codes.js';
import type { ProxyTunnelCode } from './proxy/connect.js';

export const STEP_NAMES = ['dns', 'tcp', 'proxy', 'tls', 'http', 'sstp', 'ppp', 'auth'] as const;
export type StepName = (typeof STEP_NAMES)[number];

export const STEP_STATUSES = ['pass', 'fail', 'warn', 'skip'] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

export const SEVERITIES = ['error', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** The codes one step can end with (lib/step-codes.ts has each with its meaning). */
export type StepCodeOf<N extends StepName> =
  | (N extends keyof typeof STEP_CODE_TABLES ? keyof (typeof STEP_CODE_TABLES)[N] : ProxyTunnelCode | 'cancelled')
  | keyof typeof NOT_RUN_CODES;

/** One network hop. `code` is stable and machine-readable, from the step's own table; `detail` is for humans. */
export interface StepResultOf<N extends StepName> {
  name: N;
  status: StepStatus;
  durationMs: number;
  code: StepCodeOf<N>;
  detail: string | null;
}

/** A step result, discriminated by `name`: `step.name === 'tls'` narrows `code` to the TLS codes. */
export type StepResult = { [N in StepName]: StepResultOf<N> }[StepName];
export type StepCode = StepResult['code'];

export interface Target {
  host: string;
  port: number;
  /**
   * `http` for a plain-HTTP SSTP listener (an offloaded RRAS behind a balancer, `http://host[:port]`): no TLS.
   * Absent means https, as in reports from before 0.3.
   */
  scheme?: 'http';
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
  /** Set when the handshake failed: the tls step's code (lib/step-codes.ts TLS_CODES), null when it did not fail. */
  failure: TlsFailure | null;
  /** The failure in words, for people (rules read `failure` and `alert`, never this). */
  failureDetail: string | null;
  /** The TLS alert the server sent, as OpenSSL names it ("handshake failure", "protocol version"), or null. */
  alert?: string | null;
}

export type TlsFailure = Exclude<StepCodeOf<'tls'>, 'established' | 'skipped' | 'not-applicable'>;

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

export const SSTP_RESULTS = ['ack', 'nak', 'abort', 'timeout', 'cancelled', 'closed', 'invalid'] as const;
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
  /** First line the proxy sent (escaped, even when it is not HTTP), or null when it sent nothing. */
  statusLine: string | null;
  status: number | null;
  /** "1.0" or "1.1" from the status line, or null. */
  httpVersion: string | null;
  /** Schemes offered in Proxy-Authenticate (or WWW-Authenticate on a 401). */
  authSchemes: string[];
  /** Selected response headers, lowercase names: proxy-authenticate, www-authenticate, server, via, proxy-agent, connection. */
  headers: Record<string, string>;
  /** CONNECT requests sent: 2 when a 407 was answered with Basic, 3 with NTLM (all on one connection when the proxy keeps it). */
  attempts: number;
  /** Credentials sent: none, Basic, NTLMv2, or NTLMv2 messages under the Negotiate scheme. */
  authSent: 'none' | 'basic' | 'ntlm' | 'negotiate-ntlm';
  /** Whether the connection to the proxy itself was made (tells "unreachable" from "silent"). */
  proxyConnected: boolean;
}

/** How administrators and Windows dialogs name each PPP authentication protocol. */
export const AUTH_PROTOCOL_NAMES = {
  eap: 'EAP',
  mschapv2: 'MS-CHAPv2',
  mschap: 'MS-CHAP',
  'chap-md5': 'CHAP (MD5)',
  pap: 'PAP',
} as const;

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

/**
 * What one CRL / OCSP location said: good, revoked or unknown when it answered usefully, else why not
 * (the checker's download and validation outcomes; docs/certificates.md explains each).
 */
export const REVOCATION_SOURCE_OUTCOMES = [
  'good',
  'revoked',
  'unknown',
  'http-status',
  'timeout',
  'refused',
  'dns',
  'reset',
  'too-large',
  'unsupported-scheme',
  'aborted',
  'error',
  'parse-error',
  'invalid',
  'no-issuer',
] as const;
export type RevocationSourceOutcome = (typeof REVOCATION_SOURCE_OUTCOMES)[number];

export const REVOCATION_SOURCE_KINDS = {
  crl: 'a complete CRL from a CRL distribution point',
  'delta-crl': 'a delta CRL (Freshest CRL), read on top of the complete CRL at baseUrl',
  ocsp: 'an OCSP responder from the AIA extension',
} as const;
export type RevocationSourceKind = keyof typeof REVOCATION_SOURCE_KINDS;

/** One place the revocation status of the server certificate can be learned from (CDP, Freshest CRL or AIA OCSP). */
export interface RevocationSource {
  url: string;
  kind: RevocationSourceKind;
  /** A delta CRL: the complete CRL it was read with. */
  baseUrl?: string;
  outcome: RevocationSourceOutcome;
  detail: string | null;
  /** Subject of the certificate this source was asked about (the leaf or an intermediate). */
  certificate?: string;
  httpStatus?: number | null;
  durationMs?: number;
  /** A CRL that was read: its nextUpdate (ISO), after which clients stop accepting it; null when it has none. */
  nextUpdate?: string | null;
}

export const REVOCATION_VERDICTS = ['good', 'revoked', 'unreachable', 'no-sources', 'not-checked'] as const;
export type RevocationVerdictName = (typeof REVOCATION_VERDICTS)[number];

/** Revocation judgement of the server certificate, as a Windows client would need to make it. */
export interface RevocationInfo {
  verdict: RevocationVerdictName;
  sources: RevocationSource[];
  /** The first revoked certificate found, with the source that said so. */
  revoked?: { certificate: string; serialNumber: string; revokedAt: string | null; url: string } | null;
  /** Why the check was not made (not-checked), e.g. "turned off (--no-revocation)". */
  detail?: string | null;
}

// ---- certificate checks: the judgement of the chain as evidence (lib/cert/judge.ts makes it) ----

export const TRUST_VERDICTS = ['trusted', 'self-signed', 'untrusted-root', 'missing-intermediate', 'bad-signature', 'issuer-not-ca'] as const;
export type TrustVerdict = (typeof TRUST_VERDICTS)[number];

export const VALIDITY_VERDICTS = ['valid', 'expiring-soon', 'expired', 'not-yet-valid'] as const;
export type ValidityVerdict = (typeof VALIDITY_VERDICTS)[number];

export const EKU_VERDICTS = ['server-auth', 'any-purpose', 'no-eku', 'wrong-purpose'] as const;
export type EkuVerdict = (typeof EKU_VERDICTS)[number];

/** Where a certificate on the built path came from. */
export type PathSource = 'sent' | 'fetched' | 'trust-store';

export interface PathCertificate extends ChainCertificate {
  serialNumber: string;
  source: PathSource;
  /** Index in the chain as sent, or null for certificates that came from elsewhere. */
  sentIndex: number | null;
}

export interface ChainJudgement {
  /** As the server sent it, leaf first. */
  sent: ChainCertificate[];
  /** The path built from the leaf upwards, as far as it goes. */
  path: PathCertificate[];
  /** The path reached a root using only what the server sent plus the trust store. */
  complete: boolean;
  /** Issuer name of the last certificate reached when the path stops short, else null. */
  missingIssuer: string | null;
  /** Where that missing issuer can be downloaded (AIA caIssuers of the last certificate reached). */
  caIssuersUrls: string[];
  /** The server sent certificates in an order other than leaf, its issuer, that issuer's issuer... */
  outOfOrder: boolean;
  /** Subjects of sent certificates that are not on the path. */
  unused: string[];
  /** The server sent a self-signed root too (harmless, but wasted bytes). */
  rootSent: boolean;
  /** Sent certificates that could not be decoded (index in the chain as sent). */
  unreadable: number[];
}

export interface TrustJudgement {
  verdict: TrustVerdict;
  trusted: boolean;
  /** The root the path ends in, when it ends in one. */
  anchor: { subject: string; sha256: string; inTrustStore: boolean } | null;
  windowsCode: string | null;
  /** For bad-signature / issuer-not-ca: the certificate at fault. */
  offending: string | null;
}

export interface NameJudgement {
  host: string;
  hostType: 'dns' | 'ip';
  matches: boolean;
  matchedBy: 'san-dns' | 'san-ip' | 'cn' | null;
  matchedName: string | null;
  /** Names the check compared against (SAN entries of the host's type, or CN when there is no SAN). */
  candidates: string[];
  /** The CN would have matched, but a SAN extension is present so the CN is not consulted. */
  commonNameIgnored: boolean;
  windowsCode: string | null;
}

export interface ValidityProblem {
  subject: string;
  verdict: 'expired' | 'not-yet-valid';
  notBefore: string;
  notAfter: string;
}

export interface ValidityJudgement {
  verdict: ValidityVerdict;
  notBefore: string;
  notAfter: string;
  /** Whole days until notAfter, rounded toward zero (negative once expired by a day or more). */
  daysRemaining: number;
  /** Intermediates (sent or fetched) outside their validity period. */
  chainProblems: ValidityProblem[];
  windowsCode: string | null;
}

export interface EkuJudgement {
  verdict: EkuVerdict;
  ok: boolean;
  /** The leaf's EKU OIDs (empty when it has no EKU extension). */
  oids: string[];
  names: string[];
  /** A CA on the path whose own EKU extension excludes server authentication, else null. */
  restrictedBy: string | null;
  windowsCode: string | null;
}

export interface KeyJudgement {
  type: string | null;
  bits: number | null;
  curve: string | null;
  weak: boolean;
}

export interface SignatureJudgement {
  algorithm: string;
  /** Certificates whose signature uses SHA-1 or MD5 (the self-signature of a root is not counted). */
  weak: Array<{ subject: string; algorithm: string; hash: string }>;
}

/** One download of a missing issuer from an AIA caIssuers location. */
export interface IssuerFetchAttempt {
  url: string;
  /** ok, or the download / decoding failure (same words as RevocationSource.outcome). */
  outcome: string;
  httpStatus: number | null;
  detail: string | null;
  durationMs: number;
}

/** Which trust anchors the judgement used: what a client with the same stores would trust. */
export interface TrustAnchorsInfo {
  /** Node's bundled roots (tls.rootCertificates). */
  bundled: number;
  /** CA certificates given with --ca / trustedCaPems. */
  extra: number;
  /**
   * The platform store (--ca-system): the OS store itself (source os-store, Node 22.15+), or on older Node
   * the bundle file read (source bundle-file, path null when none was found); detail says why, when it matters.
   */
  system: { source: 'os-store' | 'bundle-file'; path: string | null; certificates: number; detail: string | null } | null;
  /** The file NODE_EXTRA_CA_CERTS names, when set. */
  nodeExtraCaCerts: { path: string; certificates: number; detail: string | null } | null;
}

/** The verdicts of one certificate judgement, as the judge returns them and as the report carries them. */
export interface CertificateVerdicts {
  /**
   * Trusted chain, right name, leaf and intermediates within their validity, usable EKU: what a client
   * checks before it sends credentials. Revocation is not part of it (it needs the network).
   */
  acceptable: boolean;
  chain: ChainJudgement;
  trust: TrustJudgement;
  name: NameJudgement;
  validity: ValidityJudgement;
  eku: EkuJudgement;
  key: KeyJudgement;
  signature: SignatureJudgement;
}

/** The certificate judgement in the report: evidence only; the diagnosis turns it into findings. */
export interface CertificateChecks extends CertificateVerdicts {
  /** The name the certificate was judged for: the SNI sent, else the host dialled. */
  host: string;
  judgedAt: string;
  /** Where revocation can be checked, per certificate below the root (leaf first). */
  revocationSources: {
    /** freshestCrlUrls: the delta CRL locations the certificate names (RFC 5280 §4.2.1.15). */
    certificates: Array<{ subject: string; serialNumber: string; crlUrls: string[]; freshestCrlUrls?: string[]; ocspUrls: string[] }>;
    /** The leaf names at least one HTTP CRL or OCSP location. */
    leafHasSources: boolean;
  };
  /** Downloads of a missing issuer (AIA), or null when the chain did not need one or none was tried. */
  issuerFetch: IssuerFetchAttempt[] | null;
  trustAnchors: TrustAnchorsInfo;
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

/** One of several independent connections to one address (fresh TCP and TLS), compacted. */
export interface ConnectionResult {
  address: string;
  /** 0 is the address's main connection (the one that ran PPP); then 1, 2, ... */
  index: number;
  /** SHA-256 of the leaf certificate presented (uppercase hex), or null when none was seen. */
  certificateSha256: string | null;
  /** Negotiated TLS version (TLSv1.3, ...), or null (no handshake, or plain HTTP). */
  tlsVersion: string | null;
  httpStatus: number | null;
  /** The Server header of the HTTP answer. */
  server: string | null;
  sstpResult: SstpResult | null;
  /** How long each step took, in ms (null when it did not run). */
  timings: { tcp: number | null; tls: number | null; http: number | null; sstp: number | null };
  /** The step that failed (up to the SSTP handshake), or null when the connection reached the Ack. */
  failedStep: StepName | null;
  /** That step's code, or null. */
  code: string | null;
}

// ---- client profiles: would each SSTP client connect (lib/clients/) ----

export const CLIENT_VERDICTS = ['connects', 'fails', 'unknown'] as const;
export type ClientVerdict = (typeof CLIENT_VERDICTS)[number];

export type ClientHandshakeCode = keyof typeof CLIENT_HANDSHAKE_CODES;

/** The TLS evidence for one client profile: the main handshake, or one restricted to the profile. */
export interface ClientHandshake {
  /** main: the probe's own handshake already used a version and suite this client offers; own: a handshake of its own. */
  basis: 'main' | 'own';
  code: ClientHandshakeCode;
  protocol: string | null;
  cipher: string | null;
  /** The TLS alert the server sent, as OpenSSL names it, or null. */
  alert: string | null;
  detail: string | null;
  durationMs: number;
}

/**
 * Why a client fails. Client-specific kinds (no-common-version, no-common-cipher, tls-alert, chain-needs-aia,
 * any-eku-refused) raise `client-incompatible`; the others are server-wide problems with their own cause.
 */
export const CLIENT_REASON_KINDS = [
  'no-common-version',
  'no-common-cipher',
  'tls-alert',
  'chain-needs-aia',
  'any-eku-refused',
  'server-unreachable',
  'tls-failed',
  'certificate',
  'revocation',
  'sstp-failed',
] as const;
export type ClientReasonKind = (typeof CLIENT_REASON_KINDS)[number];

export interface ClientReason {
  kind: ClientReasonKind;
  /** True when the client fails where another client would not (the `client-incompatible` kinds). */
  clientSpecific: boolean;
  /** The cause that names a server-wide reason (cert-untrusted, tls-handshake-failed...), or null. */
  cause: string | null;
  /** The reason in words, for people. */
  words: string;
}

/** One SSTP client's verdict on this server. */
export interface ClientResult {
  /** The profile id (windows-11, windows-10, sstpc). */
  client: string;
  label: string;
  verdict: ClientVerdict;
  /** Cause ids that explain a `fails` (client-incompatible and / or the server-wide causes). */
  causes: string[];
  /** One line: why it connects, fails or cannot be told. */
  detail: string;
  /** The administrator has this client (--clients); failures of unselected profiles are only warnings. */
  selected: boolean;
  windows: boolean;
  handshake: ClientHandshake | null;
  reasons: ClientReason[];
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
  /**
   * The caller cancelled the probe (AbortSignal, Ctrl-C) before it finished: the step in flight reads
   * `cancelled`, later steps are skipped, and no cause is drawn from what was not seen. Absent in reports
   * from before 0.2 (read it as false).
   */
  cancelled?: boolean;
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
  /** The certificate judgement (chain, trust, name, validity, EKU, key); absent or null without a certificate. */
  certificateChecks?: CertificateChecks | null;
  /** Handshakes with and without SNI; absent or null when not run. */
  sniComparison?: SniComparison | null;
  /**
   * Every connection made to each address when more than one was asked for (`connections` > 1), up to the SSTP
   * Ack; empty otherwise. Absent in reports from before 0.3.
   */
  connections?: ConnectionResult[];
  /** One verdict per SSTP client profile (lib/clients/profiles.ts); absent in reports from before 0.3. */
  clients?: ClientResult[];
  findings: Finding[];
}

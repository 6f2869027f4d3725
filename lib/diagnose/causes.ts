// The cause catalogue: every reason the probe can give for an SSTP connection failing, with the
// evidence that triggers it and where Microsoft's "Event ID 8 — RRAS Secure Socket Tunneling Protocol"
// page (Diagnose / Resolve) deals with it. The keys are public, stable IDs: renaming one is a breaking
// change for everyone who scripts against `findings[].cause`. docs/causes.md has one section per key.

import type { Finding, Severity } from '../types.js';

export const CAUSE_CATEGORIES = [
  'network',
  'proxy',
  'tls',
  'certificate',
  'binding',
  'http',
  'sstp',
  'ppp',
  'auth',
  'addresses',
  'probe',
] as const;
export type CauseCategory = (typeof CAUSE_CATEGORIES)[number];

export interface CauseSpec {
  category: CauseCategory;
  /** One line: what is wrong. */
  meaning: string;
  /** Which report evidence raises it. */
  evidence: string;
  /** Section of the Event 8 page it belongs to, or null when the page does not cover that stage. */
  pageSection: string | null;
  severity: Severity;
  /** What a Windows SSTP client shows for it, when known. */
  windowsError: string | null;
}

const PAGE_NETWORK = 'Diagnose: network connectivity issues or certificate configuration failures → Resolve: Fix the network connectivity or certificate issue';
const PAGE_CERT = 'Resolve: Configure the server with an SSTP certificate (and Configure the certificate manually)';
const PAGE_STATUS = 'Diagnose: the proxy or the SSTP server has failed the HTTP response → Resolve: Check the HTTP status code';

export const CAUSES = {
  // --- network ---
  'dns-resolution-failed': {
    category: 'network',
    meaning: 'The VPN server name does not resolve to an address.',
    evidence: 'dns step failed (codes not-found, timeout, error).',
    pageSection: `${PAGE_NETWORK} (ping by FQDN fails, by IP works)`,
    severity: 'error',
    windowsError: '868 (the name of the remote access server did not resolve)',
  },
  'tcp-refused': {
    category: 'network',
    meaning: 'Nothing accepts TCP connections on the SSTP port: RRAS / HTTP.SYS is not listening there, or another device answers with a reset.',
    evidence: 'tcp step failed with code refused (no proxy in use).',
    pageSection: PAGE_NETWORK,
    severity: 'error',
    windowsError: '0x800704C9 (ERROR_CONNECTION_REFUSED, 1225)',
  },
  'tcp-timeout': {
    category: 'network',
    meaning: 'TCP connections to the SSTP port get no answer: a firewall, IPsec policy or missing NAT rule drops them.',
    evidence: 'tcp step failed with code timeout (no proxy in use).',
    pageSection: `${PAGE_NETWORK} (firewall and IPsec checks)`,
    severity: 'error',
    windowsError: '809 (ERROR_VPN_TIMEOUT)',
  },
  'tcp-unreachable': {
    category: 'network',
    meaning: 'The network reports the server address as unreachable (no route), or the connection failed for another network reason.',
    evidence: 'tcp step failed with code unreachable or error (no proxy in use).',
    pageSection: `${PAGE_NETWORK} (ipconfig, default gateway, routing)`,
    severity: 'error',
    windowsError: '809 (ERROR_VPN_TIMEOUT)',
  },
  // --- proxy ---
  'proxy-unreachable': {
    category: 'proxy',
    meaning: 'The configured HTTP proxy cannot be reached.',
    evidence: 'a proxy is in use and the tcp step failed, or the proxy step failed with proxy-unreachable / proxy-timeout.',
    pageSection: PAGE_NETWORK,
    severity: 'error',
    windowsError: '809 (ERROR_VPN_TIMEOUT)',
  },
  'proxy-auth-required': {
    category: 'proxy',
    meaning: 'The proxy demands authentication (407): the only HTTP status a Windows SSTP client reacts to, shown as "Access Denied".',
    evidence: 'proxy step code auth-required (no credentials sent, or no scheme sstp-probe can answer), auth-rejected without credentials sent, or a 407 status from the proxy or on the HTTP exchange.',
    pageSection: `${PAGE_STATUS} (HTTP_STATUS_PROXY_AUTH_REQ)`,
    severity: 'error',
    windowsError: 'Access Denied (HTTP 407 Proxy Authentication Required)',
  },
  'proxy-auth-rejected': {
    category: 'proxy',
    meaning: 'The proxy refused the credentials sent to it (Basic, NTLMv2, or NTLMv2 inside Negotiate).',
    evidence: 'proxy step code auth-rejected with ProxyInfo.authSent basic, ntlm or negotiate-ntlm: 407 again after the credentials, or 401.',
    pageSection: `${PAGE_STATUS} (HTTP_STATUS_PROXY_AUTH_REQ)`,
    severity: 'error',
    windowsError: 'Access Denied (HTTP 407 Proxy Authentication Required)',
  },
  'proxy-rejected': {
    category: 'proxy',
    meaning: 'The proxy refused or failed the CONNECT to the SSTP server.',
    evidence: 'proxy step code rejected, bad-response or closed; the proxy status line.',
    pageSection: `${PAGE_STATUS} (the Web proxy is rejecting the connection)`,
    severity: 'error',
    windowsError: null,
  },
  // --- TLS ---
  'tls-handshake-failed': {
    category: 'tls',
    meaning: 'The TLS handshake failed: typically no certificate bound in HTTP.SYS for that IP:port or host name, or no common protocol version / cipher suite.',
    evidence: 'tls step failed (reset, alert, closed, timeout, error) and tls.failure / tls.failureDetail.',
    pageSection: `${PAGE_NETWORK}; Resolve: Configure the certificate manually (netsh http add sslcert)`,
    severity: 'error',
    windowsError: '0x80072746 (WSAECONNRESET)',
  },
  'client-incompatible': {
    category: 'tls',
    meaning: 'A group of the SSTP clients the administrator named cannot connect while the server itself works: no TLS version or cipher suite in common with them, or a certificate they judge differently (no AIA download, Any Purpose EKU refused).',
    evidence: 'report.clients: a profile with verdict fails for a client-specific reason (reasons[].clientSpecific); evidence.clients, evidence.reason and each client\'s handshake (alert, protocol, cipher).',
    pageSection: `${PAGE_NETWORK} (TLS versions and cipher suites of the SSTP listener)`,
    severity: 'error',
    windowsError: '0x80090326 (SEC_E_ILLEGAL_MESSAGE) or 0x80090331 (SEC_E_ALGORITHM_MISMATCH) for TLS; 0x800B010A for the chain',
  },
  // --- certificate ---
  'cert-untrusted': {
    category: 'certificate',
    meaning: 'The server certificate does not chain to a root the client trusts (self-signed, private CA, missing intermediate that cannot be downloaded, or a broken chain).',
    evidence: 'certificateChecks.trust.verdict is self-signed, untrusted-root, missing-intermediate, bad-signature or issuer-not-ca (evidence.trustVerdict, windowsCode, chainAsSent, missingIssuer, caIssuersUrls, aiaAttempts); without a judgement, certificate.chainTrusted is false or Node reported an untrusted-chain code in tls.authorizationError.',
    pageSection: PAGE_CERT,
    severity: 'error',
    windowsError: '0x800B0109 (CERT_E_UNTRUSTEDROOT)',
  },
  'cert-expired': {
    category: 'certificate',
    meaning: 'The server certificate (or one in its chain) is outside its validity period: expired or not yet valid.',
    evidence: 'certificate.notAfter before now, or notBefore after now (evidence.validity expired / not-yet-valid), or a CA the server sent or that was downloaded is outside its period (evidence.chainProblems).',
    pageSection: PAGE_CERT,
    severity: 'error',
    windowsError: '0x800B0101 (CERT_E_EXPIRED)',
  },
  'cert-expiring-soon': {
    category: 'certificate',
    meaning: 'The server certificate expires soon; clients will start failing on that date.',
    evidence: 'certificate.notAfter within the warning window (30 days by default); evidence.daysLeft.',
    pageSection: PAGE_CERT,
    severity: 'warning',
    windowsError: null,
  },
  'cert-name-mismatch': {
    category: 'certificate',
    meaning: 'The certificate does not name the host the clients dial (e.g. dialing by IP address, or a certificate for another name).',
    evidence: 'certificateChecks.name.matches is false for the name dialled (SNI, else the target host); evidence.candidates and commonNameIgnored. Without a judgement: certificate.nameMatches is false, or tls.authorizationError is a host-name error.',
    pageSection: PAGE_CERT,
    severity: 'error',
    windowsError: '0x800B010F (CERT_E_CN_NO_MATCH)',
  },
  'cert-eku-invalid': {
    category: 'certificate',
    meaning: 'The certificate carries an Enhanced Key Usage without Server Authentication or Any Purpose.',
    evidence: 'certificateChecks.eku.verdict is wrong-purpose: the leaf EKU lacks 1.3.6.1.5.5.7.3.1 and 2.5.29.37.0, or a CA on the path restricts it (evidence.restrictedBy).',
    pageSection: PAGE_CERT,
    severity: 'error',
    windowsError: '0x800B0110 (CERT_E_WRONG_USAGE)',
  },
  'cert-revocation-unreachable': {
    category: 'certificate',
    meaning: 'The client cannot complete the revocation check: the CRL / OCSP locations are unreachable, or the certificate names none.',
    evidence: 'revocation.verdict is unreachable (evidence.reason unreachable, every source with its outcome), or the leaf names no HTTP CRL / OCSP location (evidence.reason no-sources, 0x80092012).',
    pageSection: PAGE_CERT,
    severity: 'error',
    windowsError: '0x80092013 (CRYPT_E_REVOCATION_OFFLINE) or 0x80092012 (CRYPT_E_NO_REVOCATION_CHECK)',
  },
  'cert-revoked': {
    category: 'certificate',
    meaning: 'The certificate authority has revoked the server certificate.',
    evidence: 'revocation.verdict is revoked: evidence.certificate, serialNumber, revokedAt and the url that lists it.',
    pageSection: PAGE_CERT,
    severity: 'error',
    windowsError: '0x80092010 (CRYPT_E_REVOKED)',
  },
  'cert-chain-incomplete': {
    category: 'certificate',
    meaning: 'The server does not send its intermediate CA certificate; it could be downloaded from the AIA location, so clients that reach that URL still connect and the others fail.',
    evidence: 'certificateChecks.chain.path holds a certificate with source fetched (evidence.missingIssuer, caIssuersUrls).',
    pageSection: PAGE_CERT,
    severity: 'warning',
    windowsError: '0x800B010A (CERT_E_CHAINING) on clients that cannot reach the AIA location',
  },
  'cert-eku-any-purpose': {
    category: 'certificate',
    meaning: 'The certificate allows server authentication only through the Any Purpose EKU: Windows accepts it, OpenSSL-based SSTP clients do not.',
    evidence: 'certificateChecks.eku.verdict is any-purpose.',
    pageSection: PAGE_CERT,
    severity: 'info',
    windowsError: null,
  },
  'cert-weak-key': {
    category: 'certificate',
    meaning: 'The server certificate has an RSA key shorter than 2048 bits.',
    evidence: 'certificateChecks.key.weak (evidence.keyBits).',
    pageSection: PAGE_CERT,
    severity: 'warning',
    windowsError: null,
  },
  'cert-weak-signature': {
    category: 'certificate',
    meaning: 'The server certificate or a CA below the root is signed with SHA-1 (a warning) or MD5 / MD2 (an error: clients refuse it).',
    evidence: 'certificateChecks.signature.weak (evidence.certificates, each with its hash).',
    pageSection: PAGE_CERT,
    severity: 'warning',
    windowsError: null,
  },
  'cert-hash-mismatch': {
    category: 'certificate',
    meaning: 'The certificate presented is not the one the server expects (reverse proxy or load balancer terminating TLS, certificate renewed without re-binding, or TLS inspection).',
    evidence: 'certificate.sha1 / sha256 differ from --expect-sha1 / --expect-sha256 or from the netsh http show sslcert binding for this endpoint.',
    pageSection: 'Resolve: Configure the server with acceptable hash certificate by the Reverse Web Proxy server',
    severity: 'error',
    windowsError: 'RasSstp Event 6 on the server (crypto binding fails after authentication)',
  },
  // --- HTTP.SYS bindings ---
  'binding-ipv6-missing': {
    category: 'binding',
    meaning: 'HTTP.SYS has the IPv4 wildcard binding (0.0.0.0:port) but no IPv6 twin ([::]:port).',
    evidence: 'the netsh http show sslcert output given lists 0.0.0.0:port and no [::]:port.',
    pageSection: 'Resolve: Configure the server with an SSTP certificate (bind both 0.0.0.0 and [::])',
    severity: 'info',
    windowsError: '0x80072746 (WSAECONNRESET) for clients reaching the IPv6 address',
  },
  'binding-not-applicable': {
    category: 'binding',
    meaning: 'The netsh http show sslcert file given has no binding HTTP.SYS would use for this endpoint, so it says nothing about the certificate served.',
    evidence: 'the --netsh-sslcert file: no hostnameport binding for the SNI name, no ipport binding for the address or its wildcard on the port.',
    pageSection: null,
    severity: 'info',
    windowsError: null,
  },
  'sni-binding-inconsistent': {
    category: 'binding',
    meaning: 'The server answers differently with and without SNI: a host-name (hostnameport) binding and the IP (ipport) bindings disagree or one is missing.',
    evidence: 'sniComparison: one handshake fails, or both succeed with different certificates.',
    pageSection: 'Resolve: Configure the certificate manually (netsh http add sslcert)',
    severity: 'warning',
    windowsError: null,
  },
  // --- HTTP ---
  'http-no-response': {
    category: 'http',
    meaning: 'The operation to receive the HTTP response failed: the server timed out, reset or closed after SSTP_DUPLEX_POST.',
    evidence: 'http step codes timeout, partial, closed, reset.',
    pageSection: 'Diagnose: the operation to receive the HTTP response has failed',
    severity: 'error',
    windowsError: null,
  },
  'http-version': {
    category: 'http',
    meaning: 'The response is not HTTP/1.1, which SSTP requires.',
    evidence: 'http step code version, or http.version other than HTTP/1.1.',
    pageSection: 'Resolve: Configure the remote access server to support HTTP version 1.1',
    severity: 'error',
    windowsError: null,
  },
  'http-url-not-registered': {
    category: 'http',
    meaning: 'The SSTP URL answers 404: SSTPSVC has not registered /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ (URL ACL, RRAS not configured for SSTP), or another web server answers the port.',
    evidence: 'http.status 404.',
    pageSection: 'Diagnose: the URL should be configured to allow SSTPSVC → Resolve: Set permissions for the specified URL for SSTPSVC',
    severity: 'error',
    windowsError: '0x800704C9 (ERROR_CONNECTION_REFUSED)',
  },
  'http-service-unavailable': {
    category: 'http',
    meaning: 'HTTP.SYS answers 503: the SSTP service is not serving the URL (stopped, failed to initialise its HTTP layer, or no free SSTP ports).',
    evidence: 'http.status 503.',
    pageSection: 'Diagnose: the HTTP layer could not be initialized / ConfigStore damaged → Resolve: Check the HTTP status code',
    severity: 'error',
    windowsError: '0x800704C9 (ERROR_CONNECTION_REFUSED)',
  },
  'http-not-sstp': {
    category: 'http',
    meaning: 'Whatever answers does not speak SSTP: it rejects the SSTP_DUPLEX_POST method (400/405/501), or answers 200 without the 2^64-1 Content-Length, or does not speak HTTP.',
    evidence: 'http.status 400, 405 or 501; code bad-content-length; code malformed.',
    pageSection: PAGE_STATUS,
    severity: 'error',
    windowsError: null,
  },
  'http-status': {
    category: 'http',
    meaning: 'The server or a device in front of it answered SSTP_DUPLEX_POST with an unexpected HTTP status.',
    evidence: 'http.status other than 200, 404, 503, 400, 405, 501, 407.',
    pageSection: PAGE_STATUS,
    severity: 'error',
    windowsError: null,
  },
  'offload-listener': {
    category: 'http',
    meaning: 'A plain-HTTP (http://) target, the offloaded RRAS a TLS-terminating balancer talks to, does not serve SSTP: RRAS still listens for HTTPS only (UseHttps not 0), or on another port, or is not running.',
    evidence: 'target.scheme http and http.status 404, or the http step codes timeout, partial, closed, reset.',
    pageSection: null,
    severity: 'error',
    windowsError: null,
  },
  // --- SSTP and PPP ---
  'sstp-negotiation-failed': {
    category: 'sstp',
    meaning: 'The HTTP layer was established but the SSTP control handshake failed: Call Connect NAK, Abort, no Ack, or an invalid reply.',
    evidence: 'sstp.result nak, abort, timeout, closed, invalid; or an Ack offering no crypto binding hash.',
    pageSection: 'Diagnose: error during the establishment of the SSTP session (FSM parameter negotiation)',
    severity: 'error',
    windowsError: null,
  },
  'ppp-negotiation-failed': {
    category: 'ppp',
    meaning: 'PPP link negotiation (LCP) inside the tunnel failed or the server ended it.',
    evidence: 'ppp step failed; ppp.terminated.',
    pageSection: null,
    severity: 'error',
    windowsError: '734 (ERROR_PPP_LCP_TERMINATED)',
  },
  'ppp-auth-offered': {
    category: 'ppp',
    meaning: 'The authentication protocol the server asks for: a client configured for another method only is refused.',
    evidence: 'ppp.authProtocols (from the server\'s LCP Configure-Request and any renegotiation).',
    pageSection: null,
    severity: 'info',
    windowsError: '812 (ERROR_SERVER_POLICY) for a client that does not allow this method',
  },
  // --- with credentials ---
  'auth-failed': {
    category: 'auth',
    meaning: 'PPP authentication failed: bad credentials, account restrictions, or the method is not allowed by policy.',
    evidence: 'auth.result failure, refused, timeout or error; auth.errorCode.',
    pageSection: null,
    severity: 'error',
    windowsError: '691 (ERROR_AUTHENTICATION_FAILURE), 812 (ERROR_SERVER_POLICY) or the server\'s E= code',
  },
  'crypto-binding-rejected': {
    category: 'auth',
    meaning: 'The server rejected the SSTP crypto binding: the certificate hash the client saw is not the one the server holds (TLS offload, TLS inspection).',
    evidence: 'auth.cryptoBinding.result is rejected.',
    pageSection: 'Resolve: Configure the server with acceptable hash certificate by the Reverse Web Proxy server',
    severity: 'error',
    windowsError: 'RasSstp Event 6 ("security check failure") on the server',
  },
  // --- many addresses ---
  'address-inconsistent': {
    category: 'addresses',
    meaning: 'The addresses the name resolves to do not behave alike: some fail, or they present different certificates.',
    evidence: 'report.addresses: mixed ok / failing entries, or different sha256 on working ones.',
    pageSection: PAGE_NETWORK,
    severity: 'error',
    windowsError: null,
  },
  'backend-inconsistent': {
    category: 'addresses',
    meaning: 'Connections to the same address reach servers that do not behave alike: a load balancer spreads clients over pool members with different certificates, or one member fails.',
    evidence: 'report.connections (--connections n > 1): per address, connections differing in certificate SHA-256, HTTP status class, SSTP result, or success vs failure.',
    pageSection: PAGE_NETWORK,
    severity: 'error',
    windowsError: null,
  },
  // --- the probe itself ---
  'probe-cancelled': {
    category: 'probe',
    meaning: 'The probe was cancelled before it finished: what was not seen says nothing about the server.',
    evidence: 'report.cancelled is true; the step in flight has code cancelled.',
    pageSection: null,
    severity: 'info',
    windowsError: null,
  },
} as const satisfies Record<string, CauseSpec>;

export type CauseId = keyof typeof CAUSES;

export const CAUSE_IDS = Object.keys(CAUSES) as CauseId[];

export function isCauseId(value: string): value is CauseId {
  return Object.hasOwn(CAUSES, value);
}

/** The catalogue entry for an ID, or a readable UNKNOWN(...) entry for one off the table (e.g. a newer report). */
export function causeSpec(id: string): CauseSpec & { id: string } {
  if (isCauseId(id)) return { id, ...CAUSES[id] };
  return {
    id: `UNKNOWN(${id})`,
    category: 'network',
    meaning: 'A cause this version does not know.',
    evidence: '',
    pageSection: null,
    severity: 'info',
    windowsError: null,
  };
}

/** Builds a finding with the catalogue's default severity unless told otherwise. */
export function makeFinding(
  cause: CauseId,
  summary: string,
  evidence: Record<string, unknown>,
  remediation: string[],
  severity: Severity = CAUSES[cause].severity,
): Finding {
  return { cause, severity, summary, evidence, remediation };
}

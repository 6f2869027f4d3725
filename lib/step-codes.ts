// Every code a step can end with, per step, each with its one-line meaning: the closed vocabulary that
// `StepResult.code` is typed by and that the diagnosis matches on (never the human `detail`). Codes are
// public: the JSON carries them, scripts match on them. docs/causes.md lists them; a test keeps the two
// equal. The proxy step's own codes live beside the hop that produces them (PROXY_TUNNEL_CODES in
// lib/proxy/connect.ts).

/** Every step can be left out: `skipped` after an earlier failure, `not-applicable` when it does not apply. */
export const NOT_RUN_CODES = {
  skipped: 'an earlier step failed or the probe was cancelled, so this one did not run',
  'not-applicable': 'the step does not apply to this probe (no proxy, IP literal, no credentials, --no-ppp, no TLS for an http:// target)',
} as const;

/** Every step that waits can end these two ways (lib/endings.ts). */
export const WAIT_CODES = {
  timeout: 'the step deadline, or what was left of the overall deadline, ran out while waiting',
  cancelled: 'the caller cancelled the probe while this step waited (status skip; no server cause)',
} as const;

export const DNS_CODES = {
  literal: 'the target is an IP address: no lookup',
  resolved: 'the name resolved to one or more addresses',
  'not-found': 'the name has no A or AAAA record',
  error: 'the lookup failed otherwise (the system resolver\'s code is in the detail)',
  ...WAIT_CODES,
} as const;

export const TCP_CODES = {
  connected: 'the TCP connection was made',
  refused: 'the address answered with a TCP RST: nothing listens on the port',
  unreachable: 'no route to the address (host or network unreachable)',
  error: 'the connection failed otherwise (the system\'s code is in the detail)',
  ...WAIT_CODES,
} as const;

export const TLS_CODES = {
  established: 'the TLS handshake completed and a certificate was presented',
  reset: 'the server reset the connection during the handshake (HTTP.SYS with no certificate bound)',
  closed: 'the server closed the connection during the handshake',
  alert: 'the server sent a TLS alert (TlsInfo.alert names it)',
  'not-tls': 'the server answered with something that is not TLS',
  protocol: 'no TLS version or cipher both sides accept',
  'chain-too-large': 'the certificate chain is larger than a client accepts',
  'no-certificate': 'the handshake completed without a server certificate',
  error: 'the handshake failed otherwise',
  ...WAIT_CODES,
} as const;

export const HTTP_CODES = {
  'sstp-ok': 'HTTP/1.1 200 with the SSTP Content-Length: the SSTP listener answered',
  status: 'an HTTP status other than 200',
  version: 'a 200 in an HTTP version other than 1.1',
  'bad-content-length': 'a 200 without the 2^64-1 Content-Length an SSTP server sends (a web server)',
  malformed: 'the reply is not an HTTP response',
  partial: 'part of a response came, then nothing more before the deadline',
  reset: 'the server reset the connection instead of answering',
  closed: 'the server closed the connection without an HTTP response',
  ...WAIT_CODES,
} as const;

export const SSTP_CODES = {
  ack: 'Call Connect Ack with a usable crypto binding hash',
  'ack-no-hash': 'Call Connect Ack offering no hash protocol (a client must abort)',
  nak: 'Call Connect NAK',
  abort: 'Call Abort in answer to Call Connect Request',
  disconnect: 'Call Disconnect in answer to Call Connect Request',
  invalid: 'a reply that is not a valid or expected SSTP control message',
  closed: 'the server closed or reset the connection instead of answering',
  ...WAIT_CODES,
} as const;

export const PPP_CODES = {
  configured: 'the server\'s LCP Configure-Request came (and, with credentials, LCP opened)',
  terminated: 'the server ended LCP',
  'not-converged': 'LCP options did not converge',
  invalid: 'PPP frames or SSTP packets that could not be decoded',
  abort: 'the server aborted the SSTP call during PPP',
  closed: 'the server ended the SSTP call or closed the connection during PPP',
  ...WAIT_CODES,
} as const;

export const AUTH_CODES = {
  accepted: 'the login and the crypto binding were accepted',
  failure: 'the server rejected the login',
  refused: 'the server refused every method we can use',
  'refused-untrusted-certificate': 'credentials were not sent: the certificate failed validation (--insecure sends them)',
  'binding-rejected': 'the login was accepted, then the crypto binding was rejected',
  'binding-not-sent': 'the login was accepted but no crypto binding could be sent',
  abort: 'the server aborted the SSTP call during authentication',
  closed: 'the server ended the SSTP call or closed the connection during authentication',
  invalid: 'undecodable bytes during authentication',
  error: 'authentication failed otherwise',
  ...WAIT_CODES,
} as const;

/**
 * The handshakes made for one client profile beside the main path (lib/clients/handshake.ts): not a step of
 * the path, so not in STEP_CODE_TABLES, but the same rules (bounded, cancellable, evidence not errors).
 */
export const CLIENT_HANDSHAKE_CODES = {
  connected: 'the handshake restricted to the client\'s versions and suites completed',
  'no-common-version': 'the server accepts none of the client\'s TLS versions (protocol_version alert)',
  'no-common-cipher': 'no cipher suite, group or signature algorithm in common (handshake_failure alert)',
  alert: 'the server ended the handshake with another TLS alert',
  'connect-failed': 'the extra TCP connection for the handshake was refused or failed',
  reset: 'the server reset the connection during the handshake',
  closed: 'the server closed the connection during the handshake',
  error: 'the handshake failed otherwise',
  ...WAIT_CODES,
} as const;

/** The tables by step name (the proxy step's are PROXY_TUNNEL_CODES plus `cancelled`). */
export const STEP_CODE_TABLES = {
  dns: DNS_CODES,
  tcp: TCP_CODES,
  tls: TLS_CODES,
  http: HTTP_CODES,
  sstp: SSTP_CODES,
  ppp: PPP_CODES,
  auth: AUTH_CODES,
} as const;

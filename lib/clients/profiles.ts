// The SSTP clients a server is judged for: one entry per client, data only. Each value names where it comes
// from. Cipher suites are OpenSSL names (what Node's `ciphers` / `ciphersuites` options take and what
// `getCipher().name` reports), so a profile can both drive a restricted handshake and recognise a handshake
// the main path already made.

/** TLS versions as Node names them, oldest first. */
export const TLS_VERSIONS = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const;
export type TlsVersionName = (typeof TLS_VERSIONS)[number];

export interface ClientProfile {
  /** What administrators call the client. */
  label: string;
  /** Whether the client is Windows' own SSTP client: its failures are errors for the profiles selected. */
  windows: boolean;
  minVersion: TlsVersionName;
  maxVersion: TlsVersionName;
  /** TLS 1.0-1.2 suites, OpenSSL names, the client's order; appended options (`@SECLEVEL`) allowed. */
  ciphers: string;
  /** TLS 1.3 suites, or null for OpenSSL's default (a client without TLS 1.3 never uses them). */
  ciphersuites: string | null;
  /** Key exchange groups, or null for OpenSSL's default. */
  ecdhCurve: string | null;
  /** Signature algorithms (TLS 1.2+), or null for OpenSSL's default. */
  sigalgs: string | null;
  certificate: {
    /** Downloads a missing intermediate from the leaf's AIA caIssuers URL. */
    fetchesAia: boolean;
    /** Accepts a leaf whose only EKU is anyExtendedKeyUsage (2.5.29.37.0). */
    acceptsAnyEku: boolean;
    /** Refuses a certificate whose revocation status it cannot learn. */
    checksRevocation: boolean;
    /**
     * windows: SAN dNSName / iPAddress, CN only without a SAN (the judgement's name check).
     * not-checked: the client does not compare the name at all (sstpc given a CA, see below).
     */
    names: 'windows' | 'not-checked';
  };
}

// "TLS Cipher Suites in Windows 11 v22H2 and later" (learn.microsoft.com, secauthn): the TLS 1.2 part of the
// default list, in its priority order. Windows 10 v22H2's page lists the same TLS 1.2 suites; there the
// *_CBC_SHA ones are also allowed on TLS 1.0 / 1.1. The NULL and PSK suites further down those pages are
// left out: an SSTP server never picks them for a certificate-authenticated handshake.
const SCHANNEL_TLS12_SUITES = [
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-SHA384',
  'ECDHE-ECDSA-AES128-SHA256',
  'ECDHE-RSA-AES256-SHA384',
  'ECDHE-RSA-AES128-SHA256',
  'ECDHE-ECDSA-AES256-SHA',
  'ECDHE-ECDSA-AES128-SHA',
  'ECDHE-RSA-AES256-SHA',
  'ECDHE-RSA-AES128-SHA',
  'AES256-GCM-SHA384',
  'AES128-GCM-SHA256',
  'AES256-SHA256',
  'AES128-SHA256',
  'AES256-SHA',
  'AES128-SHA',
].join(':');

// Same page, Windows 11 v22H2: TLS_AES_256_GCM_SHA384 then TLS_AES_128_GCM_SHA256 (no ChaCha20 by default).
const SCHANNEL_TLS13_SUITES = 'TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256';

// "Manage Transport Layer Security (TLS)", Configuring TLS ECC Order (learn.microsoft.com): curve25519, NistP256
// and NistP384 are the curves enabled by default since Windows 10 1607 (what `Get-TlsEccCurve` lists).
const SCHANNEL_GROUPS = 'X25519:P-256:P-384';

// What a Windows client does with the certificate (CertGetCertificateChain with AIA retrieval and revocation
// checking, then the SSL policy): the probe's own judgement already models it (lib/cert/judge.ts).
const WINDOWS_CERTIFICATE = { fetchesAia: true, acceptsAnyEku: true, checksRevocation: true, names: 'windows' } as const;

export const CLIENT_PROFILES = {
  'windows-11': {
    label: 'Windows 11 22H2+ / Server 2022+',
    windows: true,
    // TLS 1.0 and 1.1 are off by default in new Windows 11 builds (Windows IT Pro Blog, "TLS 1.0 and TLS 1.1
    // soon to be disabled in Windows", 2023); TLS 1.3 is on by default since Windows 11 ("Protocols in
    // TLS/SSL (Schannel SSP)", learn.microsoft.com).
    minVersion: 'TLSv1.2',
    maxVersion: 'TLSv1.3',
    ciphers: SCHANNEL_TLS12_SUITES,
    ciphersuites: SCHANNEL_TLS13_SUITES,
    ecdhCurve: SCHANNEL_GROUPS,
    // Microsoft publishes no default signature_algorithms list for SChannel: OpenSSL's default (a superset of
    // RSA-PSS, PKCS#1 and ECDSA with SHA-2) is offered, so a server refusing only on that point is not caught.
    sigalgs: null,
    certificate: WINDOWS_CERTIFICATE,
  },
  'windows-10': {
    label: 'Windows 10 22H2 / Server 2019',
    windows: true,
    // SChannel in Windows 10 has no TLS 1.3 for general use; TLS 1.0 / 1.1 stay enabled in 22H2
    // ("Protocols in TLS/SSL (Schannel SSP)", learn.microsoft.com). OpenSSL 3 only offers TLS 1.0 / 1.1
    // (SHA-1 handshake signatures) at security level 0.
    minVersion: 'TLSv1',
    maxVersion: 'TLSv1.2',
    ciphers: `${SCHANNEL_TLS12_SUITES}:@SECLEVEL=0`,
    ciphersuites: null,
    ecdhCurve: SCHANNEL_GROUPS,
    sigalgs: null,
    certificate: WINDOWS_CERTIFICATE,
  },
  sstpc: {
    label: 'sstpc (sstp-client 1.0.x, NetworkManager-sstp) with OpenSSL 3',
    windows: false,
    // sstp-client takes OpenSSL's defaults; Debian's /etc/ssl/openssl.cnf sets MinProtocol TLSv1.2 and
    // CipherString DEFAULT@SECLEVEL=2.
    minVersion: 'TLSv1.2',
    maxVersion: 'TLSv1.3',
    ciphers: 'DEFAULT:@SECLEVEL=2',
    ciphersuites: null,
    ecdhCurve: null,
    sigalgs: null,
    // sstp-client's src/sstp-client.c (sstp_client_http_done) and src/sstp-ssl.c (sstp_verify_cert): the
    // certificate is checked after the HTTP exchange, by OpenSSL's verify result: the chain as sent (no AIA
    // download), OpenSSL's SSL-server purpose (an anyExtendedKeyUsage-only leaf fails), no CRL / OCSP. Given
    // --ca-cert / --ca-path the name is not compared at all (the source sets only SSTP_VERIFY_CERT then; seen
    // with 1.0.18: a certificate for another name connects). Without them 1.0.18 still verifies the chain,
    // against its default store (test/clients-sstpc.test.ts), and older sources compare the subject CN with
    // the host (no SAN). This profile models a client given its CA; --cert-warn makes every check a warning.
    certificate: { fetchesAia: false, acceptsAnyEku: false, checksRevocation: false, names: 'not-checked' },
  },
} as const satisfies Record<string, ClientProfile>;

export type ClientId = keyof typeof CLIENT_PROFILES;
export const CLIENT_IDS = Object.keys(CLIENT_PROFILES) as ClientId[];
export const DEFAULT_CLIENTS: readonly ClientId[] = ['windows-11', 'windows-10', 'sstpc'];

export function isClientId(value: string): value is ClientId {
  return Object.hasOwn(CLIENT_PROFILES, value);
}

/** Whether a client with this profile may negotiate `protocol` (Node's name, e.g. "TLSv1.3"). */
export function allowsVersion(profile: ClientProfile, protocol: string): boolean {
  const index = TLS_VERSIONS.indexOf(protocol as TlsVersionName);
  return index !== -1 && index >= TLS_VERSIONS.indexOf(profile.minVersion) && index <= TLS_VERSIONS.indexOf(profile.maxVersion);
}

// Object identifiers the certificate checks read, with the readable names reports show.
// Values off these tables are shown as UNKNOWN(<dotted oid>).

export const EKU = {
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  codeSigning: '1.3.6.1.5.5.7.3.3',
  emailProtection: '1.3.6.1.5.5.7.3.4',
  timeStamping: '1.3.6.1.5.5.7.3.8',
  ocspSigning: '1.3.6.1.5.5.7.3.9',
  anyExtendedKeyUsage: '2.5.29.37.0',
  /** Microsoft Server Gated Crypto: legacy, Windows no longer treats it as server authentication. */
  msServerGatedCrypto: '1.3.6.1.4.1.311.10.3.3',
  ipsecIke: '1.3.6.1.5.5.8.2.2',
} as const;
export type EkuName = keyof typeof EKU;

export const EXTENSION = {
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  crlNumber: '2.5.29.20',
  /** CRL entry extension: why a serial is listed (RFC 5280 §5.3.1). */
  crlReason: '2.5.29.21',
  /** Marks a CRL as a delta CRL and names the complete CRL it updates (RFC 5280 §5.2.4). */
  deltaCrlIndicator: '2.5.29.27',
  crlDistributionPoints: '2.5.29.31',
  /** Where the delta CRLs are, in a certificate (RFC 5280 §4.2.1.15) or a complete CRL (§5.2.6). */
  freshestCrl: '2.5.29.46',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
} as const;

/** CRLReason values the checks act on (RFC 5280 §5.3.1). */
export const CRL_REASON = {
  certificateHold: 6,
  /** Only in delta CRLs: the serial leaves the complete CRL (a hold released). */
  removeFromCRL: 8,
} as const;

export const ACCESS_METHOD = {
  ocsp: '1.3.6.1.5.5.7.48.1',
  caIssuers: '1.3.6.1.5.5.7.48.2',
  ocspBasic: '1.3.6.1.5.5.7.48.1.1',
} as const;

export type SignatureHash = 'md2' | 'md5' | 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512';

/** Signature algorithms: name as openssl prints it, the digest, and the digest Node's crypto.verify wants. */
export const SIGNATURE_ALGORITHMS: Record<string, { name: string; hash: SignatureHash | null; pss?: boolean }> = {
  '1.2.840.113549.1.1.2': { name: 'md2WithRSAEncryption', hash: 'md2' },
  '1.2.840.113549.1.1.4': { name: 'md5WithRSAEncryption', hash: 'md5' },
  '1.2.840.113549.1.1.5': { name: 'sha1WithRSAEncryption', hash: 'sha1' },
  '1.2.840.113549.1.1.14': { name: 'sha224WithRSAEncryption', hash: 'sha224' },
  '1.2.840.113549.1.1.11': { name: 'sha256WithRSAEncryption', hash: 'sha256' },
  '1.2.840.113549.1.1.12': { name: 'sha384WithRSAEncryption', hash: 'sha384' },
  '1.2.840.113549.1.1.13': { name: 'sha512WithRSAEncryption', hash: 'sha512' },
  '1.2.840.113549.1.1.10': { name: 'rsassaPss', hash: null, pss: true },
  '1.2.840.10045.4.1': { name: 'ecdsa-with-SHA1', hash: 'sha1' },
  '1.2.840.10045.4.3.1': { name: 'ecdsa-with-SHA224', hash: 'sha224' },
  '1.2.840.10045.4.3.2': { name: 'ecdsa-with-SHA256', hash: 'sha256' },
  '1.2.840.10045.4.3.3': { name: 'ecdsa-with-SHA384', hash: 'sha384' },
  '1.2.840.10045.4.3.4': { name: 'ecdsa-with-SHA512', hash: 'sha512' },
  '1.3.101.112': { name: 'ED25519', hash: null },
  '1.3.101.113': { name: 'ED448', hash: null },
};

/** Distinguished-name attribute types with the short names RFC 4514 (and Windows) print. */
export const NAME_ATTRIBUTES: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.4': 'SN',
  '2.5.4.5': 'SERIALNUMBER',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'STREET',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.12': 'T',
  '2.5.4.15': 'businessCategory',
  '2.5.4.17': 'PostalCode',
  '2.5.4.42': 'G',
  '2.5.4.97': 'organizationIdentifier',
  '0.9.2342.19200300.100.1.1': 'UID',
  '0.9.2342.19200300.100.1.25': 'DC',
  '1.2.840.113549.1.9.1': 'E',
  '1.3.6.1.4.1.311.60.2.1.3': 'jurisdictionC',
};

export const COMMON_NAME = '2.5.4.3';

export function ekuName(oid: string): string {
  for (const [name, value] of Object.entries(EKU)) if (value === oid) return name;
  return `UNKNOWN(${oid})`;
}

export function signatureAlgorithmName(oid: string): string {
  return SIGNATURE_ALGORITHMS[oid]?.name ?? `UNKNOWN(${oid})`;
}

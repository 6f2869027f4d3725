// One decoded certificate: what Node's X509Certificate exposes plus what it does not on Node 20 (signature
// algorithm, CRL distribution points, AIA URLs split by method, key identifiers, raw names), read from the DER
// with forge.asn1. Works for RSA, ECDSA and EdDSA keys alike: forge's pki module is never used on these bytes.

import { X509Certificate, createHash, type KeyObject } from 'node:crypto';
import {
  CLASS,
  DerDecodeError,
  TAG,
  children,
  encodeDer,
  isTag,
  parseDer,
  primitive,
  readBitString,
  readIntegerHex,
  readOid,
  readString,
  readTime,
  type Asn1,
} from './der.js';
import { formatIp } from './names.js';
import { ACCESS_METHOD, COMMON_NAME, EXTENSION, NAME_ATTRIBUTES, SIGNATURE_ALGORITHMS, signatureAlgorithmName } from './oids.js';

export interface ParsedExtension {
  critical: boolean;
  value: Buffer;
}

export interface ParsedCertificate {
  der: Buffer;
  x509: X509Certificate;
  /** Uppercase hex without separators. */
  sha1: string;
  sha256: string;
  serialNumber: string;
  signatureAlgorithmOid: string;
  signatureAlgorithm: string;
  signatureHash: string | null;
  issuerDer: Buffer;
  subjectDer: Buffer;
  /** RFC 4514 order (most specific first): "CN=vpn.contoso.com, O=Contoso". */
  issuer: string;
  subject: string;
  commonNames: string[];
  notBefore: Date;
  notAfter: Date;
  keyType: string | null;
  keyBits: number | null;
  keyCurve: string | null;
  /** subjectPublicKey BIT STRING contents: what OCSP's issuerKeyHash hashes (RFC 6960 §4.1.1). */
  publicKeyBits: Buffer;
  extensions: Map<string, ParsedExtension>;
  /** True when a subjectAltName extension is present (then CN is not used for name checks). */
  hasSan: boolean;
  dnsNames: string[];
  ipAddresses: string[];
  /** Raw iPAddress SAN values (4 or 16 bytes). */
  ipAddressBytes: Buffer[];
  /** EKU OIDs, or null when there is no EKU extension. */
  eku: string[] | null;
  isCA: boolean;
  crlUrls: string[];
  /** Delta CRL locations from the Freshest CRL extension (RFC 5280 §4.2.1.15). */
  freshestCrlUrls: string[];
  ocspUrls: string[];
  caIssuersUrls: string[];
  subjectKeyId: string | null;
  authorityKeyId: string | null;
  /** Subject and issuer names are byte-identical. */
  selfIssued: boolean;
}

const CURVE_BITS: Record<string, number> = { prime256v1: 256, secp256r1: 256, secp384r1: 384, secp521r1: 521, secp256k1: 256 };
const CURVE_NAMES: Record<string, string> = { prime256v1: 'P-256', secp256r1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };

const hex = (alg: 'sha1' | 'sha256', b: Buffer): string => createHash(alg).update(b).digest('hex').toUpperCase();

/** Decodes a certificate. Throws DerDecodeError (naming the field) on bytes that are not an X.509 certificate. */
export function parseCertificate(der: Buffer): ParsedCertificate {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(der);
  } catch (error) {
    throw new DerDecodeError('certificate', (error as Error).message);
  }
  // Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue } (RFC 5280 §4.1)
  const [tbs, sigAlg] = children(parseDer(der, 'certificate'), 'certificate');
  const fields = children(tbs, 'tbsCertificate');
  // version [0] EXPLICIT is optional; with it the serial is the second field.
  const base = isTag(fields[0], CLASS.CONTEXT_SPECIFIC, 0) ? 1 : 0;
  const serialNumber = readIntegerHex(fields[base], 'tbsCertificate.serialNumber');
  const signatureAlgorithmOid = readOid(children(sigAlg, 'signatureAlgorithm')[0], 'signatureAlgorithm.algorithm');
  const issuerNode = fields[base + 2];
  const validity = children(fields[base + 3], 'tbsCertificate.validity');
  const subjectNode = fields[base + 4];
  const spki = children(fields[base + 5], 'tbsCertificate.subjectPublicKeyInfo');
  const issuerDer = encodeDer(expectNode(issuerNode, 'tbsCertificate.issuer'));
  const subjectDer = encodeDer(expectNode(subjectNode, 'tbsCertificate.subject'));

  const extensionsField = fields.slice(base + 6).find((f) => isTag(f, CLASS.CONTEXT_SPECIFIC, 3));
  const extensions = extensionsField ? readExtensions(children(extensionsField, 'extensions')[0], 'extensions') : new Map<string, ParsedExtension>();

  const san = readSan(extensions.get(EXTENSION.subjectAltName));
  const info = readAia(extensions.get(EXTENSION.authorityInfoAccess));
  // Node decodes the key lazily: a damaged key must not make the whole certificate unreadable.
  let key: KeyObject | null = null;
  try {
    key = x509.publicKey;
  } catch {
    key = null;
  }
  const details = key?.asymmetricKeyDetails ?? {};
  const curve = details.namedCurve ?? null;
  const keyBits = details.modulusLength ?? (curve ? (CURVE_BITS[curve] ?? null) : key?.asymmetricKeyType === 'ed25519' ? 256 : null);

  return {
    der,
    x509,
    sha1: hex('sha1', der),
    sha256: hex('sha256', der),
    serialNumber,
    signatureAlgorithmOid,
    signatureAlgorithm: signatureAlgorithmName(signatureAlgorithmOid),
    signatureHash: SIGNATURE_ALGORITHMS[signatureAlgorithmOid]?.hash ?? null,
    issuerDer,
    subjectDer,
    issuer: formatName(issuerNode!),
    subject: formatName(subjectNode!),
    commonNames: nameAttributes(subjectNode!, COMMON_NAME),
    notBefore: readTime(validity[0], 'validity.notBefore'),
    notAfter: readTime(validity[1], 'validity.notAfter'),
    keyType: key?.asymmetricKeyType ?? null,
    keyBits,
    keyCurve: curve ? (CURVE_NAMES[curve] ?? curve) : null,
    publicKeyBits: readBitString(spki[1], 'subjectPublicKeyInfo.subjectPublicKey'),
    extensions,
    hasSan: extensions.has(EXTENSION.subjectAltName),
    dnsNames: san.dns,
    ipAddresses: san.ipBytes.map(formatIp),
    ipAddressBytes: san.ipBytes,
    eku: readEku(extensions.get(EXTENSION.extKeyUsage)),
    isCA: readIsCA(extensions.get(EXTENSION.basicConstraints)),
    crlUrls: readDistributionPoints(extensions.get(EXTENSION.crlDistributionPoints), 'crlDistributionPoints'),
    freshestCrlUrls: readDistributionPoints(extensions.get(EXTENSION.freshestCrl), 'freshestCRL'),
    ocspUrls: info.ocsp,
    caIssuersUrls: info.caIssuers,
    subjectKeyId: readSkid(extensions.get(EXTENSION.subjectKeyIdentifier)),
    authorityKeyId: readAkid(extensions.get(EXTENSION.authorityKeyIdentifier)),
    selfIssued: issuerDer.equals(subjectDer),
  };
}

/** Extensions ::= SEQUENCE OF Extension { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING } (RFC 5280 §4.1). */
export function readExtensions(node: Asn1 | undefined, field: string): Map<string, ParsedExtension> {
  const extensions = new Map<string, ParsedExtension>();
  for (const ext of children(node, field)) {
    const parts = children(ext, `${field}.extension`);
    const id = readOid(parts[0], `${field}.extnID`);
    const critical = parts.length === 3 && primitive(parts[1], `${field}.critical`)[0] !== 0;
    extensions.set(id, { critical, value: primitive(parts[parts.length - 1], `${field} ${id}`) });
  }
  return extensions;
}

function expectNode(node: Asn1 | undefined, field: string): Asn1 {
  if (!node) throw new DerDecodeError(field, 'missing');
  return node;
}

/** Name ::= SEQUENCE OF SET OF AttributeTypeAndValue, printed most specific first (RFC 4514 §2.1). */
export function formatName(name: Asn1): string {
  const rdns = children(name, 'name').map((rdn) =>
    children(rdn, 'name.rdn')
      .map((atv) => {
        const [type, value] = children(atv, 'name.attribute');
        const oid = readOid(type, 'name.attribute.type');
        return `${NAME_ATTRIBUTES[oid] ?? oid}=${escapeDnValue(readString(value, 'name.attribute.value'))}`;
      })
      .join('+'),
  );
  return rdns.reverse().join(', ');
}

function nameAttributes(name: Asn1, oid: string): string[] {
  const out: string[] = [];
  for (const rdn of children(name, 'name')) {
    for (const atv of children(rdn, 'name.rdn')) {
      const [type, value] = children(atv, 'name.attribute');
      if (readOid(type, 'name.attribute.type') === oid) out.push(readString(value, 'name.attribute.value'));
    }
  }
  return out;
}

// RFC 4514 §2.4: escape specials anywhere, a leading space or '#', and a trailing space.
function escapeDnValue(v: string): string {
  return v
    .replace(/[\\,+"<>;=]/g, (c) => `\\${c}`)
    .replace(/^[ #]/, (c) => `\\${c}`)
    .replace(/ $/, '\\ ');
}

// GeneralNames: dNSName [2] IA5String, uniformResourceIdentifier [6], iPAddress [7] OCTET STRING (RFC 5280 §4.2.1.6)
function generalNames(node: Asn1 | undefined, field: string): Array<{ tag: number; value: Buffer }> {
  return children(node, field)
    .filter((n) => n.tagClass === CLASS.CONTEXT_SPECIFIC && typeof n.value === 'string')
    .map((n) => ({ tag: n.type, value: primitive(n, field) }));
}

function readSan(ext: ParsedExtension | undefined): { dns: string[]; ipBytes: Buffer[] } {
  if (!ext) return { dns: [], ipBytes: [] };
  const names = generalNames(parseDer(ext.value, 'subjectAltName'), 'subjectAltName');
  return {
    dns: names.filter((n) => n.tag === 2).map((n) => n.value.toString('latin1')),
    ipBytes: names.filter((n) => n.tag === 7).map((n) => n.value),
  };
}

function readEku(ext: ParsedExtension | undefined): string[] | null {
  if (!ext) return null;
  return children(parseDer(ext.value, 'extKeyUsage'), 'extKeyUsage').map((n) => readOid(n, 'extKeyUsage.purpose'));
}

// BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER OPTIONAL }
function readIsCA(ext: ParsedExtension | undefined): boolean {
  if (!ext) return false;
  const first = children(parseDer(ext.value, 'basicConstraints'), 'basicConstraints')[0];
  return isTag(first, CLASS.UNIVERSAL, TAG.BOOLEAN) && primitive(first, 'basicConstraints.cA')[0] !== 0;
}

// CRLDistributionPoints ::= SEQUENCE OF DistributionPoint { distributionPoint [0] { fullName [0] GeneralNames } }
// FreshestCRL ::= CRLDistributionPoints (RFC 5280 §4.2.1.15), so one reader serves both.
export function readDistributionPoints(ext: ParsedExtension | undefined, field: string): string[] {
  if (!ext) return [];
  const urls: string[] = [];
  for (const dp of children(parseDer(ext.value, field), field)) {
    const point = children(dp, 'distributionPoint').find((n) => isTag(n, CLASS.CONTEXT_SPECIFIC, 0));
    if (!point) continue;
    const fullName = children(point, 'distributionPoint.name').find((n) => isTag(n, CLASS.CONTEXT_SPECIFIC, 0));
    if (!fullName) continue; // nameRelativeToCRLIssuer [1] carries no URL
    for (const gn of generalNames(fullName, 'distributionPoint.fullName')) {
      if (gn.tag === 6) urls.push(gn.value.toString('latin1'));
    }
  }
  return urls;
}

// AuthorityInfoAccessSyntax ::= SEQUENCE OF AccessDescription { accessMethod OID, accessLocation GeneralName }
function readAia(ext: ParsedExtension | undefined): { ocsp: string[]; caIssuers: string[] } {
  const out = { ocsp: [] as string[], caIssuers: [] as string[] };
  if (!ext) return out;
  for (const ad of children(parseDer(ext.value, 'authorityInfoAccess'), 'authorityInfoAccess')) {
    const [method, location] = children(ad, 'accessDescription');
    const oid = readOid(method, 'accessDescription.accessMethod');
    if (!location || !isTag(location, CLASS.CONTEXT_SPECIFIC, 6)) continue;
    const url = primitive(location, 'accessDescription.accessLocation').toString('latin1');
    if (oid === ACCESS_METHOD.ocsp) out.ocsp.push(url);
    else if (oid === ACCESS_METHOD.caIssuers) out.caIssuers.push(url);
  }
  return out;
}

function readSkid(ext: ParsedExtension | undefined): string | null {
  if (!ext) return null;
  return primitive(parseDer(ext.value, 'subjectKeyIdentifier'), 'subjectKeyIdentifier').toString('hex').toUpperCase();
}

// AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT OCTET STRING OPTIONAL, ... }
function readAkid(ext: ParsedExtension | undefined): string | null {
  if (!ext) return null;
  const id = children(parseDer(ext.value, 'authorityKeyIdentifier'), 'authorityKeyIdentifier').find((n) =>
    isTag(n, CLASS.CONTEXT_SPECIFIC, 0),
  );
  return id ? primitive(id, 'authorityKeyIdentifier.keyIdentifier').toString('hex').toUpperCase() : null;
}

// Trust anchors indexed by subject name, for the judge's path building. A trust set holds ~140 roots (~290
// with NODE_EXTRA_CA_CERTS pointing at the system bundle) and a chain touches one or two of them, so only
// the subject name of each anchor is read up front (a few TLV hops over its DER, no X.509 decoding); an
// anchor becomes an X509Certificate the first time a certificate names it as issuer, and stays decoded.
// One index serves every probe of a run. The name key is looser than OpenSSL's canonical name comparison
// (RFC 5280 §7.1: case and whitespace folded), never stricter: it only narrows the candidates, and
// X509Certificate.checkIssued plus the signature still decide.

import { X509Certificate } from 'node:crypto';
import { pemToDer } from './der.js';

interface Anchor {
  readonly der: Buffer;
  /** Decoded on first use (null: the DER does not decode, so it cannot anchor anything). */
  x509(): X509Certificate | null;
}

/** Trust anchors, decoded only as far as a judgement needs them. */
export interface PreparedAnchors {
  /** Anchors whose subject name matches this issuer name (DER of an X.509 Name), decoded. */
  issuerCandidates(issuerNameDer: Buffer): Array<{ der: Buffer; x509: X509Certificate }>;
  /** Whether this exact certificate (DER) is one of the anchors; `subjectNameDer` is its subject. */
  contains(der: Buffer, subjectNameDer: Buffer): boolean;
}

/** Indexes trust-anchor PEMs by subject name. An entry that does not decode cannot anchor anything and is skipped when asked for. */
export function prepareAnchors(pems: readonly string[]): PreparedAnchors {
  const bySubject = new Map<string, Anchor[]>();
  // Anchors whose subject could not be read: offered for every issuer, so none is missed.
  const unindexed: Anchor[] = [];
  for (const pem of pems) {
    for (const der of pemToDer(pem)) {
      const anchor = lazyAnchor(der);
      const key = subjectKeyOfCertificate(der);
      if (key === null) unindexed.push(anchor);
      else {
        const bucket = bySubject.get(key);
        if (bucket) bucket.push(anchor);
        else bySubject.set(key, [anchor]);
      }
    }
  }
  const candidates = (nameDer: Buffer): Anchor[] => {
    const key = nameKey(nameDer);
    // A name that does not read as a Name cannot be looked up: try every anchor.
    if (key === null) return [...[...bySubject.values()].flat(), ...unindexed];
    return [...(bySubject.get(key) ?? []), ...unindexed];
  };
  return {
    issuerCandidates: (issuerNameDer) =>
      candidates(issuerNameDer).flatMap((anchor) => {
        const x509 = anchor.x509();
        return x509 ? [{ der: anchor.der, x509 }] : [];
      }),
    contains: (der, subjectNameDer) => candidates(subjectNameDer).some((anchor) => anchor.der.equals(der)),
  };
}

function lazyAnchor(der: Buffer): Anchor {
  let decoded: X509Certificate | null | undefined;
  return {
    der,
    x509: () => {
      if (decoded === undefined) {
        try {
          decoded = new X509Certificate(der);
        } catch {
          decoded = null;
        }
      }
      return decoded;
    },
  };
}

// ---------------------------------------------------------------- names

interface Tlv {
  tag: number;
  /** Offset of the contents. */
  start: number;
  /** Offset just past the contents. */
  end: number;
}

/** One DER TLV at `offset` (low tag numbers only: every tag in a Name and a TBSCertificate header is one). */
function readTlv(der: Buffer, offset: number, limit: number): Tlv | null {
  if (offset + 2 > limit) return null;
  const tag = der[offset]!;
  if ((tag & 0x1f) === 0x1f) return null;
  let length = der[offset + 1]!;
  let start = offset + 2;
  if (length >= 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4 || start + count > limit) return null;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + der[start + i]!;
    start += count;
  }
  const end = start + length;
  return end > limit ? null : { tag, start, end };
}

function childrenOf(der: Buffer, parent: Tlv): Tlv[] | null {
  const out: Tlv[] = [];
  for (let offset = parent.start; offset < parent.end; ) {
    const child = readTlv(der, offset, parent.end);
    if (!child) return null;
    out.push(child);
    offset = child.end;
  }
  return out;
}

/**
 * The subject name key of a certificate, read straight from its DER (RFC 5280 §4.1):
 *   Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version OPTIONAL, serialNumber INTEGER,
 *     signature AlgorithmIdentifier, issuer Name, validity SEQUENCE, subject Name, ... }, ... }
 */
function subjectKeyOfCertificate(der: Buffer): string | null {
  const certificate = readTlv(der, 0, der.length);
  if (!certificate || certificate.tag !== 0x30) return null;
  const tbs = readTlv(der, certificate.start, certificate.end);
  if (!tbs || tbs.tag !== 0x30) return null;
  const fields = childrenOf(der, tbs);
  if (!fields) return null;
  const base = fields[0]?.tag === 0xa0 ? 1 : 0;
  const subject = fields[base + 4];
  return subject ? keyOfName(der, subject) : null;
}

/** The lookup key of a Name given as its own DER. */
function nameKey(nameDer: Buffer): string | null {
  const name = readTlv(nameDer, 0, nameDer.length);
  return name ? keyOfName(nameDer, name) : null;
}

// Directory-string tags (X.680): UTF8String, PrintableString, T61String, IA5String, VisibleString,
// UniversalString, BMPString.
const STRING_TAGS = new Set([0x0c, 0x13, 0x14, 0x16, 0x1a, 0x1c, 0x1e]);

/**
 * Name ::= SEQUENCE OF RelativeDistinguishedName; RDN ::= SET OF AttributeTypeAndValue;
 * AttributeTypeAndValue ::= SEQUENCE { type OBJECT IDENTIFIER, value ANY }.
 * Each value that is a string is folded (case, all whitespace) whatever its string type, so names that
 * differ only in encoding or spacing share a key; other values keep their bytes.
 */
function keyOfName(der: Buffer, name: Tlv): string | null {
  if (name.tag !== 0x30) return null;
  const rdns = childrenOf(der, name);
  if (!rdns) return null;
  const parts: string[] = [];
  for (const rdn of rdns) {
    if (rdn.tag !== 0x31) return null;
    const avas = childrenOf(der, rdn);
    if (!avas) return null;
    const values: string[] = [];
    for (const ava of avas) {
      const pair = ava.tag === 0x30 ? childrenOf(der, ava) : null;
      if (!pair || pair.length !== 2 || pair[0]!.tag !== 0x06) return null;
      const [type, value] = pair as [Tlv, Tlv];
      const oid = der.subarray(type.start, type.end).toString('hex');
      const text = STRING_TAGS.has(value.tag)
        ? decodeString(der.subarray(value.start, value.end), value.tag).toLowerCase().replace(/\s+/g, '')
        : `#${der.subarray(value.start, value.end).toString('hex')}`;
      values.push(`${oid}=${text}`);
    }
    // A multi-valued RDN is a SET: its order carries no meaning.
    parts.push(values.sort().join('+'));
  }
  return parts.join(',');
}

function decodeString(raw: Buffer, tag: number): string {
  if (tag === 0x1e && raw.length % 2 === 0) return Buffer.from(raw).swap16().toString('utf16le');
  if (tag === 0x1c) {
    let out = '';
    for (let i = 0; i + 3 < raw.length; i += 4) {
      const cp = raw.readUInt32BE(i);
      out += cp <= 0x10ffff ? String.fromCodePoint(cp) : '\ufffd';
    }
    return out;
  }
  return raw.toString('utf8');
}

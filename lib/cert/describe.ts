// The certificate section of the report: a plain description of what the server sent, before any judgement.
// chainTrusted and nameMatches stay null here; judgeCertificate fills them in.

import type { CertificateInfo, ChainCertificate } from '../types.js';
import { derToPem } from './der.js';
import { parseCertificate, type ParsedCertificate } from './x509.js';

export function describeCertificate(chainDer: Buffer[]): CertificateInfo {
  if (chainDer.length === 0) throw new RangeError('describeCertificate needs at least the leaf certificate');
  const chain = chainDer.map(parseCertificate);
  return describeParsed(chain);
}

/** A certificate a hostile server sends may not decode: that is evidence (null), never a crash. */
export function describeCertificateOrNull(chainDer: Buffer[]): CertificateInfo | null {
  try {
    return describeCertificate(chainDer);
  } catch {
    return null;
  }
}

/** Same as describeCertificate, for a chain that was already decoded. */
export function describeParsed(chain: ParsedCertificate[]): CertificateInfo {
  const leaf = chain[0]!;
  return {
    sha1: leaf.sha1,
    sha256: leaf.sha256,
    subject: leaf.subject,
    issuer: leaf.issuer,
    serialNumber: leaf.serialNumber,
    notBefore: leaf.notBefore.toISOString(),
    notAfter: leaf.notAfter.toISOString(),
    dnsNames: leaf.dnsNames,
    ipAddresses: leaf.ipAddresses,
    eku: leaf.eku ?? [],
    hasEku: leaf.eku !== null,
    keyType: leaf.keyType,
    keyBits: leaf.keyBits,
    signatureAlgorithm: leaf.signatureAlgorithm,
    selfSigned: isSelfSigned(leaf),
    chainTrusted: null,
    nameMatches: null,
    chain: chain.map(chainEntry),
    pem: derToPem(leaf.der),
  };
}

export function chainEntry(c: ParsedCertificate): ChainCertificate {
  return {
    subject: c.subject,
    issuer: c.issuer,
    sha1: c.sha1,
    sha256: c.sha256,
    notBefore: c.notBefore.toISOString(),
    notAfter: c.notAfter.toISOString(),
    selfSigned: isSelfSigned(c),
    isCA: c.isCA,
  };
}

/** Issuer name equals subject name and the certificate's own key verifies its signature. */
export function isSelfSigned(c: ParsedCertificate): boolean {
  if (!c.selfIssued) return false;
  try {
    return c.x509.verify(c.x509.publicKey);
  } catch {
    return false;
  }
}

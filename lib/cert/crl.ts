// Certificate revocation lists (RFC 5280 §5): decode, then decide what a CRL says about one certificate.
// A CRL only counts when its issuer is the certificate's issuer, its signature verifies with that issuer's key
// and `now` lies between thisUpdate and nextUpdate; Windows treats an expired CRL like an unreachable one.
// A delta CRL (§5.2.4) counts only on top of the complete CRL it names, and then has the last word.

import { X509Certificate, verify } from 'node:crypto';
import {
  CLASS,
  DerDecodeError,
  TAG,
  children,
  encodeDer,
  expectUniversal,
  firstElementBytes,
  isTag,
  parseDer,
  pemToDer,
  primitive,
  readBitString,
  readIntegerHex,
  readOid,
  readTime,
} from './der.js';
import { CRL_REASON, EXTENSION, SIGNATURE_ALGORITHMS } from './oids.js';
import { formatName, parseCertificate, readDistributionPoints, readExtensions, type ParsedExtension } from './x509.js';

export interface ParsedCrl {
  issuer: string;
  issuerDer: Buffer;
  thisUpdate: Date;
  nextUpdate: Date | null;
  /** Revoked serial numbers (uppercase hex, as ParsedCertificate prints them) with their revocation date. */
  revoked: Map<string, Date>;
  /** Serials a delta CRL takes off the complete CRL (reason removeFromCRL): no longer revoked. */
  removed: Set<string>;
  /** CRL Number (RFC 5280 §5.2.3), or null when absent. */
  crlNumber: bigint | null;
  /** A delta CRL's BaseCRLNumber (§5.2.4); null for a complete CRL. */
  deltaBaseCrlNumber: bigint | null;
  /** Delta CRL locations a complete CRL names in its Freshest CRL extension (§5.2.6). */
  freshestCrlUrls: string[];
  signatureAlgorithmOid: string;
  tbsDer: Buffer;
  signature: Buffer;
}

/** Decodes a CRL served as DER or PEM ("X509 CRL"). Throws DerDecodeError naming the field. */
export function parseCrl(bytes: Buffer): ParsedCrl {
  const der = looksLikePem(bytes) ? (pemToDer(bytes.toString('latin1'), 'X509 CRL')[0] ?? bytes) : bytes;
  // CertificateList ::= SEQUENCE { tbsCertList, signatureAlgorithm, signatureValue BIT STRING }
  const [tbs, sigAlg, sig] = children(parseDer(der, 'crl'), 'crl');
  const fields = children(tbs, 'tbsCertList');
  // TBSCertList ::= SEQUENCE { version INTEGER OPTIONAL, signature, issuer, thisUpdate, nextUpdate OPTIONAL,
  //   revokedCertificates SEQUENCE OF { userCertificate, revocationDate, crlEntryExtensions OPTIONAL } OPTIONAL,
  //   crlExtensions [0] EXPLICIT OPTIONAL }
  let i = isTag(fields[0], CLASS.UNIVERSAL, TAG.INTEGER) ? 1 : 0;
  i++; // signature AlgorithmIdentifier (repeated outside the TBS)
  const issuerNode = fields[i++];
  if (!isTag(issuerNode, CLASS.UNIVERSAL, TAG.SEQUENCE)) throw new DerDecodeError('tbsCertList.issuer', 'expected a Name');
  const thisUpdate = readTime(fields[i++], 'tbsCertList.thisUpdate');
  let nextUpdate: Date | null = null;
  const maybeNext = fields[i];
  if (isTag(maybeNext, CLASS.UNIVERSAL, TAG.UTCTIME) || isTag(maybeNext, CLASS.UNIVERSAL, TAG.GENERALIZEDTIME)) {
    nextUpdate = readTime(maybeNext, 'tbsCertList.nextUpdate');
    i++;
  }
  const revoked = new Map<string, Date>();
  const removed = new Set<string>();
  const maybeList = fields[i];
  if (isTag(maybeList, CLASS.UNIVERSAL, TAG.SEQUENCE)) {
    i++;
    for (const entry of children(maybeList, 'revokedCertificates')) {
      const [serial, date, entryExtensions] = children(entry, 'revokedCertificates.entry');
      const serialHex = readIntegerHex(serial, 'entry.userCertificate');
      const reason = entryExtensions ? readReason(readExtensions(entryExtensions, 'entry.crlEntryExtensions').get(EXTENSION.crlReason)) : null;
      if (reason === CRL_REASON.removeFromCRL) removed.add(serialHex);
      else revoked.set(serialHex, readTime(date, 'entry.revocationDate'));
    }
  }
  const extensionsField = fields.slice(i).find((n) => isTag(n, CLASS.CONTEXT_SPECIFIC, 0));
  const extensions = extensionsField ? readExtensions(children(extensionsField, 'crlExtensions')[0], 'crlExtensions') : new Map<string, ParsedExtension>();
  return {
    issuer: formatName(issuerNode!),
    issuerDer: encodeDer(issuerNode!),
    thisUpdate,
    nextUpdate,
    revoked,
    removed,
    crlNumber: readCrlNumber(extensions.get(EXTENSION.crlNumber), 'crlNumber'),
    deltaBaseCrlNumber: readCrlNumber(extensions.get(EXTENSION.deltaCrlIndicator), 'deltaCRLIndicator'),
    freshestCrlUrls: readDistributionPoints(extensions.get(EXTENSION.freshestCrl), 'freshestCRL'),
    signatureAlgorithmOid: readOid(children(sigAlg, 'signatureAlgorithm')[0], 'signatureAlgorithm.algorithm'),
    tbsDer: firstElementBytes(der, 'crl'),
    signature: readBitString(sig, 'signatureValue'),
  };
}

// CRLNumber ::= INTEGER (0..MAX), up to 20 octets (§5.2.3); BaseCRLNumber ::= CRLNumber (§5.2.4).
function readCrlNumber(ext: ParsedExtension | undefined, field: string): bigint | null {
  if (!ext) return null;
  const hex = readIntegerHex(parseDer(ext.value, field), field);
  if (hex === '') throw new DerDecodeError(field, 'empty INTEGER');
  return BigInt(`0x${hex}`);
}

// reasonCode ::= { CRLReason } ENUMERATED (§5.3.1)
function readReason(ext: ParsedExtension | undefined): number | null {
  if (!ext) return null;
  const node = expectUniversal(parseDer(ext.value, 'entry.reasonCode'), TAG.ENUMERATED, 'entry.reasonCode');
  const bytes = primitive(node, 'entry.reasonCode');
  return bytes.length === 1 ? bytes[0]! : null;
}

function looksLikePem(b: Buffer): boolean {
  return b.subarray(0, 64).toString('latin1').includes('-----BEGIN');
}

export type CrlProblem = 'wrong-issuer' | 'bad-signature' | 'expired' | 'not-yet-valid' | 'unsupported-algorithm';

export type CrlVerdict =
  | { status: 'good'; revokedAt: null }
  | { status: 'revoked'; revokedAt: Date }
  /** is-delta: a delta CRL where a complete one was expected (it cannot stand alone, §5.2.4). */
  | { status: 'invalid'; problem: CrlProblem | 'is-delta' };

/** Signature over `tbs` by `signer`, with the digest the algorithm OID names (RSA PKCS#1 v1.5, ECDSA, EdDSA). */
export function verifySignature(algorithmOid: string, tbs: Buffer, signature: Buffer, signer: X509Certificate): boolean | 'unsupported' {
  const alg = SIGNATURE_ALGORITHMS[algorithmOid];
  if (!alg || alg.pss) return 'unsupported';
  try {
    return verify(alg.hash, tbs, signer.publicKey, signature);
  } catch {
    return false;
  }
}

/** Why a CRL cannot be used at all for a certificate of this issuer, or null when it can. */
function crlProblem(crl: ParsedCrl, issuerDer: Buffer, now: Date): CrlProblem | null {
  const issuer = parseCertificate(issuerDer);
  if (!issuer.subjectDer.equals(crl.issuerDer)) return 'wrong-issuer';
  const ok = verifySignature(crl.signatureAlgorithmOid, crl.tbsDer, crl.signature, issuer.x509);
  if (ok === 'unsupported') return 'unsupported-algorithm';
  if (!ok) return 'bad-signature';
  if (now.getTime() < crl.thisUpdate.getTime()) return 'not-yet-valid';
  if (crl.nextUpdate && now.getTime() > crl.nextUpdate.getTime()) return 'expired';
  return null;
}

/** What this complete CRL says about one certificate (serial + the DER of its issuing CA certificate). */
export function checkCrl(crl: ParsedCrl, target: { serialNumber: string; issuerDer: Buffer }, now: Date): CrlVerdict {
  const problem = crlProblem(crl, target.issuerDer, now);
  if (problem) return { status: 'invalid', problem };
  if (crl.deltaBaseCrlNumber !== null) return { status: 'invalid', problem: 'is-delta' };
  const revokedAt = crl.revoked.get(target.serialNumber);
  return revokedAt ? { status: 'revoked', revokedAt } : { status: 'good', revokedAt: null };
}

export type DeltaCrlVerdict =
  /** change: what the delta itself says about the serial (listed, removed from the complete CRL, or nothing). */
  | { status: 'good' | 'revoked'; revokedAt: Date | null; change: 'listed' | 'removed' | 'unchanged' }
  /** not-a-delta: no Delta CRL Indicator; wrong-base: it does not update this complete CRL. */
  | { status: 'invalid'; problem: CrlProblem | 'not-a-delta' | 'wrong-base' };

/**
 * What a complete CRL and a delta CRL say together about one certificate. RFC 5280 §5.2.4: they combine when
 * both come from the same issuer, the complete CRL's number is at least the delta's BaseCRLNumber and below
 * the delta's own number. The delta has the last word: a serial it lists is revoked, one it lists with
 * removeFromCRL is not (a released hold), any other keeps what the complete CRL says.
 */
export function checkDeltaCrl(
  delta: ParsedCrl,
  base: { crl: ParsedCrl; verdict: Extract<CrlVerdict, { status: 'good' | 'revoked' }> },
  target: { serialNumber: string; issuerDer: Buffer },
  now: Date,
): DeltaCrlVerdict {
  const problem = crlProblem(delta, target.issuerDer, now);
  if (problem) return { status: 'invalid', problem };
  if (delta.deltaBaseCrlNumber === null) return { status: 'invalid', problem: 'not-a-delta' };
  const baseNumber = base.crl.crlNumber;
  if (baseNumber === null || baseNumber < delta.deltaBaseCrlNumber) return { status: 'invalid', problem: 'wrong-base' };
  if (delta.crlNumber !== null && delta.crlNumber <= baseNumber) return { status: 'invalid', problem: 'wrong-base' };
  if (delta.removed.has(target.serialNumber)) return { status: 'good', revokedAt: null, change: 'removed' };
  const revokedAt = delta.revoked.get(target.serialNumber);
  if (revokedAt) return { status: 'revoked', revokedAt, change: 'listed' };
  return { ...base.verdict, change: 'unchanged' };
}

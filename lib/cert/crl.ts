// Certificate revocation lists (RFC 5280 §5): decode, then decide what a CRL says about one certificate.
// A CRL only counts when its issuer is the certificate's issuer, its signature verifies with that issuer's key
// and `now` lies between thisUpdate and nextUpdate; Windows treats an expired CRL like an unreachable one.

import { X509Certificate, verify } from 'node:crypto';
import {
  CLASS,
  DerDecodeError,
  TAG,
  children,
  encodeDer,
  firstElementBytes,
  isTag,
  parseDer,
  pemToDer,
  readBitString,
  readIntegerHex,
  readOid,
  readTime,
} from './der.js';
import { SIGNATURE_ALGORITHMS } from './oids.js';
import { formatName, parseCertificate } from './x509.js';

export interface ParsedCrl {
  issuer: string;
  issuerDer: Buffer;
  thisUpdate: Date;
  nextUpdate: Date | null;
  /** Revoked serial numbers (uppercase hex, as ParsedCertificate prints them) with their revocation date. */
  revoked: Map<string, Date>;
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
  const maybeList = fields[i];
  if (isTag(maybeList, CLASS.UNIVERSAL, TAG.SEQUENCE)) {
    for (const entry of children(maybeList, 'revokedCertificates')) {
      const [serial, date] = children(entry, 'revokedCertificates.entry');
      revoked.set(readIntegerHex(serial, 'entry.userCertificate'), readTime(date, 'entry.revocationDate'));
    }
  }
  return {
    issuer: formatName(issuerNode!),
    issuerDer: encodeDer(issuerNode!),
    thisUpdate,
    nextUpdate,
    revoked,
    signatureAlgorithmOid: readOid(children(sigAlg, 'signatureAlgorithm')[0], 'signatureAlgorithm.algorithm'),
    tbsDer: firstElementBytes(der, 'crl'),
    signature: readBitString(sig, 'signatureValue'),
  };
}

function looksLikePem(b: Buffer): boolean {
  return b.subarray(0, 64).toString('latin1').includes('-----BEGIN');
}

export type CrlVerdict =
  | { status: 'good'; revokedAt: null }
  | { status: 'revoked'; revokedAt: Date }
  | { status: 'invalid'; problem: 'wrong-issuer' | 'bad-signature' | 'expired' | 'not-yet-valid' | 'unsupported-algorithm' };

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

/** What this CRL says about one certificate (serial + the DER of its issuing CA certificate). */
export function checkCrl(crl: ParsedCrl, target: { serialNumber: string; issuerDer: Buffer }, now: Date): CrlVerdict {
  const issuer = parseCertificate(target.issuerDer);
  if (!issuer.subjectDer.equals(crl.issuerDer)) return { status: 'invalid', problem: 'wrong-issuer' };
  const ok = verifySignature(crl.signatureAlgorithmOid, crl.tbsDer, crl.signature, issuer.x509);
  if (ok === 'unsupported') return { status: 'invalid', problem: 'unsupported-algorithm' };
  if (!ok) return { status: 'invalid', problem: 'bad-signature' };
  if (now.getTime() < crl.thisUpdate.getTime()) return { status: 'invalid', problem: 'not-yet-valid' };
  if (crl.nextUpdate && now.getTime() > crl.nextUpdate.getTime()) return { status: 'invalid', problem: 'expired' };
  const revokedAt = crl.revoked.get(target.serialNumber);
  return revokedAt ? { status: 'revoked', revokedAt } : { status: 'good', revokedAt: null };
}

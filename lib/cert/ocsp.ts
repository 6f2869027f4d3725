// OCSP (RFC 6960): build the request for one certificate and decide what the responder's answer says.
// The request carries no nonce and no signature, like the requests Windows sends; a response counts only when
// it is signed by the issuing CA or by a responder certificate that CA issued for OCSP signing (§4.2.2.2).

import { X509Certificate, createHash } from 'node:crypto';
import { asn1, CLASS, DerDecodeError, TAG, children, encodeDer, firstElementBytes, isTag, parseDer, primitive, readBitString, readIntegerHex, readOid, readTime, toBinary, type Asn1 } from './der.js';
import { verifySignature } from './crl.js';
import { ACCESS_METHOD, EKU } from './oids.js';
import { parseCertificate, type ParsedCertificate } from './x509.js';

const SHA1_OID = '1.3.14.3.2.26';
const SHA256_OID = '2.16.840.1.101.3.4.2.1';

/** OCSPResponseStatus (RFC 6960 §4.2.1). */
export const OCSP_RESPONSE_STATUS = {
  0: 'successful',
  1: 'malformedRequest',
  2: 'internalError',
  3: 'tryLater',
  5: 'sigRequired',
  6: 'unauthorized',
} as const;
export type OcspResponseStatusName = (typeof OCSP_RESPONSE_STATUS)[keyof typeof OCSP_RESPONSE_STATUS];

export function ocspResponseStatusName(n: number): string {
  return (OCSP_RESPONSE_STATUS as Record<number, string>)[n] ?? `UNKNOWN(0x${n.toString(16).padStart(2, '0')})`;
}

const U = CLASS.UNIVERSAL;
const seq = (items: Asn1[]): Asn1 => asn1.create(U, TAG.SEQUENCE, true, items);
const octets = (b: Buffer): Asn1 => asn1.create(U, TAG.OCTETSTRING, false, toBinary(b));

function serialInteger(hex: string): Asn1 {
  let b = Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
  if (b[0]! & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
  return asn1.create(U, TAG.INTEGER, false, toBinary(b));
}

/**
 * CertID ::= SEQUENCE { hashAlgorithm, issuerNameHash OCTET STRING, issuerKeyHash OCTET STRING, serialNumber }
 * issuerNameHash hashes the issuer's subject Name DER; issuerKeyHash its subjectPublicKey bits (§4.1.1).
 */
function certId(cert: ParsedCertificate, issuer: ParsedCertificate): Asn1 {
  const h = (b: Buffer): Buffer => createHash('sha1').update(b).digest();
  return seq([
    seq([asn1.create(U, TAG.OID, false, asn1.oidToDer(SHA1_OID).getBytes()), asn1.create(U, TAG.NULL, false, '')]),
    octets(h(issuer.subjectDer)),
    octets(h(issuer.publicKeyBits)),
    serialInteger(cert.serialNumber),
  ]);
}

/**
 * OCSPRequest ::= SEQUENCE { tbsRequest TBSRequest }
 * TBSRequest  ::= SEQUENCE { requestList SEQUENCE OF Request }   (version v1 is the default, so absent)
 * Request     ::= SEQUENCE { reqCert CertID }
 */
export function buildOcspRequest(certDer: Buffer, issuerDer: Buffer): Buffer {
  const id = certId(parseCertificate(certDer), parseCertificate(issuerDer));
  return encodeDer(seq([seq([seq([seq([id])])])]));
}

export type OcspVerdict =
  | { status: 'good' | 'revoked' | 'unknown'; revokedAt: Date | null; thisUpdate: Date; nextUpdate: Date | null; producedAt: Date }
  | { status: 'error'; problem: string };

/** What an OCSP response says about `certDer` issued by `issuerDer`. Never throws on a malformed response. */
export function checkOcspResponse(responseDer: Buffer, certDer: Buffer, issuerDer: Buffer, now: Date): OcspVerdict {
  try {
    return check(responseDer, parseCertificate(certDer), parseCertificate(issuerDer), now);
  } catch (error) {
    if (error instanceof DerDecodeError) return { status: 'error', problem: `malformed response (${error.message})` };
    throw error;
  }
}

function check(der: Buffer, cert: ParsedCertificate, issuer: ParsedCertificate, now: Date): OcspVerdict {
  // OCSPResponse ::= SEQUENCE { responseStatus ENUMERATED, responseBytes [0] EXPLICIT ResponseBytes OPTIONAL }
  const top = children(parseDer(der, 'OCSPResponse'), 'OCSPResponse');
  const statusBytes = primitive(top[0], 'responseStatus');
  const status = statusBytes[statusBytes.length - 1] ?? 0;
  if (status !== 0) return { status: 'error', problem: `responder said ${ocspResponseStatusName(status)}` };
  if (!isTag(top[1], CLASS.CONTEXT_SPECIFIC, 0)) return { status: 'error', problem: 'successful response without responseBytes' };
  // ResponseBytes ::= SEQUENCE { responseType OID, response OCTET STRING }
  const [type, body] = children(children(top[1], 'responseBytes')[0], 'responseBytes');
  if (readOid(type, 'responseBytes.responseType') !== ACCESS_METHOD.ocspBasic) return { status: 'error', problem: 'not a basic OCSP response' };
  const basicDer = primitive(body, 'responseBytes.response');
  // BasicOCSPResponse ::= SEQUENCE { tbsResponseData, signatureAlgorithm, signature BIT STRING, certs [0] EXPLICIT OPTIONAL }
  const basic = children(parseDer(basicDer, 'BasicOCSPResponse'), 'BasicOCSPResponse');
  const [tbs, sigAlg, sig, certs] = basic;
  const algOid = readOid(children(sigAlg, 'signatureAlgorithm')[0], 'signatureAlgorithm.algorithm');
  const tbsDer = firstElementBytes(basicDer, 'BasicOCSPResponse');
  const signature = readBitString(sig, 'signature');
  const signers: X509Certificate[] = [issuer.x509];
  if (isTag(certs, CLASS.CONTEXT_SPECIFIC, 0)) {
    for (const c of children(children(certs, 'certs')[0], 'certs')) {
      const responder = parseCertificate(encodeDer(c));
      // A delegated responder must be issued by the CA itself and carry id-kp-OCSPSigning.
      if (responder.eku?.includes(EKU.ocspSigning) && verifySignatureOf(responder, issuer)) signers.push(responder.x509);
    }
  }
  const signed = signers.some((s) => verifySignature(algOid, tbsDer, signature, s) === true);
  if (!signed) return { status: 'error', problem: 'response signature does not verify with the issuing CA or its OCSP responder' };

  // ResponseData ::= SEQUENCE { version [0] EXPLICIT DEFAULT v1, responderID, producedAt, responses SEQUENCE OF SingleResponse, ... }
  const data = children(tbs, 'ResponseData');
  const base = isTag(data[0], CLASS.CONTEXT_SPECIFIC, 0) ? 1 : 0;
  const producedAt = readTime(data[base + 1], 'ResponseData.producedAt');
  for (const single of children(data[base + 2], 'ResponseData.responses')) {
    // SingleResponse ::= SEQUENCE { certID, certStatus, thisUpdate, nextUpdate [0] EXPLICIT OPTIONAL, ... }
    const parts = children(single, 'SingleResponse');
    if (!sameCertId(parts[0]!, cert, issuer)) continue;
    const certStatus = parts[1]!;
    const thisUpdate = readTime(parts[2], 'SingleResponse.thisUpdate');
    const nextNode = parts.slice(3).find((p) => isTag(p, CLASS.CONTEXT_SPECIFIC, 0));
    const nextUpdate = nextNode ? readTime(children(nextNode, 'SingleResponse.nextUpdate')[0], 'SingleResponse.nextUpdate') : null;
    if (now.getTime() < thisUpdate.getTime() - 5 * 60_000) return { status: 'error', problem: 'response thisUpdate is in the future' };
    if (nextUpdate && now.getTime() > nextUpdate.getTime()) return { status: 'error', problem: 'response is stale (nextUpdate passed)' };
    // CertStatus ::= CHOICE { good [0] IMPLICIT NULL, revoked [1] IMPLICIT RevokedInfo, unknown [2] IMPLICIT NULL }
    if (certStatus.tagClass !== CLASS.CONTEXT_SPECIFIC) return { status: 'error', problem: 'malformed certStatus' };
    if (certStatus.type === 0) return { status: 'good', revokedAt: null, thisUpdate, nextUpdate, producedAt };
    if (certStatus.type === 1) {
      const revokedAt = readTime(children(certStatus, 'RevokedInfo')[0], 'RevokedInfo.revocationTime');
      return { status: 'revoked', revokedAt, thisUpdate, nextUpdate, producedAt };
    }
    return { status: 'unknown', revokedAt: null, thisUpdate, nextUpdate, producedAt };
  }
  return { status: 'error', problem: 'response does not cover this certificate' };
}

function sameCertId(node: Asn1, cert: ParsedCertificate, issuer: ParsedCertificate): boolean {
  const [alg, nameHash, keyHash, serial] = children(node, 'CertID');
  const algOid = readOid(children(alg, 'CertID.hashAlgorithm')[0], 'CertID.hashAlgorithm');
  const hash = algOid === SHA1_OID ? 'sha1' : algOid === SHA256_OID ? 'sha256' : null;
  if (!hash) return false;
  const h = (b: Buffer): Buffer => createHash(hash).update(b).digest();
  return (
    readIntegerHex(serial, 'CertID.serialNumber') === cert.serialNumber &&
    primitive(nameHash, 'CertID.issuerNameHash').equals(h(issuer.subjectDer)) &&
    primitive(keyHash, 'CertID.issuerKeyHash').equals(h(issuer.publicKeyBits))
  );
}

function verifySignatureOf(cert: ParsedCertificate, issuer: ParsedCertificate): boolean {
  try {
    return cert.x509.verify(issuer.x509.publicKey);
  } catch {
    return false;
  }
}

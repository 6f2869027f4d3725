// DER reading shared by the certificate, CRL and OCSP decoders. forge.asn1 does the tree; these helpers turn
// nodes into Buffers, hex serials, dates and strings, and fail with the name of the field that was wrong.

import { createRequire } from 'node:module';
import type forge from 'node-forge';

// Only forge's ASN.1 module (and the util and OID tables it needs): the whole package costs ~80 ms to load.
const asn1Module = createRequire(import.meta.url)('node-forge/lib/asn1.js') as typeof forge.asn1;

export type Asn1 = forge.asn1.Asn1;
export const asn1 = asn1Module;
export const TAG = asn1Module.Type;
export const CLASS = asn1Module.Class;

/** A structure that is not what the spec says it must be; `field` names where decoding stopped. */
export class DerDecodeError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'DerDecodeError';
    this.field = field;
  }
}

export const toBinary = (b: Buffer): string => b.toString('binary');
export const fromBinary = (s: string): Buffer => Buffer.from(s, 'binary');

/**
 * Parses DER. BIT STRINGs stay opaque: forge would otherwise try to read an RSA key or a signature inside one
 * as nested DER and sometimes succeed.
 */
export function parseDer(bytes: Buffer, field: string): Asn1 {
  try {
    return (asn1.fromDer as unknown as (b: string, o: object) => Asn1)(toBinary(bytes), {
      strict: true,
      parseAllBytes: true,
      decodeBitStrings: false,
    });
  } catch (error) {
    throw new DerDecodeError(field, `not valid DER (${(error as Error).message})`);
  }
}

export function encodeDer(node: Asn1): Buffer {
  return fromBinary(asn1.toDer(node).getBytes());
}

export function children(node: Asn1 | undefined, field: string): Asn1[] {
  if (!node || !Array.isArray(node.value)) throw new DerDecodeError(field, 'expected a constructed value');
  return node.value as Asn1[];
}

export function primitive(node: Asn1 | undefined, field: string): Buffer {
  if (!node || typeof node.value !== 'string') throw new DerDecodeError(field, 'expected a primitive value');
  return fromBinary(node.value);
}

export function isTag(node: Asn1 | undefined, tagClass: number, type: number): boolean {
  return node !== undefined && node.tagClass === tagClass && node.type === type;
}

export function expectUniversal(node: Asn1 | undefined, type: number, field: string): Asn1 {
  if (!isTag(node, CLASS.UNIVERSAL, type)) throw new DerDecodeError(field, `expected universal tag ${type}`);
  return node as Asn1;
}

export function readOid(node: Asn1 | undefined, field: string): string {
  return asn1.derToOid(toBinary(primitive(expectUniversal(node, TAG.OID, field), field)));
}

/** INTEGER as uppercase hex of its magnitude, whole bytes, without the sign-padding zero byte. */
export function readIntegerHex(node: Asn1 | undefined, field: string): string {
  let b = primitive(expectUniversal(node, TAG.INTEGER, field), field);
  while (b.length > 1 && b[0] === 0) b = b.subarray(1);
  return b.toString('hex').toUpperCase();
}

export function readTime(node: Asn1 | undefined, field: string): Date {
  let d: Date;
  if (isTag(node, CLASS.UNIVERSAL, TAG.UTCTIME)) d = asn1.utcTimeToDate(node!.value as string);
  else if (isTag(node, CLASS.UNIVERSAL, TAG.GENERALIZEDTIME)) d = asn1.generalizedTimeToDate(node!.value as string);
  else throw new DerDecodeError(field, 'expected UTCTime or GeneralizedTime');
  if (Number.isNaN(d.getTime())) throw new DerDecodeError(field, 'not a valid time');
  return d;
}

/** BIT STRING contents without the leading unused-bits count. */
export function readBitString(node: Asn1 | undefined, field: string): Buffer {
  return primitive(expectUniversal(node, TAG.BITSTRING, field), field).subarray(1);
}

/** Directory-string types that appear in names, decoded to text (RFC 5280 §4.1.2.4). */
export function readString(node: Asn1 | undefined, field: string): string {
  const raw = primitive(node, field);
  switch (node!.type as number) {
    case TAG.UTF8:
      return raw.toString('utf8');
    case TAG.BMPSTRING:
      return raw.length % 2 === 0 ? Buffer.from(raw).swap16().toString('utf16le') : raw.toString('latin1');
    case 28: {
      // UniversalString: UTF-32BE
      let out = '';
      for (let i = 0; i + 3 < raw.length; i += 4) {
        const cp = raw.readUInt32BE(i);
        out += cp <= 0x10ffff ? String.fromCodePoint(cp) : '\ufffd';
      }
      return out;
    }
    default:
      return raw.toString('latin1');
  }
}

/**
 * The exact bytes of the first element inside a DER SEQUENCE (the signed part of a certificate, CRL or
 * OCSP response). Read from the original bytes, not re-encoded, so a signature check sees what was signed.
 */
export function firstElementBytes(der: Buffer, field: string): Buffer {
  const outer = tlvHeader(der, 0, field);
  const inner = tlvHeader(der, outer.headerLength, field);
  const end = outer.headerLength + inner.headerLength + inner.length;
  if (end > der.length) throw new DerDecodeError(field, 'truncated');
  return der.subarray(outer.headerLength, end);
}

function tlvHeader(der: Buffer, offset: number, field: string): { headerLength: number; length: number } {
  if (offset + 2 > der.length) throw new DerDecodeError(field, `truncated at offset ${offset}`);
  const first = der[offset + 1]!;
  if (first < 0x80) return { headerLength: 2, length: first };
  const count = first & 0x7f;
  if (count === 0 || count > 4 || offset + 2 + count > der.length) {
    throw new DerDecodeError(field, `bad length at offset ${offset + 1}`);
  }
  let length = 0;
  for (let i = 0; i < count; i++) length = length * 256 + der[offset + 2 + i]!;
  return { headerLength: 2 + count, length };
}

/** PEM blocks of one label to DER; anything outside the blocks is ignored. */
export function pemToDer(pem: string, label = 'CERTIFICATE'): Buffer[] {
  const out: Buffer[] = [];
  const re = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`, 'g');
  for (const m of pem.matchAll(re)) out.push(Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'));
  return out;
}

export function derToPem(der: Buffer, label = 'CERTIFICATE'): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

// SSTP packet codec (MS-SSTP §2.2). Pure: bytes in, objects out, and back.
//
// Strategy: the framer (splitPacket) only looks at the 4-byte header so a stream can be cut into
// packets without understanding them; decodePacket then reads one whole packet through a
// bounds-checked ByteReader, so any inconsistency becomes a DecodeError naming the field and offset.
// Decoding is lenient where real servers deviate from the spec and keeps what it
// does not understand verbatim, so encodePacket(decodePacket(b)) reproduces b (reserved bits aside).

import { ByteReader, DecodeError } from './reader.js';

export const SSTP_VERSION = 0x10;
/** The 12-bit length field caps a whole packet, header included (MS-SSTP §2.2.1). */
export const MAX_PACKET_LENGTH = 4095;
export const HEADER_LENGTH = 4;
/** Largest PPP frame one data packet can carry (hence Windows' LCP MRU of 4091). */
export const MAX_DATA_PAYLOAD = MAX_PACKET_LENGTH - HEADER_LENGTH;
export const NONCE_LENGTH = 32;
/** Cert hash and compound MAC each occupy a 32-byte slot; SHA-1 values are zero-padded. */
export const HASH_SLOT_LENGTH = 32;

/** Byte layout of the 112-byte Call-Connected message (MS-SSTP §2.2.11), for crypto binding. */
export const CALL_CONNECTED_LENGTH = 112;
export const CALL_CONNECTED_NONCE_OFFSET = 16;
export const CALL_CONNECTED_CERT_HASH_OFFSET = 48;
export const CALL_CONNECTED_MAC_OFFSET = 80;

export const MESSAGE_TYPE = {
  CALL_CONNECT_REQUEST: 0x0001,
  CALL_CONNECT_ACK: 0x0002,
  CALL_CONNECT_NAK: 0x0003,
  CALL_CONNECTED: 0x0004,
  CALL_ABORT: 0x0005,
  CALL_DISCONNECT: 0x0006,
  CALL_DISCONNECT_ACK: 0x0007,
  ECHO_REQUEST: 0x0008,
  ECHO_RESPONSE: 0x0009,
} as const;
export type MessageTypeName = keyof typeof MESSAGE_TYPE;
export type MessageType = (typeof MESSAGE_TYPE)[MessageTypeName];

export const ATTRIBUTE_ID = {
  NO_ERROR: 0x00,
  ENCAPSULATED_PROTOCOL_ID: 0x01,
  STATUS_INFO: 0x02,
  CRYPTO_BINDING: 0x03,
  CRYPTO_BINDING_REQ: 0x04,
} as const;
export type AttributeIdName = keyof typeof ATTRIBUTE_ID;
export type AttributeId = (typeof ATTRIBUTE_ID)[AttributeIdName];

export const STATUS = {
  NO_ERROR: 0,
  DUPLICATE_ATTRIBUTE: 1,
  UNRECOGNIZED_ATTRIBUTE: 2,
  INVALID_ATTRIB_VALUE_LENGTH: 3,
  VALUE_NOT_SUPPORTED: 4,
  UNACCEPTED_FRAME_RECEIVED: 5,
  RETRY_COUNT_EXCEEDED: 6,
  INVALID_FRAME_RECEIVED: 7,
  NEGOTIATION_TIMEOUT: 8,
  ATTRIB_NOT_SUPPORTED_IN_MSG: 9,
  REQUIRED_ATTRIBUTE_MISSING: 0x0a,
  STATUS_INFO_NOT_SUPPORTED_IN_MSG: 0x0b,
} as const;
export type StatusName = keyof typeof STATUS;
export type Status = (typeof STATUS)[StatusName];

/** Hash Protocol values (Crypto Binding) and bits (Crypto Binding Request bitmask), MS-SSTP §2.2.6–2.2.7. */
export const HASH_PROTOCOL = { SHA1: 0x01, SHA256: 0x02 } as const;
export type HashProtocolName = keyof typeof HASH_PROTOCOL;
export type HashProtocol = (typeof HASH_PROTOCOL)[HashProtocolName];

export const ENCAPSULATED_PROTOCOL_PPP = 0x0001;

function nameOf(table: Record<string, number>, value: number, hexDigits: number): string {
  for (const [name, v] of Object.entries(table)) if (v === value) return name;
  return `UNKNOWN(0x${value.toString(16).padStart(hexDigits, '0')})`;
}

/** 'CALL_CONNECT_ACK', or 'UNKNOWN(0x000a)' for a type off the table. */
export function messageTypeName(type: number): string {
  return nameOf(MESSAGE_TYPE, type, 4);
}

/** 'STATUS_INFO', or 'UNKNOWN(0x07)'. */
export function attributeName(id: number): string {
  return nameOf(ATTRIBUTE_ID, id, 2);
}

/** 'VALUE_NOT_SUPPORTED', or 'UNKNOWN(0x0000000c)'. */
export function statusName(status: number): string {
  return nameOf(STATUS, status, 8);
}

/** `ENCAPSULATED_PROTOCOL_ID: VALUE_NOT_SUPPORTED`: the attribute a Status Info is about, and what it says. */
export function statusInfoText(status: { attribName: string; statusName: string }): string {
  return `${status.attribName}: ${status.statusName}`;
}

/** 'SHA256', or 'UNKNOWN(0x04)'. */
export function hashProtocolName(value: number): string {
  return nameOf(HASH_PROTOCOL, value, 2);
}

/** Hash algorithms a Crypto Binding Request offers; bits off the table are ignored. */
export function hashProtocolsFromBitmask(bitmask: number): Array<'sha1' | 'sha256'> {
  const out: Array<'sha1' | 'sha256'> = [];
  if (bitmask & HASH_PROTOCOL.SHA1) out.push('sha1');
  if (bitmask & HASH_PROTOCOL.SHA256) out.push('sha256');
  return out;
}

// ---- attribute and packet shapes ----

/** `00 01 00 06 | Protocol ID (2)` (MS-SSTP §2.2.5). */
export interface EncapsulatedProtocolAttribute {
  id: 0x01;
  protocolId: number;
}

/**
 * Status Info (MS-SSTP §2.2.8): `00 02 <len> | 00 00 00 | AttribID (1) | Status (4) | AttribValue`.
 * `value` is the original attribute value a NAK echoes back; empty elsewhere.
 *
 * `quirk` marks the short 8-byte forms sstp-server (sorz) sends, so they decode and re-encode
 * byte for byte; `value` is always empty for them:
 * - 'status-only':      `00 02 00 08 | Status (4)`. No AttribID on the wire; decoded as attribId 0.
 * - 'attrib-in-header': `00 <AttribID> 00 08 | Status (4)` in a NAK, Abort or Disconnect: the
 *                       attribute-ID byte carries the AttribID the status is about (seen as 0x01
 *                       in its NAK and 0x00 in its Disconnect).
 */
export interface StatusInfoAttribute {
  id: 0x02;
  attribId: number;
  status: number;
  value: Buffer;
  quirk?: StatusInfoQuirk;
}
export type StatusInfoQuirk = 'status-only' | 'attrib-in-header';

/**
 * Crypto Binding (MS-SSTP §2.2.7): `00 03 00 68 | 00 00 00 | Hash Protocol (1) | Nonce (32) |
 * Cert Hash (32-byte slot) | Compound MAC (32-byte slot)`. Decoding returns the full slots,
 * padding included.
 */
export interface CryptoBindingAttribute {
  id: 0x03;
  hashProtocol: number;
  nonce: Buffer;
  certHash: Buffer;
  compoundMac: Buffer;
}

/** Crypto Binding Request (MS-SSTP §2.2.6): `00 04 00 28 | 00 00 00 | Hash Bitmask (1) | Nonce (32)`. */
export interface CryptoBindingRequestAttribute {
  id: 0x04;
  hashBitmask: number;
  nonce: Buffer;
}

/** An attribute with an unknown ID, or a known ID whose value length does not fit its layout. */
export interface RawAttribute {
  id: number;
  raw: Buffer;
}

export type SstpAttribute =
  | EncapsulatedProtocolAttribute
  | StatusInfoAttribute
  | CryptoBindingAttribute
  | CryptoBindingRequestAttribute
  | RawAttribute;

export interface SstpControlPacket {
  kind: 'control';
  messageType: number;
  attributes: SstpAttribute[];
  /**
   * The Num Attributes field, present only when it differs from `attributes.length`
   * (decoding keeps what is actually there).
   */
  declaredAttributes?: number;
  /**
   * Bytes after the last attribute that do not form one, kept verbatim. accel-ppp's NAK carries
   * two: it appends the echoed protocol value outside the Status Info attribute's length.
   */
  trailing?: Buffer;
}

/** A data packet carries exactly one PPP frame, without HDLC framing (MS-SSTP §2.2.3). */
export interface SstpDataPacket {
  kind: 'data';
  payload: Buffer;
}

export type SstpPacket = SstpControlPacket | SstpDataPacket;

export function isEncapsulatedProtocol(a: SstpAttribute): a is EncapsulatedProtocolAttribute {
  return a.id === ATTRIBUTE_ID.ENCAPSULATED_PROTOCOL_ID && 'protocolId' in a;
}
export function isStatusInfo(a: SstpAttribute): a is StatusInfoAttribute {
  return a.id === ATTRIBUTE_ID.STATUS_INFO && 'status' in a;
}
export function isCryptoBinding(a: SstpAttribute): a is CryptoBindingAttribute {
  return a.id === ATTRIBUTE_ID.CRYPTO_BINDING && 'compoundMac' in a;
}
export function isCryptoBindingRequest(a: SstpAttribute): a is CryptoBindingRequestAttribute {
  return a.id === ATTRIBUTE_ID.CRYPTO_BINDING_REQ && 'hashBitmask' in a;
}
export function isRawAttribute(a: SstpAttribute): a is RawAttribute {
  return 'raw' in a;
}

/** The Status Info attributes of a control packet, in order (empty for data packets). */
export function statusInfos(packet: SstpPacket): StatusInfoAttribute[] {
  return packet.kind === 'control' ? packet.attributes.filter(isStatusInfo) : [];
}

/**
 * One line for logs and report details: message name and attribute summaries. Never prints
 * nonces, hashes or MACs.
 */
export function describePacket(packet: SstpPacket): string {
  if (packet.kind === 'data') return `DATA(${packet.payload.length} bytes)`;
  const parts = packet.attributes.map((a) => {
    if (isEncapsulatedProtocol(a)) return `ENCAPSULATED_PROTOCOL_ID(0x${a.protocolId.toString(16).padStart(4, '0')})`;
    if (isStatusInfo(a)) return `STATUS_INFO(${attributeName(a.attribId)}, ${statusName(a.status)})`;
    if (isCryptoBinding(a)) return `CRYPTO_BINDING(${hashProtocolName(a.hashProtocol)})`;
    if (isCryptoBindingRequest(a)) return `CRYPTO_BINDING_REQ(bitmask 0x${a.hashBitmask.toString(16).padStart(2, '0')})`;
    return `${attributeName(a.id)}(${a.raw.length} bytes)`;
  });
  const name = messageTypeName(packet.messageType);
  return parts.length > 0 ? `${name} [${parts.join(', ')}]` : name;
}

// ---- framing ----

/**
 * Cut the first packet off a stream buffer. Returns null while the buffer holds less than one
 * whole packet. `packet` and `rest` are views into `buffer`.
 *
 * A wrong version byte or a length below the header size means the stream is not SSTP (or has
 * lost sync, which SSTP cannot recover from), so those throw DecodeError instead of waiting.
 */
export function splitPacket<T extends ArrayBufferLike>(buffer: Buffer<T>): { packet: Buffer<T>; rest: Buffer<T> } | null {
  if (buffer.length === 0) return null;
  if (buffer[0] !== SSTP_VERSION) {
    throw new DecodeError('version', 0, `version byte is 0x${hex2(buffer[0]!)}, expected 0x10`);
  }
  if (buffer.length < HEADER_LENGTH) return null;
  const length = buffer.readUInt16BE(2) & 0x0fff;
  if (length < HEADER_LENGTH) {
    throw new DecodeError('length', 2, `packet length ${length} is shorter than the 4-byte header`);
  }
  if (buffer.length < length) return null;
  return { packet: buffer.subarray(0, length), rest: buffer.subarray(length) };
}

// ---- decoding ----

/** Messages whose attributes are Status Info, where sorz's 8-byte short forms appear. */
const STATUS_MESSAGES: ReadonlySet<number> = new Set([
  MESSAGE_TYPE.CALL_CONNECT_NAK,
  MESSAGE_TYPE.CALL_ABORT,
  MESSAGE_TYPE.CALL_DISCONNECT,
]);

/**
 * Decode exactly one whole packet (MS-SSTP §2.2.1):
 * ```
 *  0        1        2        3
 *  Version  rsvd|C   R(4)|Length(12)      Length counts the whole packet
 *  data:    PPP frame …
 *  control: Message Type (2) | Num Attributes (2) | Attributes …
 * ```
 * Throws DecodeError for a wrong version, a length that disagrees with the bytes given, or an
 * attribute that runs past the packet.
 */
export function decodePacket(bytes: Uint8Array): SstpPacket {
  const r = new ByteReader(bytes);
  const version = r.u8('version');
  if (version !== SSTP_VERSION) {
    throw new DecodeError('version', 0, `version byte is 0x${hex2(version)}, expected 0x10`);
  }
  const control = (r.u8('flags') & 0x01) === 1;
  const length = r.u16('length') & 0x0fff;
  if (length < HEADER_LENGTH) {
    throw new DecodeError('length', 2, `packet length ${length} is shorter than the 4-byte header`);
  }
  if (length > bytes.length) {
    throw new DecodeError('length', 2, `packet length ${length} runs past the ${bytes.length} bytes present`);
  }
  if (length < bytes.length) {
    throw new DecodeError('length', 2, `packet length ${length} leaves ${bytes.length - length} extra bytes`);
  }
  if (!control) return { kind: 'data', payload: r.rest('payload') };

  const messageType = r.u16('messageType');
  const declared = r.u16('numAttributes');
  const attributes: SstpAttribute[] = [];
  let trailing: Buffer | undefined;
  while (r.remaining > 0) {
    // Past the declared count, keep decoding only what is clearly an attribute; anything
    // else is padding some servers append (accel-ppp NAK) and is kept verbatim.
    if (attributes.length >= declared && !looksLikeAttribute(bytes, r.position)) {
      trailing = r.rest('trailing');
      break;
    }
    attributes.push(decodeAttribute(r, bytes, messageType, attributes.length));
  }
  const packet: SstpControlPacket = { kind: 'control', messageType, attributes };
  if (declared !== attributes.length) packet.declaredAttributes = declared;
  if (trailing !== undefined) packet.trailing = trailing;
  return packet;
}

function looksLikeAttribute(bytes: Uint8Array, at: number): boolean {
  const left = bytes.length - at;
  if (left < 4) return false;
  const length = ((bytes[at + 2]! << 8) | bytes[at + 3]!) & 0x0fff;
  return length >= 4 && length <= left;
}

/** `Reserved (1) | Attribute ID (1) | R(4)|Length(12) | Value (Length − 4)` (MS-SSTP §2.2.4). */
function decodeAttribute(r: ByteReader, bytes: Uint8Array, messageType: number, index: number): SstpAttribute {
  const f = `attributes[${index}]`;
  const start = r.offset;
  r.u8(`${f}.reserved`);
  const id = r.u8(`${f}.id`);
  const lengthOffset = r.offset;
  const length = r.u16(`${f}.length`) & 0x0fff;
  if (length < 4) {
    throw new DecodeError(`${f}.length`, lengthOffset, `attribute length ${length} is shorter than its 4-byte header`);
  }
  if (start + length > bytes.length) {
    throw new DecodeError(
      `${f}.length`,
      lengthOffset,
      `attribute length ${length} runs past the end of the packet (${bytes.length - start} bytes left)`,
    );
  }
  const valueLength = length - 4;
  const v = new ByteReader(r.bytes(valueLength, `${f}.value`), start + 4);

  switch (id) {
    case ATTRIBUTE_ID.ENCAPSULATED_PROTOCOL_ID:
      if (valueLength === 2) return { id, protocolId: v.u16(`${f}.protocolId`) };
      break;
    case ATTRIBUTE_ID.STATUS_INFO:
      if (valueLength >= 8) {
        v.skip(3, `${f}.reserved1`);
        const attribId = v.u8(`${f}.attribId`);
        const status = v.u32(`${f}.status`);
        return { id, attribId, status, value: v.rest(`${f}.attribValue`) };
      }
      if (valueLength === 4) {
        return { id, attribId: 0, status: v.u32(`${f}.status`), value: Buffer.alloc(0), quirk: 'status-only' };
      }
      break;
    case ATTRIBUTE_ID.CRYPTO_BINDING:
      if (valueLength === 4 + NONCE_LENGTH + 2 * HASH_SLOT_LENGTH) {
        v.skip(3, `${f}.reserved1`);
        return {
          id,
          hashProtocol: v.u8(`${f}.hashProtocol`),
          nonce: v.bytes(NONCE_LENGTH, `${f}.nonce`),
          certHash: v.bytes(HASH_SLOT_LENGTH, `${f}.certHash`),
          compoundMac: v.bytes(HASH_SLOT_LENGTH, `${f}.compoundMac`),
        };
      }
      break;
    case ATTRIBUTE_ID.CRYPTO_BINDING_REQ:
      if (valueLength === 4 + NONCE_LENGTH) {
        v.skip(3, `${f}.reserved1`);
        return { id, hashBitmask: v.u8(`${f}.hashBitmask`), nonce: v.bytes(NONCE_LENGTH, `${f}.nonce`) };
      }
      break;
  }
  // sorz puts the AttribID in the attribute-ID byte of a bare 4-byte status.
  if (valueLength === 4 && id <= ATTRIBUTE_ID.ENCAPSULATED_PROTOCOL_ID && STATUS_MESSAGES.has(messageType)) {
    return {
      id: ATTRIBUTE_ID.STATUS_INFO,
      attribId: id,
      status: v.u32(`${f}.status`),
      value: Buffer.alloc(0),
      quirk: 'attrib-in-header',
    };
  }
  return { id, raw: v.rest(`${f}.value`) };
}

// ---- encoding ----

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

function checkUint(value: number, max: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`${what} must be an integer from 0 to ${max}, got ${value}`);
  }
}

function checkLength(buf: Buffer, min: number, max: number, what: string): void {
  if (buf.length < min || buf.length > max) {
    const want = min === max ? `${min}` : `${min} to ${max}`;
    throw new RangeError(`${what} must be ${want} bytes, got ${buf.length}`);
  }
}

function header(control: boolean, length: number): Buffer {
  const h = Buffer.alloc(HEADER_LENGTH);
  h[0] = SSTP_VERSION;
  h[1] = control ? 0x01 : 0x00;
  h.writeUInt16BE(length, 2);
  return h;
}

function attributeBytes(id: number, value: Buffer): Buffer {
  const out = Buffer.alloc(4 + value.length);
  out[1] = id;
  out.writeUInt16BE(4 + value.length, 2);
  value.copy(out, 4);
  return out;
}

function encodeAttribute(a: SstpAttribute): Buffer {
  if (isRawAttribute(a)) {
    checkUint(a.id, 0xff, 'attribute id');
    return attributeBytes(a.id, a.raw);
  }
  if (isEncapsulatedProtocol(a)) {
    checkUint(a.protocolId, 0xffff, 'protocolId');
    const v = Buffer.alloc(2);
    v.writeUInt16BE(a.protocolId);
    return attributeBytes(a.id, v);
  }
  if (isStatusInfo(a)) {
    checkUint(a.attribId, 0xff, 'attribId');
    checkUint(a.status, 0xffffffff, 'status');
    if (a.quirk !== undefined) {
      const v = Buffer.alloc(4);
      v.writeUInt32BE(a.status);
      return attributeBytes(a.quirk === 'attrib-in-header' ? a.attribId : ATTRIBUTE_ID.STATUS_INFO, v);
    }
    const v = Buffer.alloc(8 + a.value.length);
    v[3] = a.attribId;
    v.writeUInt32BE(a.status, 4);
    a.value.copy(v, 8);
    return attributeBytes(a.id, v);
  }
  if (isCryptoBinding(a)) {
    checkUint(a.hashProtocol, 0xff, 'hashProtocol');
    checkLength(a.nonce, NONCE_LENGTH, NONCE_LENGTH, 'nonce');
    checkLength(a.certHash, 0, HASH_SLOT_LENGTH, 'certHash');
    checkLength(a.compoundMac, 0, HASH_SLOT_LENGTH, 'compoundMac');
    const v = Buffer.alloc(4 + NONCE_LENGTH + 2 * HASH_SLOT_LENGTH); // zero padding included
    v[3] = a.hashProtocol;
    a.nonce.copy(v, 4);
    a.certHash.copy(v, 4 + NONCE_LENGTH);
    a.compoundMac.copy(v, 4 + NONCE_LENGTH + HASH_SLOT_LENGTH);
    return attributeBytes(a.id, v);
  }
  if (isCryptoBindingRequest(a)) {
    checkUint(a.hashBitmask, 0xff, 'hashBitmask');
    checkLength(a.nonce, NONCE_LENGTH, NONCE_LENGTH, 'nonce');
    const v = Buffer.alloc(4 + NONCE_LENGTH);
    v[3] = a.hashBitmask;
    a.nonce.copy(v, 4);
    return attributeBytes(a.id, v);
  }
  throw new TypeError(`attribute with id ${(a as { id: unknown }).id} has no fields to encode`);
}

/**
 * Encode one packet. Throws RangeError when a field is out of range or the packet would exceed
 * MAX_PACKET_LENGTH; these are caller mistakes, never remote input.
 */
export function encodePacket(packet: SstpPacket): Buffer {
  if (packet.kind === 'data') {
    if (packet.payload.length > MAX_DATA_PAYLOAD) {
      throw new RangeError(`PPP frame of ${packet.payload.length} bytes exceeds the ${MAX_DATA_PAYLOAD}-byte maximum`);
    }
    return Buffer.concat([header(false, HEADER_LENGTH + packet.payload.length), packet.payload]);
  }
  checkUint(packet.messageType, 0xffff, 'messageType');
  const declared = packet.declaredAttributes ?? packet.attributes.length;
  checkUint(declared, 0xffff, 'declaredAttributes');
  const parts = packet.attributes.map(encodeAttribute);
  if (packet.trailing) parts.push(packet.trailing);
  const bodyLength = parts.reduce((n, p) => n + p.length, 0);
  const length = HEADER_LENGTH + 4 + bodyLength;
  if (length > MAX_PACKET_LENGTH) {
    throw new RangeError(`control packet of ${length} bytes exceeds the ${MAX_PACKET_LENGTH}-byte maximum`);
  }
  const head = header(true, length);
  const fields = Buffer.alloc(4);
  fields.writeUInt16BE(packet.messageType, 0);
  fields.writeUInt16BE(declared, 2);
  return Buffer.concat([head, fields, ...parts], length);
}

// ---- message builders (MS-SSTP §2.2.9–2.2.15) ----

function control(messageType: number, attributes: SstpAttribute[] = []): Buffer {
  return encodePacket({ kind: 'control', messageType, attributes });
}

function optionalStatus(status?: { attribId: number; status: number }): SstpAttribute[] {
  return status ? [{ id: ATTRIBUTE_ID.STATUS_INFO, attribId: status.attribId, status: status.status, value: Buffer.alloc(0) }] : [];
}

/** `10 01 00 0E | 00 01 | 00 01 | 00 01 00 06 | 00 01` for PPP (MS-SSTP §2.2.9). */
export function callConnectRequest(protocolId: number = ENCAPSULATED_PROTOCOL_PPP): Buffer {
  return control(MESSAGE_TYPE.CALL_CONNECT_REQUEST, [{ id: ATTRIBUTE_ID.ENCAPSULATED_PROTOCOL_ID, protocolId }]);
}

/** 48 bytes: header, type 2, one Crypto Binding Request (MS-SSTP §2.2.10). `nonce` must be 32 bytes. */
export function callConnectAck(hashBitmask: number, nonce: Buffer): Buffer {
  return control(MESSAGE_TYPE.CALL_CONNECT_ACK, [{ id: ATTRIBUTE_ID.CRYPTO_BINDING_REQ, hashBitmask, nonce }]);
}

/** One Status Info per refused attribute, each echoing the proposed value if given (MS-SSTP §2.2.12). */
export function callConnectNak(statuses: Array<{ attribId: number; status: number; value?: Buffer }>): Buffer {
  return control(
    MESSAGE_TYPE.CALL_CONNECT_NAK,
    statuses.map((s) => ({ id: ATTRIBUTE_ID.STATUS_INFO, attribId: s.attribId, status: s.status, value: s.value ?? Buffer.alloc(0) })),
  );
}

/**
 * The 112-byte Call-Connected (MS-SSTP §2.2.11). `certHash` and `compoundMac` are 20 (SHA-1) or
 * 32 (SHA-256) bytes and are zero-padded to their 32-byte slots; pass an empty MAC to get the
 * message the compound MAC is computed over.
 */
export function callConnected(hashProtocol: number, nonce: Buffer, certHash: Buffer, compoundMac: Buffer): Buffer {
  return control(MESSAGE_TYPE.CALL_CONNECTED, [
    { id: ATTRIBUTE_ID.CRYPTO_BINDING, hashProtocol, nonce, certHash, compoundMac },
  ]);
}

/** 8 bytes bare, or 20 with one Status Info (MS-SSTP §2.2.13). */
export function callAbort(status?: { attribId: number; status: number }): Buffer {
  return control(MESSAGE_TYPE.CALL_ABORT, optionalStatus(status));
}

/** 8 bytes bare, or 20 with one Status Info (MS-SSTP §2.2.14). */
export function callDisconnect(status?: { attribId: number; status: number }): Buffer {
  return control(MESSAGE_TYPE.CALL_DISCONNECT, optionalStatus(status));
}

/** `10 01 00 08 00 07 00 00` (MS-SSTP §2.2.15). */
export function callDisconnectAck(): Buffer {
  return control(MESSAGE_TYPE.CALL_DISCONNECT_ACK);
}

/** `10 01 00 08 00 08 00 00` (MS-SSTP §2.2.15). */
export function echoRequest(): Buffer {
  return control(MESSAGE_TYPE.ECHO_REQUEST);
}

/** `10 01 00 08 00 09 00 00` (MS-SSTP §2.2.15). */
export function echoResponse(): Buffer {
  return control(MESSAGE_TYPE.ECHO_RESPONSE);
}

/** `10 00 <len> | PPP frame`. Throws RangeError for frames over 4091 bytes. */
export function dataPacket(pppFrame: Buffer): Buffer {
  return encodePacket({ kind: 'data', payload: pppFrame });
}

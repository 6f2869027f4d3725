// PPP as SSTP carries it: each SSTP data packet holds exactly one PPP frame in synchronous form
// (no HDLC flags, escaping or FCS; MS-SSTP §2.2.4). This module turns those frames
// and the control protocols the probe speaks (LCP, PAP, CHAP incl. MS-CHAPv2, IPCP) into plain
// objects and back. It is pure: no I/O, no state. We always encode `FF 03` and a 2-byte protocol
// (some servers reject anything else) and decode leniently (address/control and protocol
// compression as RFC 1661 §6.5-6.6 allow).
import { ByteReader, DecodeError } from './reader.js';

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

function unknownName(value: number, digits: number): string {
  return `UNKNOWN(0x${value.toString(16).padStart(digits, '0')})`;
}

/** Readable name of a value in a `{NAME: number}` table, or UNKNOWN(0x..). */
function nameOf(table: Readonly<Record<string, number>>, value: number, digits = 2): string {
  for (const [name, v] of Object.entries(table)) if (v === value) return name;
  return unknownName(value, digits);
}

// ---------------------------------------------------------------------------------------------
// Frames

/** PPP protocol numbers seen over SSTP (IANA PPP DLL protocol numbers). */
export const PPP_PROTOCOLS = {
  IP: 0x0021,
  IPV6: 0x0057,
  IPCP: 0x8021,
  IPV6CP: 0x8057,
  CCP: 0x80fd,
  LCP: 0xc021,
  PAP: 0xc023,
  CHAP: 0xc223,
  EAP: 0xc227,
  CBCP: 0xc029,
} as const;
export type PppProtocolName = keyof typeof PPP_PROTOCOLS;

/** `LCP`, `CHAP`, ... or `UNKNOWN(0x....)`. */
export function pppProtocolName(protocol: number): string {
  return nameOf(PPP_PROTOCOLS, protocol, 4);
}

export interface PppFrame {
  protocol: number;
  /** The information field: the protocol's packet. */
  information: Buffer;
}

/**
 * One PPP frame as sent in an SSTP data packet (RFC 1661 §2):
 *
 *   FF        address (all stations)
 *   03        control (unnumbered information)
 *   PP PP     protocol, 16 bits, never compressed by us
 *   ...       information
 */
export function encodePppFrame(protocol: number, information: Uint8Array): Buffer {
  if (!Number.isInteger(protocol) || protocol < 0 || protocol > 0xffff) {
    throw new RangeError(`PPP protocol must be a 16-bit value, got ${protocol}`);
  }
  const out = Buffer.alloc(4 + information.length);
  out[0] = 0xff;
  out[1] = 0x03;
  out.writeUInt16BE(protocol, 2);
  out.set(information, 4);
  return out;
}

/**
 * Decode a PPP frame with or without `FF 03` (ACFC) and with a 1- or 2-byte protocol (PFC: a
 * protocol whose first byte is odd is one byte long, RFC 1661 §6.5). A frame that starts with FF
 * must carry control 03: no protocol number starts with FF.
 */
export function decodePppFrame(bytes: Uint8Array, baseOffset = 0): PppFrame {
  const r = new ByteReader(bytes, baseOffset);
  if (bytes[0] === 0xff) {
    r.u8('address');
    const at = r.offset;
    const control = r.u8('control');
    if (control !== 0x03) throw new DecodeError('control', at, `PPP control field must be 0x03, got 0x${control.toString(16)}`);
  }
  const first = r.u8('protocol');
  const protocol = first & 0x01 ? first : (first << 8) | r.u8('protocol');
  return { protocol, information: r.rest('information') };
}

// ---------------------------------------------------------------------------------------------
// The packet shape shared by LCP, NCPs, PAP and CHAP (RFC 1661 §5, RFC 1994 §4, RFC 1334 §2.2)

export interface PppControlPacket {
  code: number;
  id: number;
  data: Buffer;
}

/**
 *   CC        code
 *   II        identifier
 *   LL LL     length of code + identifier + length + data
 *   ...       data
 */
export function encodeControlPacket(packet: PppControlPacket): Buffer {
  const length = 4 + packet.data.length;
  if (length > 0xffff) throw new RangeError(`PPP packet too long: ${length} bytes`);
  const out = Buffer.alloc(length);
  out[0] = packet.code & 0xff;
  out[1] = packet.id & 0xff;
  out.writeUInt16BE(length, 2);
  out.set(packet.data, 4);
  return out;
}

/** Bytes past the Length field are padding and ignored (RFC 1661 §5). */
export function decodeControlPacket(bytes: Uint8Array, baseOffset = 0): PppControlPacket {
  const r = new ByteReader(bytes, baseOffset);
  const code = r.u8('code');
  const id = r.u8('identifier');
  const lengthAt = r.offset;
  const length = r.u16('length');
  if (length < 4) throw new DecodeError('length', lengthAt, `PPP packet length ${length} is below the 4-byte header`);
  const data = r.bytes(length - 4, 'data');
  return { code, id, data };
}

// ---------------------------------------------------------------------------------------------
// Configuration options (RFC 1661 §6): type, length including the 2-byte header, data

export interface PppOption {
  type: number;
  data: Buffer;
}

export function encodeOptions(options: readonly PppOption[]): Buffer {
  const parts: Buffer[] = [];
  for (const o of options) {
    if (o.data.length > 253) throw new RangeError(`PPP option ${o.type} data too long: ${o.data.length} bytes`);
    parts.push(Buffer.from([o.type & 0xff, o.data.length + 2]), Buffer.from(o.data));
  }
  return Buffer.concat(parts);
}

export function decodeOptions(bytes: Uint8Array, baseOffset = 0): PppOption[] {
  const r = new ByteReader(bytes, baseOffset);
  const options: PppOption[] = [];
  while (r.remaining > 0) {
    const type = r.u8('option.type');
    const lengthAt = r.offset;
    const length = r.u8('option.length');
    if (length < 2) throw new DecodeError('option.length', lengthAt, `option ${type} length ${length} is below 2`);
    options.push({ type, data: r.bytes(length - 2, 'option.data') });
  }
  return options;
}

// ---------------------------------------------------------------------------------------------
// LCP (RFC 1661 §5) and the negotiation packets of NCPs such as IPCP (RFC 1332 §2: codes 1-7)

export const LCP_CODES = {
  CONFIGURE_REQUEST: 1,
  CONFIGURE_ACK: 2,
  CONFIGURE_NAK: 3,
  CONFIGURE_REJECT: 4,
  TERMINATE_REQUEST: 5,
  TERMINATE_ACK: 6,
  CODE_REJECT: 7,
  PROTOCOL_REJECT: 8,
  ECHO_REQUEST: 9,
  ECHO_REPLY: 10,
  DISCARD_REQUEST: 11,
} as const;
export type LcpCodeName = keyof typeof LCP_CODES;

export function lcpCodeName(code: number): string {
  return nameOf(LCP_CODES, code);
}

export type ConfigureCode = 1 | 2 | 3 | 4;

/** An LCP packet by kind. NCP packets use the first four kinds only. */
export type LcpPacket =
  /** Configure-Request/Ack/Nak/Reject: a list of options. */
  | { kind: 'configure'; code: ConfigureCode; id: number; options: PppOption[] }
  /** Terminate-Request/Ack: free data (often a reason text). */
  | { kind: 'terminate'; code: 5 | 6; id: number; data: Buffer }
  /** Code-Reject: the packet that was not understood. */
  | { kind: 'code-reject'; code: 7; id: number; rejected: Buffer }
  /** Protocol-Reject: the rejected protocol and the start of its packet. */
  | { kind: 'protocol-reject'; code: 8; id: number; protocol: number; rejected: Buffer }
  /** Echo-Request/Reply, Discard-Request: the sender's magic number, then data. */
  | { kind: 'echo'; code: 9 | 10 | 11; id: number; magic: number; data: Buffer }
  | { kind: 'unknown'; code: number; id: number; data: Buffer };

export type NcpPacket = Extract<LcpPacket, { kind: 'configure' | 'terminate' | 'code-reject' | 'unknown' }>;

export function encodeLcpPacket(packet: LcpPacket): Buffer {
  const { code, id } = packet;
  switch (packet.kind) {
    case 'configure':
      return encodeControlPacket({ code, id, data: encodeOptions(packet.options) });
    case 'terminate':
    case 'unknown':
      return encodeControlPacket({ code, id, data: packet.data });
    case 'code-reject':
      return encodeControlPacket({ code, id, data: packet.rejected });
    case 'protocol-reject': {
      const head = Buffer.alloc(2);
      head.writeUInt16BE(packet.protocol, 0);
      return encodeControlPacket({ code, id, data: Buffer.concat([head, packet.rejected]) });
    }
    case 'echo': {
      const head = Buffer.alloc(4);
      head.writeUInt32BE(packet.magic >>> 0, 0);
      return encodeControlPacket({ code, id, data: Buffer.concat([head, packet.data]) });
    }
  }
}

export const encodeNcpPacket: (packet: NcpPacket) => Buffer = encodeLcpPacket;

export function decodeLcpPacket(bytes: Uint8Array, baseOffset = 0): LcpPacket {
  const { code, id, data } = decodeControlPacket(bytes, baseOffset);
  const dataOffset = baseOffset + 4;
  switch (code) {
    case 1:
    case 2:
    case 3:
    case 4:
      return { kind: 'configure', code, id, options: decodeOptions(data, dataOffset) };
    case 5:
    case 6:
      return { kind: 'terminate', code, id, data };
    case 7:
      return { kind: 'code-reject', code, id, rejected: data };
    case 8: {
      const r = new ByteReader(data, dataOffset);
      return { kind: 'protocol-reject', code, id, protocol: r.u16('rejected-protocol'), rejected: r.rest('rejected-information') };
    }
    case 9:
    case 10:
    case 11: {
      const r = new ByteReader(data, dataOffset);
      return { kind: 'echo', code, id, magic: r.u32('magic-number'), data: r.rest('data') };
    }
    default:
      return { kind: 'unknown', code, id, data };
  }
}

/** IPCP, IPV6CP and CCP share LCP's codes 1-7 (RFC 1332 §2, RFC 1962 §2). */
export function decodeNcpPacket(bytes: Uint8Array, baseOffset = 0): NcpPacket {
  const packet = decodeLcpPacket(bytes, baseOffset);
  if (packet.kind === 'protocol-reject' || packet.kind === 'echo') {
    return { kind: 'unknown', code: packet.code, id: packet.id, data: decodeControlPacket(bytes, baseOffset).data };
  }
  return packet;
}

// ---------------------------------------------------------------------------------------------
// LCP options (RFC 1661 §6, RFC 1570 callback, RFC 1990 multilink)

export const LCP_OPTION_TYPES = {
  MRU: 1,
  ACCM: 2,
  AUTH_PROTOCOL: 3,
  QUALITY_PROTOCOL: 4,
  MAGIC_NUMBER: 5,
  PFC: 7,
  ACFC: 8,
  CALLBACK: 13,
  MRRU: 17,
  ENDPOINT_DISCRIMINATOR: 19,
} as const;
export type LcpOptionTypeName = keyof typeof LCP_OPTION_TYPES;

const LCP_OPTION_LABELS: Record<LcpOptionTypeName, string> = {
  MRU: 'MRU',
  ACCM: 'ACCM',
  AUTH_PROTOCOL: 'Auth-Protocol',
  QUALITY_PROTOCOL: 'Quality-Protocol',
  MAGIC_NUMBER: 'Magic-Number',
  PFC: 'PFC',
  ACFC: 'ACFC',
  CALLBACK: 'Callback',
  MRRU: 'MRRU',
  ENDPOINT_DISCRIMINATOR: 'Endpoint-Discriminator',
};

/** `MRU`, `Auth-Protocol`, ... or `UNKNOWN(0x..)`. */
export function lcpOptionName(type: number): string {
  const key = nameOf(LCP_OPTION_TYPES, type);
  return key in LCP_OPTION_LABELS ? LCP_OPTION_LABELS[key as LcpOptionTypeName] : key;
}

/** CHAP algorithm numbers in the Auth-Protocol option (RFC 1994 §3, RFC 2433, RFC 2759 §2). */
export const CHAP_ALGORITHMS = { MD5: 0x05, MSCHAP: 0x80, MSCHAPV2: 0x81 } as const;

/** Authentication methods a server can ask for in its LCP Configure-Request. */
export const AUTH_METHODS = ['eap', 'mschapv2', 'mschap', 'chap-md5', 'pap'] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];
export type AuthMethodName = AuthMethod | `UNKNOWN(${string})`;

/**
 * The method an Auth-Protocol option asks for:
 *   PAP `C0 23`; EAP `C2 27`; CHAP `C2 23 <algorithm>` with 05 MD5, 80 MS-CHAP, 81 MS-CHAPv2.
 * Anything else is `UNKNOWN(0x<option data>)`.
 */
export function authProtocolName(option: PppOption): AuthMethodName {
  const d = option.data;
  const unknown = `UNKNOWN(0x${hex(d)})` as const;
  if (option.type !== LCP_OPTION_TYPES.AUTH_PROTOCOL || d.length < 2) return unknown;
  const protocol = d.readUInt16BE(0);
  if (protocol === PPP_PROTOCOLS.PAP) return 'pap';
  if (protocol === PPP_PROTOCOLS.EAP) return 'eap';
  if (protocol === PPP_PROTOCOLS.CHAP && d.length === 3) {
    if (d[2] === CHAP_ALGORITHMS.MD5) return 'chap-md5';
    if (d[2] === CHAP_ALGORITHMS.MSCHAP) return 'mschap';
    if (d[2] === CHAP_ALGORITHMS.MSCHAPV2) return 'mschapv2';
  }
  return unknown;
}

export function isAuthMethod(name: string): name is AuthMethod {
  return (AUTH_METHODS as readonly string[]).includes(name);
}

/** The Auth-Protocol option asking for `method`. */
export function authProtocolOption(method: AuthMethod): PppOption {
  const data: Record<AuthMethod, number[]> = {
    pap: [0xc0, 0x23],
    eap: [0xc2, 0x27],
    'chap-md5': [0xc2, 0x23, CHAP_ALGORITHMS.MD5],
    mschap: [0xc2, 0x23, CHAP_ALGORITHMS.MSCHAP],
    mschapv2: [0xc2, 0x23, CHAP_ALGORITHMS.MSCHAPV2],
  };
  return { type: LCP_OPTION_TYPES.AUTH_PROTOCOL, data: Buffer.from(data[method]) };
}

/** MRU option: `01 04 <16-bit MRU>`. */
export function mruOption(mru: number): PppOption {
  const data = Buffer.alloc(2);
  data.writeUInt16BE(mru, 0);
  return { type: LCP_OPTION_TYPES.MRU, data };
}

/** Magic-Number option: `05 06 <32-bit magic>`. */
export function magicNumberOption(magic: number): PppOption {
  const data = Buffer.alloc(4);
  data.writeUInt32BE(magic >>> 0, 0);
  return { type: LCP_OPTION_TYPES.MAGIC_NUMBER, data };
}

/** The MRU an MRU option carries, or null when the option is malformed. */
export function readMru(option: PppOption): number | null {
  return option.type === LCP_OPTION_TYPES.MRU && option.data.length === 2 ? option.data.readUInt16BE(0) : null;
}

/** The value of a Magic-Number option, or null when malformed. */
export function readMagicNumber(option: PppOption): number | null {
  return option.type === LCP_OPTION_TYPES.MAGIC_NUMBER && option.data.length === 4 ? option.data.readUInt32BE(0) : null;
}

// RFC 1990 §5.1.3 endpoint discriminator classes.
const ENDPOINT_CLASSES: readonly string[] = ['null', 'locally assigned', 'IP address', 'IEEE 802.1 address', 'magic-number block', 'directory number'];
// RFC 1570 §2.3 callback operations (6 is Microsoft's Callback Control Protocol).
const CALLBACK_OPERATIONS: readonly string[] = ['by authentication', 'dialing string', 'location identifier', 'E.164 number', 'distinguished name', 'reserved', 'CBCP'];

export interface DescribedOption {
  type: number;
  name: string;
  value: string;
}

/** An option as the report shows it: `{type: 1, name: 'MRU', value: '4091'}`. Malformed data is shown raw. */
export function describeLcpOption(option: PppOption): DescribedOption {
  const { type, data } = option;
  const name = lcpOptionName(type);
  const malformed = (): DescribedOption => ({ type, name, value: `malformed 0x${hex(data)}` });
  const T = LCP_OPTION_TYPES;
  switch (type) {
    case T.MRU:
    case T.MRRU:
      return data.length === 2 ? { type, name, value: String(data.readUInt16BE(0)) } : malformed();
    case T.ACCM:
    case T.MAGIC_NUMBER:
      return data.length === 4 ? { type, name, value: `0x${hex(data)}` } : malformed();
    case T.AUTH_PROTOCOL:
      return data.length >= 2 ? { type, name, value: `${authProtocolName(option)} (0x${hex(data)})` } : malformed();
    case T.QUALITY_PROTOCOL:
      return data.length >= 2 ? { type, name, value: `${pppProtocolName(data.readUInt16BE(0))} 0x${hex(data.subarray(2))}` } : malformed();
    case T.PFC:
    case T.ACFC:
      return data.length === 0 ? { type, name, value: 'yes' } : malformed();
    case T.CALLBACK: {
      if (data.length < 1) return malformed();
      const op = data[0]!;
      const label = CALLBACK_OPERATIONS[op] ?? 'unknown';
      const rest = data.length > 1 ? ` 0x${hex(data.subarray(1))}` : '';
      return { type, name, value: `operation ${op} (${label})${rest}` };
    }
    case T.ENDPOINT_DISCRIMINATOR: {
      if (data.length < 1) return malformed();
      const cls = data[0]!;
      return { type, name, value: `class ${cls} (${ENDPOINT_CLASSES[cls] ?? 'unknown'}) 0x${hex(data.subarray(1))}` };
    }
    default:
      return { type, name, value: `0x${hex(data)}` };
  }
}

// ---------------------------------------------------------------------------------------------
// PAP (RFC 1334 §2.2)

export const PAP_CODES = { AUTHENTICATE_REQUEST: 1, AUTHENTICATE_ACK: 2, AUTHENTICATE_NAK: 3 } as const;

export function papCodeName(code: number): string {
  return nameOf(PAP_CODES, code);
}

export type PapPacket =
  | { kind: 'request'; code: 1; id: number; peerId: string; password: string }
  | { kind: 'ack' | 'nak'; code: 2 | 3; id: number; message: string }
  | { kind: 'unknown'; code: number; id: number; data: Buffer };

/**
 *   Authenticate-Request: 01 id len | peer-id-length(1) peer-id | passwd-length(1) password
 *   Authenticate-Ack/Nak: 02|03 id len | msg-length(1) message
 */
export function encodePapPacket(packet: PapPacket): Buffer {
  const { code, id } = packet;
  switch (packet.kind) {
    case 'request': {
      const user = Buffer.from(packet.peerId, 'utf8');
      const pass = Buffer.from(packet.password, 'utf8');
      if (user.length > 255 || pass.length > 255) throw new RangeError('PAP peer-id and password are limited to 255 bytes');
      return encodeControlPacket({ code, id, data: Buffer.concat([Buffer.of(user.length), user, Buffer.of(pass.length), pass]) });
    }
    case 'ack':
    case 'nak': {
      const msg = Buffer.from(packet.message, 'utf8').subarray(0, 255);
      return encodeControlPacket({ code, id, data: Buffer.concat([Buffer.of(msg.length), msg]) });
    }
    case 'unknown':
      return encodeControlPacket({ code, id, data: packet.data });
  }
}

export function decodePapPacket(bytes: Uint8Array, baseOffset = 0): PapPacket {
  const { code, id, data } = decodeControlPacket(bytes, baseOffset);
  const r = new ByteReader(data, baseOffset + 4);
  switch (code) {
    case 1: {
      const peerId = r.bytes(r.u8('peer-id-length'), 'peer-id').toString('utf8');
      const password = r.bytes(r.u8('passwd-length'), 'password').toString('utf8');
      return { kind: 'request', code, id, peerId, password };
    }
    case 2:
    case 3: {
      // Some servers send an empty Ack with no Msg-Length octet at all.
      const message = r.remaining === 0 ? '' : r.bytes(r.u8('msg-length'), 'message').toString('utf8');
      return { kind: code === 2 ? 'ack' : 'nak', code, id, message };
    }
    default:
      return { kind: 'unknown', code, id, data };
  }
}

// ---------------------------------------------------------------------------------------------
// CHAP (RFC 1994 §4) with the MS-CHAPv2 layouts (RFC 2759 §4-6)

export const CHAP_CODES = { CHALLENGE: 1, RESPONSE: 2, SUCCESS: 3, FAILURE: 4 } as const;

export function chapCodeName(code: number): string {
  return nameOf(CHAP_CODES, code);
}

export type ChapPacket =
  | { kind: 'challenge' | 'response'; code: 1 | 2; id: number; value: Buffer; name: string }
  | { kind: 'success' | 'failure'; code: 3 | 4; id: number; message: string }
  | { kind: 'unknown'; code: number; id: number; data: Buffer };

/**
 *   Challenge/Response: 01|02 id len | value-size(1) value | name (rest of the packet)
 *   Success/Failure:    03|04 id len | message (rest of the packet)
 */
export function encodeChapPacket(packet: ChapPacket): Buffer {
  const { code, id } = packet;
  switch (packet.kind) {
    case 'challenge':
    case 'response':
      if (packet.value.length > 255) throw new RangeError('CHAP value is limited to 255 bytes');
      return encodeControlPacket({
        code,
        id,
        data: Buffer.concat([Buffer.of(packet.value.length), packet.value, Buffer.from(packet.name, 'utf8')]),
      });
    case 'success':
    case 'failure':
      return encodeControlPacket({ code, id, data: Buffer.from(packet.message, 'utf8') });
    case 'unknown':
      return encodeControlPacket({ code, id, data: packet.data });
  }
}

export function decodeChapPacket(bytes: Uint8Array, baseOffset = 0): ChapPacket {
  const { code, id, data } = decodeControlPacket(bytes, baseOffset);
  switch (code) {
    case 1:
    case 2: {
      const r = new ByteReader(data, baseOffset + 4);
      const value = r.bytes(r.u8('value-size'), 'value');
      return { kind: code === 1 ? 'challenge' : 'response', code, id, value, name: r.rest('name').toString('utf8') };
    }
    case 3:
    case 4:
      return { kind: code === 3 ? 'success' : 'failure', code, id, message: data.toString('utf8') };
    default:
      return { kind: 'unknown', code, id, data };
  }
}

export interface MsChapV2ResponseValue {
  peerChallenge: Buffer;
  ntResponse: Buffer;
  flags: number;
}

/**
 * The 49-byte MS-CHAPv2 Response value (RFC 2759 §4):
 *   peer challenge (16) | reserved zeros (8) | NT-Response (24) | flags (1, zero)
 */
export function encodeMsChapV2ResponseValue(v: MsChapV2ResponseValue): Buffer {
  if (v.peerChallenge.length !== 16 || v.ntResponse.length !== 24) {
    throw new RangeError('MS-CHAPv2 response needs a 16-byte peer challenge and a 24-byte NT-Response');
  }
  return Buffer.concat([v.peerChallenge, Buffer.alloc(8), v.ntResponse, Buffer.of(v.flags & 0xff)]);
}

export function decodeMsChapV2ResponseValue(value: Uint8Array, baseOffset = 0): MsChapV2ResponseValue {
  if (value.length !== 49) throw new DecodeError('value-size', baseOffset, `MS-CHAPv2 response value must be 49 bytes, got ${value.length}`);
  const r = new ByteReader(value, baseOffset);
  const peerChallenge = r.bytes(16, 'peer-challenge');
  r.skip(8, 'reserved');
  const ntResponse = r.bytes(24, 'nt-response');
  return { peerChallenge, ntResponse, flags: r.u8('flags') };
}

/** MS-CHAP error codes in `E=` (RFC 2759 §6). */
export const MSCHAP_ERRORS = {
  ERROR_RESTRICTED_LOGON_HOURS: 646,
  ERROR_ACCT_DISABLED: 647,
  ERROR_PASSWD_EXPIRED: 648,
  ERROR_NO_DIALIN_PERMISSION: 649,
  ERROR_AUTHENTICATION_FAILURE: 691,
  ERROR_CHANGING_PASSWORD: 709,
} as const;

export function msChapErrorName(code: number): string {
  for (const [name, v] of Object.entries(MSCHAP_ERRORS)) if (v === code) return name;
  return `UNKNOWN(${code})`;
}

export interface MsChapV2Success {
  /** `S=` followed by 40 hex digits, as received, or null when absent. */
  authenticatorResponse: string | null;
  message: string | null;
}

/** Parse `S=<40 hex> M=<text>` (RFC 2759 §5). */
export function parseMsChapV2Success(text: string): MsChapV2Success {
  const s = /(?:^|\s)(S=[0-9A-Fa-f]{40})(?=\s|$)/.exec(text);
  const m = /(?:^|\s)M=([\s\S]*)$/.exec(text);
  return { authenticatorResponse: s ? s[1]! : null, message: m ? m[1]! : null };
}

export function formatMsChapV2Success(authenticatorResponse: string, message?: string): string {
  return message === undefined ? authenticatorResponse : `${authenticatorResponse} M=${message}`;
}

export interface MsChapV2Failure {
  /** E=: the Windows error code (691 bad credentials, ...). */
  error: number | null;
  /** R=: whether the server allows a retry. */
  retry: boolean | null;
  /** C=: the challenge for a retry (16 bytes). */
  challenge: Buffer | null;
  /** V=: password-change protocol version. */
  version: number | null;
  /** M=: free text, everything after it. */
  message: string | null;
}

/** Parse `E=691 R=0 C=<32 hex> V=3 M=<text>` (RFC 2759 §6); every field is optional. */
export function parseMsChapV2Failure(text: string): MsChapV2Failure {
  const mAt = /(?:^|\s)M=/.exec(text);
  const head = mAt ? text.slice(0, mAt.index) : text;
  const fields = new Map<string, string>();
  for (const token of head.trim().split(/\s+/)) {
    const eq = token.indexOf('=');
    if (eq > 0) fields.set(token.slice(0, eq).toUpperCase(), token.slice(eq + 1));
  }
  const int = (v: string | undefined): number | null => (v !== undefined && /^\d+$/.test(v) ? Number(v) : null);
  const c = fields.get('C');
  const r = fields.get('R');
  return {
    error: int(fields.get('E')),
    retry: r === '1' ? true : r === '0' ? false : null,
    challenge: c !== undefined && /^[0-9A-Fa-f]{32}$/.test(c) ? Buffer.from(c, 'hex') : null,
    version: int(fields.get('V')),
    message: mAt ? text.slice(mAt.index + mAt[0].length) : null,
  };
}

export function formatMsChapV2Failure(f: { error: number; retry: boolean; challenge: Uint8Array; version: number; message: string }): string {
  return `E=${f.error} R=${f.retry ? 1 : 0} C=${hex(f.challenge).toUpperCase()} V=${f.version} M=${f.message}`;
}

// ---------------------------------------------------------------------------------------------
// IPCP options (RFC 1332 §3, RFC 1877 for DNS/NBNS)

export const IPCP_OPTION_TYPES = {
  IP_ADDRESSES: 1,
  IP_COMPRESSION_PROTOCOL: 2,
  IP_ADDRESS: 3,
  PRIMARY_DNS: 129,
  PRIMARY_NBNS: 130,
  SECONDARY_DNS: 131,
  SECONDARY_NBNS: 132,
} as const;
export type IpcpOptionTypeName = keyof typeof IPCP_OPTION_TYPES;

const IPCP_OPTION_LABELS: Record<IpcpOptionTypeName, string> = {
  IP_ADDRESSES: 'IP-Addresses',
  IP_COMPRESSION_PROTOCOL: 'IP-Compression-Protocol',
  IP_ADDRESS: 'IP-Address',
  PRIMARY_DNS: 'Primary-DNS',
  PRIMARY_NBNS: 'Primary-NBNS',
  SECONDARY_DNS: 'Secondary-DNS',
  SECONDARY_NBNS: 'Secondary-NBNS',
};

export function ipcpOptionName(type: number): string {
  const key = nameOf(IPCP_OPTION_TYPES, type);
  return key in IPCP_OPTION_LABELS ? IPCP_OPTION_LABELS[key as IpcpOptionTypeName] : key;
}

/** An IPv4 address option (`03 06 a b c d` and the RFC 1877 ones). */
export function ipv4Option(type: number, address: string): PppOption {
  const parts = address.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new RangeError(`not an IPv4 address: ${address}`);
  }
  return { type, data: Buffer.from(parts) };
}

export function describeIpcpOption(option: PppOption): DescribedOption {
  const { type, data } = option;
  const name = ipcpOptionName(type);
  const T = IPCP_OPTION_TYPES;
  const isAddress = type === T.IP_ADDRESS || (type >= T.PRIMARY_DNS && type <= T.SECONDARY_NBNS);
  if (isAddress && data.length === 4) return { type, name, value: [...data].join('.') };
  if (type === T.IP_ADDRESSES && data.length === 8) {
    return { type, name, value: `${[...data.subarray(0, 4)].join('.')} ${[...data.subarray(4)].join('.')}` };
  }
  if (type === T.IP_COMPRESSION_PROTOCOL && data.length >= 2) {
    return { type, name, value: `0x${hex(data.subarray(0, 2))}${data.length > 2 ? ` 0x${hex(data.subarray(2))}` : ''}` };
  }
  return { type, name, value: isAddress ? `malformed 0x${hex(data)}` : `0x${hex(data)}` };
}

// SSTP crypto binding (MS-SSTP §3.2.5.2, §2.2.7, §2.2.10): after PPP authentication the client proves
// that the TLS server it talks to and the PPP server that checked its password are the same party,
// by MACing the Call-Connected message with a key derived from the PPP keys (the HLAK) and
// including the hash of the TLS leaf certificate it saw. TLS offload or inspection shows up here as a
// certificate hash the server does not expect.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const BINDING_HASHES = ['sha1', 'sha256'] as const;
export type BindingHash = (typeof BINDING_HASHES)[number];

/** Hash Protocol values on the wire (MS-SSTP §2.2.7): 1 SHA-1, 2 SHA-256; bitmask bits 0x01 / 0x02. */
export const HASH_PROTOCOL_IDS = { sha1: 0x01, sha256: 0x02 } as const;

const DIGEST_LENGTH = { sha1: 20, sha256: 32 } as const;
const CMK_SEED = Buffer.from('SSTP inner method derived CMK', 'ascii');
const CALL_CONNECTED_LENGTH = 112;
const MAC_OFFSET = 80;

/** The hash named by a wire value, or null when off the table. */
export function bindingHashFromId(id: number): BindingHash | null {
  if (id === HASH_PROTOCOL_IDS.sha1) return 'sha1';
  if (id === HASH_PROTOCOL_IDS.sha256) return 'sha256';
  return null;
}

/** The client's choice from the Connect-Ack bitmask: SHA-256 when offered, else SHA-1, else none. */
export function chooseBindingHash(bitmask: number): BindingHash | null {
  if (bitmask & HASH_PROTOCOL_IDS.sha256) return 'sha256';
  if (bitmask & HASH_PROTOCOL_IDS.sha1) return 'sha1';
  return null;
}

/** Hash of the server's leaf certificate (DER as received in TLS), raw digest (20 or 32 bytes). */
export function certificateHash(certDer: Uint8Array, hash: BindingHash): Buffer {
  return createHash(hash).update(certDer).digest();
}

/**
 * CMK = first round of the IKEv2 PRF+ (RFC 7296 §2.13) keyed with the HLAK:
 * HMAC-H(HLAK, "SSTP inner method derived CMK" ‖ LEN ‖ 0x01), LEN the digest size as a little-endian
 * uint16 (MS-SSTP §3.2.5.2).
 */
export function deriveCmk(hlak: Uint8Array, hash: BindingHash): Buffer {
  const tail = Buffer.alloc(3);
  tail.writeUInt16LE(DIGEST_LENGTH[hash], 0);
  tail[2] = 0x01;
  return createHmac(hash, hlak).update(CMK_SEED).update(tail).digest();
}

/** Compound MAC = HMAC-H(CMK, Call-Connected with bytes 80-111 zeroed) (MS-SSTP §3.2.5.2). */
export function compoundMac(cmk: Uint8Array, callConnected: Uint8Array, hash: BindingHash): Buffer {
  if (callConnected.length !== CALL_CONNECTED_LENGTH) {
    throw new RangeError(`Call-Connected must be ${CALL_CONNECTED_LENGTH} bytes, got ${callConnected.length}`);
  }
  const zeroed = Buffer.from(callConnected);
  zeroed.fill(0, MAC_OFFSET);
  return createHmac(hash, cmk).update(zeroed).digest();
}

export type BuildCallConnectedInput = {
  hashProtocol: BindingHash;
  /** The 32-byte nonce of the server's Connect-Ack. */
  nonce: Uint8Array;
  /** 32-byte HLAK (zeros for PAP / CHAP-MD5). */
  hlak: Uint8Array;
} & ({ certDer: Uint8Array; certHash?: undefined } | { certHash: Uint8Array; certDer?: undefined });

/**
 * The complete SSTP_MSG_CALL_CONNECTED packet (MS-SSTP §2.2.10, §2.2.7):
 *
 *   0  10 01 00 70            version 1.0, control, length 112
 *   4  00 04 00 01            message type 4, one attribute
 *   8  00 03 00 68            reserved, AttribID 3 (crypto binding), length 104
 *  12  00 00 00 HH            reserved, hash protocol 1 (SHA-1) / 2 (SHA-256)
 *  16  nonce (32)
 *  48  certificate hash (20 + 12 zero, or 32)
 *  80  compound MAC    (20 + 12 zero, or 32)
 */
export function buildCallConnected(input: BuildCallConnectedInput): Buffer {
  const { hashProtocol, nonce, hlak } = input;
  if (nonce.length !== 32) throw new RangeError(`nonce must be 32 bytes, got ${nonce.length}`);
  if (hlak.length !== 32) throw new RangeError(`HLAK must be 32 bytes, got ${hlak.length}`);
  const digestLength = DIGEST_LENGTH[hashProtocol];
  const certHash = input.certHash ?? certificateHash(input.certDer, hashProtocol);
  if (certHash.length !== digestLength) {
    throw new RangeError(`${hashProtocol} certificate hash must be ${digestLength} bytes, got ${certHash.length}`);
  }
  const msg = Buffer.alloc(CALL_CONNECTED_LENGTH);
  msg.set([0x10, 0x01, 0x00, 0x70, 0x00, 0x04, 0x00, 0x01, 0x00, 0x03, 0x00, 0x68, 0, 0, 0], 0);
  msg[15] = HASH_PROTOCOL_IDS[hashProtocol];
  msg.set(nonce, 16);
  msg.set(certHash, 48);
  const mac = compoundMac(deriveCmk(hlak, hashProtocol), msg, hashProtocol);
  msg.set(mac, MAC_OFFSET);
  return msg;
}

/** Why a server refuses a Call-Connected. */
export const BINDING_REJECT_REASONS = [
  'bad-length',
  'not-call-connected',
  'binding-missing',
  'hash-protocol-mismatch',
  'nonce-mismatch',
  'cert-hash-mismatch',
  'mac-mismatch',
] as const;
export type BindingRejectReason = (typeof BINDING_REJECT_REASONS)[number];

export type VerifyCallConnectedResult =
  | { ok: true; hashProtocol: BindingHash }
  | { ok: false; reason: BindingRejectReason; attribId: number; status: number };

export interface VerifyCallConnectedInput {
  /** The nonce this server put in its Connect-Ack. */
  nonce: Uint8Array;
  /** Raw certificate hashes the server accepts (its own certificate, or the configured offload hash). */
  expectedCertHashes: { sha1?: Uint8Array; sha256?: Uint8Array };
  /** The server's HLAK (zeros for PAP / CHAP-MD5). */
  hlak: Uint8Array;
  /** The bitmask offered in the Connect-Ack; when given, a hash outside it is refused. */
  hashBitmask?: number;
}

// Abort Status Info values for a refused binding (MS-SSTP §3.3.5.2.3, §2.2.3): a missing or
// malformed binding attribute is ATTRIB_NOT_SUPPORTED_IN_MSG (9) against AttribID 2; wrong content
// is VALUE_NOT_SUPPORTED (4) against AttribID 3 (crypto binding).
const MALFORMED = { attribId: 2, status: 9 } as const;
const MISMATCH = { attribId: 3, status: 4 } as const;

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Server-side check of a Call-Connected, as RRAS does it (MS-SSTP §3.3.5.2.3). */
export function verifyCallConnected(msg: Uint8Array, input: VerifyCallConnectedInput): VerifyCallConnectedResult {
  const m = Buffer.from(msg);
  if (m.length < 8) return { ok: false, reason: 'bad-length', ...MALFORMED };
  if (m[0] !== 0x10 || (m[1]! & 0x01) !== 1 || m.readUInt16BE(4) !== 0x0004) {
    return { ok: false, reason: 'not-call-connected', attribId: 0, status: 5 };
  }
  if (m.length !== CALL_CONNECTED_LENGTH || (m.readUInt16BE(2) & 0x0fff) !== CALL_CONNECTED_LENGTH) {
    return { ok: false, reason: 'bad-length', ...MALFORMED };
  }
  if (m.readUInt16BE(6) !== 1 || m[9] !== 0x03 || (m.readUInt16BE(10) & 0x0fff) !== 0x68) {
    return { ok: false, reason: 'binding-missing', ...MALFORMED };
  }
  const hash = bindingHashFromId(m[15]!);
  if (hash === null || (input.hashBitmask !== undefined && (input.hashBitmask & HASH_PROTOCOL_IDS[hash]) === 0)) {
    return { ok: false, reason: 'hash-protocol-mismatch', ...MISMATCH };
  }
  if (!sameBytes(m.subarray(16, 48), input.nonce)) return { ok: false, reason: 'nonce-mismatch', ...MISMATCH };
  const digestLength = DIGEST_LENGTH[hash];
  const expectedCert = input.expectedCertHashes[hash];
  if (expectedCert === undefined || !sameBytes(m.subarray(48, 48 + digestLength), expectedCert)) {
    return { ok: false, reason: 'cert-hash-mismatch', ...MISMATCH };
  }
  const mac = compoundMac(deriveCmk(input.hlak, hash), m, hash);
  if (!sameBytes(m.subarray(MAC_OFFSET, MAC_OFFSET + digestLength), mac)) {
    return { ok: false, reason: 'mac-mismatch', ...MISMATCH };
  }
  return { ok: true, hashProtocol: hash };
}

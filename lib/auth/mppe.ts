// MPPE key derivation from MS-CHAPv2 (RFC 3079 §3), used by SSTP only to build the 32-byte Higher
// Layer Authentication Key for crypto binding (MS-SSTP §3.2.5.2): the 16-byte asymmetric *start*
// keys, whether or not MPPE itself is ever negotiated.
import { createHash } from 'node:crypto';
import { ntPasswordHash, ntPasswordHashHash } from './mschapv2.js';

const MASTER_MAGIC = Buffer.from('This is the MPPE Master Key', 'ascii');
// RFC 3079 §3.4 Magic2 / Magic3 (84 bytes each): the names say which side uses which.
const MAGIC2 = Buffer.from('On the client side, this is the send key; on the server side, it is the receive key.', 'ascii');
const MAGIC3 = Buffer.from('On the client side, this is the receive key; on the server side, it is the send key.', 'ascii');
const SHS_PAD1 = Buffer.alloc(40, 0x00);
const SHS_PAD2 = Buffer.alloc(40, 0xf2);

/** HLAK used when the method yields no keys (PAP, CHAP-MD5): 32 zero bytes (MS-SSTP §3.2.5.2). */
export function zeroHlak(): Buffer {
  return Buffer.alloc(32);
}

/** GetMasterKey (RFC 3079 §3.4): SHA1(PasswordHashHash ‖ NT-Response ‖ magic)[0..15]. */
export function getMasterKey(passwordHashHash: Uint8Array, ntResponse: Uint8Array): Buffer {
  return createHash('sha1').update(passwordHashHash).update(ntResponse).update(MASTER_MAGIC).digest().subarray(0, 16);
}

/**
 * GetAsymmetricStartKey (RFC 3079 §3.4) for a 128-bit key. The client sends with Magic2 and receives
 * with Magic3; the server the other way round, so client-send equals server-receive.
 */
export function getAsymmetricStartKey(masterKey: Uint8Array, isSend: boolean, isServer: boolean): Buffer {
  const magic = isSend === isServer ? MAGIC3 : MAGIC2;
  return createHash('sha1')
    .update(masterKey)
    .update(SHS_PAD1)
    .update(magic)
    .update(SHS_PAD2)
    .digest()
    .subarray(0, 16);
}

export interface MppeStartKeys {
  masterKey: Buffer;
  sendKey: Buffer;
  receiveKey: Buffer;
}

/** Master key plus the send/receive start keys as seen from one side. */
export function mppeStartKeys(password: string, ntResponse: Uint8Array, side: 'client' | 'server'): MppeStartKeys {
  const masterKey = getMasterKey(ntPasswordHashHash(ntPasswordHash(password)), ntResponse);
  const isServer = side === 'server';
  return {
    masterKey,
    sendKey: getAsymmetricStartKey(masterKey, true, isServer),
    receiveKey: getAsymmetricStartKey(masterKey, false, isServer),
  };
}

/**
 * The MS-CHAPv2 HLAK (MS-SSTP §3.2.5.2). The client uses send ‖ receive; the server receive ‖ send
 * from its own side: the same 32 bytes either way.
 */
export function msChapV2Hlak(password: string, ntResponse: Uint8Array, side: 'client' | 'server'): Buffer {
  const keys = mppeStartKeys(password, ntResponse, side);
  return side === 'client'
    ? Buffer.concat([keys.sendKey, keys.receiveKey])
    : Buffer.concat([keys.receiveKey, keys.sendKey]);
}

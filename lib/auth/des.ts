// Single DES in ECB mode for MS-CHAP (RFC 2759 §8.5, §8.6). Node's OpenSSL 3 default provider has
// no `des-ecb`, but three-key triple DES with K1 = K2 = K3 collapses to single DES
// (E_K(D_K(E_K(x))) = E_K(x)), and `des-ede3-ecb` is available everywhere.
import { createCipheriv } from 'node:crypto';

/**
 * Spread a 7-byte (56-bit) key over 8 bytes, 7 key bits per byte in the high bits (RFC 2759 §8.6
 * DesEncrypt's key expansion). The low (parity) bit is left 0: DES ignores it.
 */
export function spreadDesKey(key7: Uint8Array): Buffer {
  if (key7.length !== 7) throw new RangeError(`DES key material must be 7 bytes, got ${key7.length}`);
  const out = Buffer.alloc(8);
  let acc = 0n;
  for (const byte of key7) acc = (acc << 8n) | BigInt(byte);
  for (let i = 0; i < 8; i++) {
    const seven = Number((acc >> BigInt(49 - 7 * i)) & 0x7fn);
    out[i] = seven << 1;
  }
  return out;
}

/**
 * DES-ECB encryption of `data` (a multiple of 8 bytes) with an 8-byte key, or a 7-byte key that is
 * spread first. No padding is added.
 */
export function desEcbEncrypt(key: Uint8Array, data: Uint8Array): Buffer {
  const key8 = key.length === 7 ? spreadDesKey(key) : Buffer.from(key);
  if (key8.length !== 8) throw new RangeError(`DES key must be 7 or 8 bytes, got ${key.length}`);
  if (data.length % 8 !== 0) throw new RangeError(`DES-ECB input must be a multiple of 8 bytes, got ${data.length}`);
  const cipher = createCipheriv('des-ede3-ecb', Buffer.concat([key8, key8, key8]), null);
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(data), cipher.final()]);
}

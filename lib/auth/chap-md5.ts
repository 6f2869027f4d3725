// CHAP with MD5 (RFC 1994 §4.1). The HLAK for crypto binding is all zeros with this method.
import { createHash } from 'node:crypto';

/** Response value = MD5(Identifier ‖ secret ‖ Challenge-Value) (RFC 1994 §4.1). */
export function chapMd5Response(id: number, secret: string, challenge: Uint8Array): Buffer {
  return createHash('md5')
    .update(Uint8Array.of(id & 0xff))
    .update(Buffer.from(secret, 'utf8'))
    .update(challenge)
    .digest();
}

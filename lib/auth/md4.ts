// MD4 (RFC 1320), needed only for the MS-CHAPv2 password hash. Node's OpenSSL 3 default provider
// refuses MD4, and loading the legacy provider is process-wide and build-dependent, so the probe
// carries this small implementation instead.

// Per-round constants (RFC 1320 §3.4): round 2 adds sqrt(2), round 3 adds sqrt(3), as 32-bit values.
const ROUND2 = 0x5a827999;
const ROUND3 = 0x6ed9eba1;

// Shift amounts and word orders of the three rounds (RFC 1320 §3.4).
const S1 = [3, 7, 11, 19] as const;
const S2 = [3, 5, 9, 13] as const;
const S3 = [3, 9, 11, 15] as const;
const ORDER3 = [0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15] as const;

function rotl(x: number, n: number): number {
  return ((x << n) | (x >>> (32 - n))) >>> 0;
}

/** MD4 digest (16 bytes) of `data`. */
export function md4(data: Uint8Array): Buffer {
  // Padding (RFC 1320 §3.1-3.2): 0x80, zeros to 56 mod 64, then the bit length as a 64-bit LE integer.
  const bitLength = BigInt(data.length) * 8n;
  const padded = Buffer.alloc(Math.ceil((data.length + 9) / 64) * 64);
  padded.set(data, 0);
  padded[data.length] = 0x80;
  padded.writeBigUInt64LE(bitLength & 0xffffffffffffffffn, padded.length - 8);

  let a = 0x67452301;
  let b = 0xefcdab89;
  let c = 0x98badcfe;
  let d = 0x10325476;
  const x = new Array<number>(16);

  for (let block = 0; block < padded.length; block += 64) {
    for (let i = 0; i < 16; i++) x[i] = padded.readUInt32LE(block + i * 4);
    const aa = a;
    const bb = b;
    const cc = c;
    const dd = d;

    // Round 1: F(x,y,z) = xy | ~x z
    for (let i = 0; i < 16; i++) {
      const f = (b & c) | (~b & d);
      const t = rotl((a + f + x[i]!) >>> 0, S1[i % 4]!);
      a = d; d = c; c = b; b = t;
    }
    // Round 2: G(x,y,z) = xy | xz | yz, words taken column-wise
    for (let i = 0; i < 16; i++) {
      const k = (i % 4) * 4 + Math.floor(i / 4);
      const g = (b & c) | (b & d) | (c & d);
      const t = rotl((a + g + x[k]! + ROUND2) >>> 0, S2[i % 4]!);
      a = d; d = c; c = b; b = t;
    }
    // Round 3: H(x,y,z) = x ^ y ^ z, words in bit-reversed order
    for (let i = 0; i < 16; i++) {
      const h = b ^ c ^ d;
      const t = rotl((a + h + x[ORDER3[i]!]! + ROUND3) >>> 0, S3[i % 4]!);
      a = d; d = c; c = b; b = t;
    }

    a = (a + aa) >>> 0;
    b = (b + bb) >>> 0;
    c = (c + cc) >>> 0;
    d = (d + dd) >>> 0;
  }

  const out = Buffer.alloc(16);
  out.writeUInt32LE(a, 0);
  out.writeUInt32LE(b, 4);
  out.writeUInt32LE(c, 8);
  out.writeUInt32LE(d, 12);
  return out;
}

// Bounds-checked big-endian reads for the wire codecs. Every read names the field it is after, so a
// short or inconsistent message fails with "which field, at which byte" instead of a RangeError or a
// silently wrong value. Offsets in errors are absolute within the enclosing message (see baseOffset).

/** A message that cannot be decoded. `field` and `offset` say where decoding stopped. */
export class DecodeError extends Error {
  readonly code: string = 'ERR_SSTP_DECODE';
  readonly field: string;
  readonly offset: number;

  constructor(field: string, offset: number, message: string) {
    super(`${message} (field ${field}, offset ${offset})`);
    this.name = 'DecodeError';
    this.field = field;
    this.offset = offset;
  }
}

export class ByteReader {
  readonly #bytes: Uint8Array;
  readonly #base: number;
  #pos = 0;

  /**
   * @param bytes the bytes to read; they are not copied, so do not change them while reading
   * @param baseOffset where `bytes` starts in the enclosing message; added to every reported offset
   */
  constructor(bytes: Uint8Array, baseOffset = 0) {
    this.#bytes = bytes;
    this.#base = baseOffset;
  }

  /** Absolute offset of the next byte to read (baseOffset + bytes consumed). */
  get offset(): number {
    return this.#base + this.#pos;
  }

  /** Bytes consumed so far, relative to the start of `bytes`. */
  get position(): number {
    return this.#pos;
  }

  get remaining(): number {
    return this.#bytes.length - this.#pos;
  }

  u8(field: string): number {
    this.#need(1, field);
    return this.#bytes[this.#pos++]!;
  }

  u16(field: string): number {
    this.#need(2, field);
    const b = this.#bytes;
    const p = this.#pos;
    this.#pos += 2;
    return (b[p]! << 8) | b[p + 1]!;
  }

  u32(field: string): number {
    this.#need(4, field);
    const b = this.#bytes;
    const p = this.#pos;
    this.#pos += 4;
    // Multiply instead of shifting the top byte so the result stays unsigned.
    return b[p]! * 0x1000000 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
  }

  /** The next `length` bytes as an independent copy. Throws DecodeError when fewer remain. */
  bytes(length: number, field: string): Buffer {
    if (!Number.isSafeInteger(length) || length < 0) {
      throw new RangeError(`invalid length ${length} requested for ${field}`);
    }
    this.#need(length, field);
    const out = Buffer.from(this.#bytes.subarray(this.#pos, this.#pos + length));
    this.#pos += length;
    return out;
  }

  /** Everything not read yet, as an independent copy (possibly empty). */
  rest(field: string): Buffer {
    return this.bytes(this.remaining, field);
  }

  skip(length: number, field: string): void {
    if (!Number.isSafeInteger(length) || length < 0) {
      throw new RangeError(`invalid length ${length} requested for ${field}`);
    }
    this.#need(length, field);
    this.#pos += length;
  }

  #need(length: number, field: string): void {
    if (this.remaining < length) {
      throw new DecodeError(
        field,
        this.offset,
        `need ${length} byte${length === 1 ? '' : 's'} for ${field} but only ${this.remaining} remain`,
      );
    }
  }
}

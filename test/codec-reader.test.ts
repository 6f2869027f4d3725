import t from 'tap';
import { ByteReader, DecodeError } from '../lib/codec/reader.js';

t.test('reads big-endian integers in order', async (t) => {
  const r = new ByteReader(Uint8Array.from([0x10, 0x01, 0x00, 0x0e, 0xff, 0xff, 0xff, 0xfe]));
  t.equal(r.u8('version'), 0x10);
  t.equal(r.u8('flags'), 0x01);
  t.equal(r.u16('length'), 14);
  t.equal(r.u32('status'), 0xfffffffe, 'a u32 with the top bit set stays positive');
  t.equal(r.remaining, 0);
  t.equal(r.offset, 8);
});

t.test('a short read names the field and the absolute offset', async (t) => {
  const r = new ByteReader(Uint8Array.from([0x00, 0x02, 0x00]), 8);
  r.u16('attributes[0].head');
  t.equal(r.offset, 10, 'offset counts from the base offset');
  t.equal(r.position, 2);
  const err = t.throws(() => r.u16('attributes[0].length')) as DecodeError;
  t.ok(err instanceof DecodeError);
  t.equal(err.code, 'ERR_SSTP_DECODE');
  t.equal(err.field, 'attributes[0].length');
  t.equal(err.offset, 10);
  t.match(err.message, /attributes\[0\]\.length/);
  t.match(err.message, /offset 10/);
  t.equal(r.offset, 10, 'a failed read consumes nothing');
});

t.test('every width fails cleanly on an empty reader', async (t) => {
  const r = new ByteReader(new Uint8Array(0));
  t.throws(() => r.u8('a'), DecodeError);
  t.throws(() => r.u16('b'), DecodeError);
  t.throws(() => r.u32('c'), DecodeError);
  t.throws(() => r.bytes(1, 'd'), DecodeError);
  t.same(r.rest('e'), Buffer.alloc(0), 'rest of nothing is empty, not an error');
});

t.test('bytes() returns a copy the caller may keep', async (t) => {
  const source = Uint8Array.from([1, 2, 3, 4, 5]);
  const r = new ByteReader(source);
  r.skip(1, 'reserved');
  const got = r.bytes(3, 'nonce');
  source.fill(0);
  t.same([...got], [2, 3, 4], 'later changes to the input do not reach the result');
  t.same([...r.rest('tail')], [0]);
  t.equal(r.remaining, 0);
});

t.test('a length that runs past the end is refused without allocating it', async (t) => {
  const r = new ByteReader(Uint8Array.from([1, 2]));
  const err = t.throws(() => r.bytes(4000, 'value')) as DecodeError;
  t.equal(err.field, 'value');
  t.equal(err.offset, 0);
  t.throws(() => r.bytes(-1, 'value'), RangeError, 'a negative length is a caller bug');
});

import t from 'tap';
import { PassThrough } from 'node:stream';
import { StreamReader } from '../lib/net/stream-reader.js';

// A parser that takes one line at a time.
const line = (buffer: Buffer) => {
  const end = buffer.indexOf(10);
  return end < 0 ? null : { value: buffer.subarray(0, end).toString(), rest: buffer.subarray(end + 1) };
};

t.test('units split across chunks are reassembled; leftovers stay for the next read', async (t) => {
  const stream = new PassThrough();
  const reader = new StreamReader(stream, Buffer.from('fir'));
  setTimeout(() => stream.write('st\nsecond\nthi'), 5);
  t.same(await reader.read(line, 1000), { ok: true, value: 'first' });
  t.same(await reader.read(line, 1000), { ok: true, value: 'second' });
  setTimeout(() => stream.write('rd\n'), 5);
  t.same(await reader.read(line, 1000), { ok: true, value: 'third' });
});

t.test('timeout, close, reset, abort and invalid input are distinct outcomes', async (t) => {
  const silent = new StreamReader(new PassThrough());
  t.match(await silent.read(line, 20), { ok: false, reason: 'timeout' });

  const closing = new PassThrough();
  const closed = new StreamReader(closing);
  setTimeout(() => closing.end(), 5);
  t.match(await closed.read(line, 1000), { ok: false, reason: 'closed' });

  const resetting = new PassThrough();
  const reset = new StreamReader(resetting);
  setTimeout(() => resetting.destroy(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })), 5);
  t.match(await reset.read(line, 1000), { ok: false, reason: 'reset' });

  const controller = new AbortController();
  const aborted = new StreamReader(new PassThrough());
  setTimeout(() => controller.abort(), 5);
  t.match(await aborted.read(line, 5000, controller.signal), { ok: false, reason: 'aborted' });

  const bad = new PassThrough();
  const invalid = new StreamReader(bad, Buffer.from('x'));
  const outcome = await invalid.read(() => {
    throw new Error('not a unit');
  }, 1000);
  t.match(outcome, { ok: false, reason: 'invalid' });
});

import t from 'tap';
import { desEcbEncrypt, spreadDesKey } from '../lib/auth/des.js';

t.test('FIPS 81 ECB example: key 0123456789ABCDEF', async (t) => {
  const key = Buffer.from('0123456789ABCDEF', 'hex');
  t.equal(desEcbEncrypt(key, Buffer.from('Now is t', 'ascii')).toString('hex').toUpperCase(), '3FA40E8A984D4815');
  t.equal(
    desEcbEncrypt(key, Buffer.from('Now is the time for all ', 'ascii')).toString('hex').toUpperCase(),
    '3FA40E8A984D48156A271787AB8883F9893D51EC4B563B53',
    'each 8-byte block is encrypted on its own, no padding added',
  );
});

t.test('7-byte keys are spread over 8 bytes, 7 bits each', async (t) => {
  // 56 one-bits become FE in every byte (parity bit left clear).
  t.equal(spreadDesKey(Buffer.alloc(7, 0xff)).toString('hex'), 'fefefefefefefefe');
  // 0x80 00.. puts the first key bit at the top of byte 0; 0x01 at the end lands in byte 7.
  t.equal(spreadDesKey(Buffer.from('80000000000001', 'hex')).toString('hex'), '8000000000000002');
  // A 7-byte key gives the same ciphertext as its spread 8-byte form.
  const k7 = Buffer.from('0123456789ABCD', 'hex');
  t.same(desEcbEncrypt(k7, Buffer.alloc(8)), desEcbEncrypt(spreadDesKey(k7), Buffer.alloc(8)));
});

t.test('parity bits do not change the result', async (t) => {
  const withParity = Buffer.from('0123456789ABCDEF', 'hex');
  const cleared = Buffer.from(withParity.map((b) => b & 0xfe));
  t.same(desEcbEncrypt(cleared, Buffer.from('Now is t')), desEcbEncrypt(withParity, Buffer.from('Now is t')));
});

t.test('invalid sizes are refused before encrypting', async (t) => {
  t.throws(() => desEcbEncrypt(Buffer.alloc(6), Buffer.alloc(8)), RangeError);
  t.throws(() => desEcbEncrypt(Buffer.alloc(8), Buffer.alloc(7)), RangeError);
  t.throws(() => spreadDesKey(Buffer.alloc(8)), RangeError);
});

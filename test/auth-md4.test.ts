import t from 'tap';
import { md4 } from '../lib/auth/md4.js';

t.test('RFC 1320 appendix A.5 test suite', async (t) => {
  const suite: Array<[string, string]> = [
    ['', '31d6cfe0d16ae931b73c59d7e0c089c0'],
    ['a', 'bde52cb31de33e46245e05fbdbd6fb24'],
    ['abc', 'a448017aaf21d8525fc10ae87aa6729d'],
    ['message digest', 'd9130a8164549fe818874806e1c7014b'],
    ['abcdefghijklmnopqrstuvwxyz', 'd79e1c308aa5bbcdeea8ed63df412da9'],
    ['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', '043f8582f241db351ce627e153e7f0e4'],
    ['1234567890'.repeat(8), 'e33b4ddc9c38f2199c3e7b164fcc0536'],
  ];
  for (const [input, digest] of suite) {
    t.equal(md4(Buffer.from(input, 'ascii')).toString('hex'), digest, `MD4("${input.slice(0, 20)}")`);
  }
});

t.test('NT password hash of the RFC 2759 §9.2 sample password', async (t) => {
  // MD4 of UTF-16LE "clientPass" is the PasswordHash printed in RFC 2759 §9.2.
  t.equal(md4(Buffer.from('clientPass', 'utf16le')).toString('hex').toUpperCase(), '44EBBA8D5312B8D611474411F56989AE');
});

t.test('input that is not a Buffer and crosses the padding boundary', async (t) => {
  // 56 bytes forces a second padding block; a plain Uint8Array must hash like a Buffer.
  const bytes = new Uint8Array(56).fill(0x61);
  t.same(md4(bytes), md4(Buffer.from('a'.repeat(56), 'ascii')));
  t.equal(md4(bytes).length, 16);
  t.not(md4(bytes.subarray(0, 55)).toString('hex'), md4(bytes).toString('hex'));
});

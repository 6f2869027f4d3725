import t from 'tap';
import fc from 'fast-check';
import {
  authProtocolName,
  authProtocolOption,
  decodeChapPacket,
  decodeLcpPacket,
  decodeMsChapV2ResponseValue,
  decodeNcpPacket,
  decodeOptions,
  decodePapPacket,
  decodePppFrame,
  describeIpcpOption,
  describeLcpOption,
  encodeChapPacket,
  encodeLcpPacket,
  encodeMsChapV2ResponseValue,
  encodeOptions,
  encodePapPacket,
  encodePppFrame,
  formatMsChapV2Failure,
  ipv4Option,
  lcpCodeName,
  lcpOptionName,
  magicNumberOption,
  msChapErrorName,
  mruOption,
  parseMsChapV2Failure,
  parseMsChapV2Success,
  pppProtocolName,
  readMagicNumber,
  readMru,
  type LcpPacket,
} from '../lib/codec/ppp.js';
import { DecodeError } from '../lib/codec/reader.js';

const h = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

t.test('frames: always FF 03 + 16-bit protocol out, lenient in', async (t) => {
  // Reference §4.3: FF03 C021 | 01 01 000E | 01 04 05DC | 05 06 <magic>
  const lcp = h('01 01 000E 01 04 05DC 05 06 11223344');
  t.same(encodePppFrame(0xc021, lcp), h('FF 03 C0 21 01 01 000E 01 04 05DC 05 06 11223344'));
  t.same(decodePppFrame(h('FF 03 C0 21 09 01 00 08 00 00 00 00')), { protocol: 0xc021, information: h('09 01 00 08 00 00 00 00') });
  t.same(decodePppFrame(h('C0 21 05 02 00 04')), { protocol: 0xc021, information: h('05 02 00 04') }, 'no address/control (ACFC)');
  t.same(decodePppFrame(h('21 45 00')), { protocol: 0x21, information: h('45 00') }, 'one-byte protocol (PFC): IP');
  t.same(decodePppFrame(h('FF 03 21 45')), { protocol: 0x21, information: h('45') }, 'FF 03 then compressed protocol');
  const err = t.throws(() => decodePppFrame(h('FF 05 C0 21')));
  t.match(err, { code: 'ERR_SSTP_DECODE', field: 'control', offset: 1 });
  t.throws(() => decodePppFrame(h('FF 03 C0')), DecodeError, 'truncated protocol');
  t.equal(pppProtocolName(0xc223), 'CHAP');
  t.equal(pppProtocolName(0x80fd), 'CCP');
  t.equal(pppProtocolName(0x1234), 'UNKNOWN(0x1234)');
});

t.test('Windows Server 2008 LCP Configure-Request (reference §4.2)', async (t) => {
  const ed = h('0102030405060708090A0B0C0D0E0F1011121314');
  // code 1, id 7, length 46 | MRU 4091 | MS-CHAPv2 | magic | PFC | ACFC | endpoint discriminator class 1
  const bytes = h(`01 07 002E  01 04 0FFB  03 05 C223 81  05 06 2A3B4C5D  07 02  08 02  13 17 01 ${ed.toString('hex')}`);
  const p = decodeLcpPacket(bytes);
  t.equal(p.kind, 'configure');
  if (p.kind !== 'configure') return;
  t.equal(p.code, 1);
  t.equal(p.id, 7);
  t.same(p.options.map((o) => o.type), [1, 3, 5, 7, 8, 19]);
  t.equal(readMru(p.options[0]!), 4091);
  t.equal(authProtocolName(p.options[1]!), 'mschapv2');
  t.equal(readMagicNumber(p.options[2]!), 0x2a3b4c5d);
  t.same(p.options.map((o) => describeLcpOption(o)), [
    { type: 1, name: 'MRU', value: '4091' },
    { type: 3, name: 'Auth-Protocol', value: 'mschapv2 (0xc22381)' },
    { type: 5, name: 'Magic-Number', value: '0x2a3b4c5d' },
    { type: 7, name: 'PFC', value: 'yes' },
    { type: 8, name: 'ACFC', value: 'yes' },
    { type: 19, name: 'Endpoint-Discriminator', value: `class 1 (locally assigned) 0x${ed.toString('hex')}` },
  ]);
  t.same(encodeLcpPacket(p), bytes, 'round trip');
});

t.test('Windows Server 2016 EAP request: callback and MRRU', async (t) => {
  const bytes = h('01 01 001D  01 04 0FFB  03 04 C227  05 06 01020304  0D 03 06  11 04 064E  13 04 01 AA');
  const p = decodeLcpPacket(bytes);
  if (p.kind !== 'configure') return t.fail('not a configure packet');
  t.equal(authProtocolName(p.options[1]!), 'eap');
  t.same(describeLcpOption(p.options[3]!), { type: 13, name: 'Callback', value: 'operation 6 (CBCP)' });
  t.same(describeLcpOption(p.options[4]!), { type: 17, name: 'MRRU', value: '1614' });
  t.same(encodeLcpPacket(p), bytes);
});

t.test('auth protocol names (reference §4.2 table)', async (t) => {
  t.equal(authProtocolName({ type: 3, data: h('C023') }), 'pap');
  t.equal(authProtocolName({ type: 3, data: h('C22305') }), 'chap-md5');
  t.equal(authProtocolName({ type: 3, data: h('C22380') }), 'mschap');
  t.equal(authProtocolName({ type: 3, data: h('C22381') }), 'mschapv2');
  t.equal(authProtocolName({ type: 3, data: h('C227') }), 'eap');
  t.equal(authProtocolName({ type: 3, data: h('C22306') }), 'UNKNOWN(0xc22306)');
  t.equal(authProtocolName({ type: 3, data: h('C02D') }), 'UNKNOWN(0xc02d)');
  for (const m of ['pap', 'chap-md5', 'mschap', 'mschapv2', 'eap'] as const) {
    t.equal(authProtocolName(authProtocolOption(m)), m, `${m} option round trip`);
  }
  t.same(encodeOptions([authProtocolOption('mschapv2')]), h('03 05 C2 23 81'));
  t.same(encodeOptions([authProtocolOption('eap')]), h('03 04 C2 27'));
  t.same(encodeOptions([mruOption(4091), magicNumberOption(0xdeadbeef)]), h('01 04 0FFB 05 06 DEADBEEF'));
});

t.test('unknown options are kept raw and named', async (t) => {
  const opts = decodeOptions(h('1F 04 ABCD  01 03 05'));
  t.same(opts, [{ type: 0x1f, data: h('ABCD') }, { type: 1, data: h('05') }]);
  t.same(describeLcpOption(opts[0]!), { type: 31, name: 'UNKNOWN(0x1f)', value: '0xabcd' });
  t.same(describeLcpOption(opts[1]!), { type: 1, name: 'MRU', value: 'malformed 0x05' });
  t.equal(readMru(opts[1]!), null);
  t.equal(lcpOptionName(2), 'ACCM');
  t.same(encodeOptions(opts), h('1F 04 ABCD 01 03 05'));
});

t.test('malformed LCP fails with field and offset', async (t) => {
  t.match(t.throws(() => decodeLcpPacket(h('01 01 0003'))), { field: 'length', offset: 2 });
  t.match(t.throws(() => decodeLcpPacket(h('01 01 0010 01 04'))), { field: 'data' }, 'length beyond the bytes');
  t.match(t.throws(() => decodeLcpPacket(h('01 01 0006 01 01'))), { field: 'option.length', offset: 5 });
  t.match(t.throws(() => decodeLcpPacket(h('01 01 0007 01 04 05'))), { field: 'option.data', offset: 6 });
  t.match(t.throws(() => decodeLcpPacket(h('09 01 0006 0000'))), { field: 'magic-number', offset: 4 });
  // Bytes past Length are padding (RFC 1661 §5).
  t.same(decodeLcpPacket(h('06 02 0004 0000')), { kind: 'terminate', code: 6, id: 2, data: Buffer.alloc(0) });
});

t.test('the other LCP packets round-trip', async (t) => {
  const cases: Array<[string, LcpPacket]> = [
    ['05 03 0008 62796521', { kind: 'terminate', code: 5, id: 3, data: Buffer.from('bye!') }],
    ['07 04 0008 0C 01 0004', { kind: 'code-reject', code: 7, id: 4, rejected: h('0C010004') }],
    ['08 05 000A 8057 01 01 0004', { kind: 'protocol-reject', code: 8, id: 5, protocol: 0x8057, rejected: h('01010004') }],
    ['09 06 000A 01020304 AABB', { kind: 'echo', code: 9, id: 6, magic: 0x01020304, data: h('AABB') }],
    ['0A 06 0008 FFFFFFFF', { kind: 'echo', code: 10, id: 6, magic: 0xffffffff, data: Buffer.alloc(0) }],
    ['0C 07 0005 00', { kind: 'unknown', code: 12, id: 7, data: h('00') }],
  ];
  for (const [bytes, packet] of cases) {
    t.same(decodeLcpPacket(h(bytes)), packet, `decode ${lcpCodeName(packet.code)}`);
    t.same(encodeLcpPacket(packet), h(bytes), `encode ${lcpCodeName(packet.code)}`);
  }
  t.equal(lcpCodeName(12), 'UNKNOWN(0x0c)');
});

t.test('PAP (RFC 1334 §2.2)', async (t) => {
  const req = h('01 01 0012 04 75736572 08 7365637265743121');
  t.same(decodePapPacket(req), { kind: 'request', code: 1, id: 1, peerId: 'user', password: 'secret1!' });
  t.same(encodePapPacket({ kind: 'request', code: 1, id: 1, peerId: 'user', password: 'secret1!' }), req);
  t.same(decodePapPacket(h('02 01 0007 02 6F6B')), { kind: 'ack', code: 2, id: 1, message: 'ok' });
  t.same(decodePapPacket(h('03 01 0005 00')), { kind: 'nak', code: 3, id: 1, message: '' });
  t.same(decodePapPacket(h('02 01 0004')), { kind: 'ack', code: 2, id: 1, message: '' }, 'Ack without Msg-Length');
  t.match(t.throws(() => decodePapPacket(h('01 01 0006 05 75'))), { field: 'peer-id' });
});

t.test('CHAP and MS-CHAPv2 layouts (reference §4.4)', async (t) => {
  const authChallenge = h('5B5D7C7D7B3F2F3E3C2C602132262628');
  const challenge = Buffer.concat([h('01 2A 0019 10'), authChallenge, Buffer.from('RRAS')]);
  const c = decodeChapPacket(challenge);
  t.same(c, { kind: 'challenge', code: 1, id: 0x2a, value: authChallenge, name: 'RRAS' });
  t.same(encodeChapPacket(c), challenge);

  const peerChallenge = h('21402324255E262A28295F2B3A337C7E');
  const ntResponse = h('82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF');
  const value = encodeMsChapV2ResponseValue({ peerChallenge, ntResponse, flags: 0 });
  t.same(value, Buffer.concat([peerChallenge, Buffer.alloc(8), ntResponse, h('00')]), '16 + 8 zero + 24 + flags');
  const response = encodeChapPacket({ kind: 'response', code: 2, id: 0x2a, value, name: 'User' });
  t.same(response.subarray(0, 5), h('02 2A 003A 31'), 'code, id, length 58, value-size 49');
  t.equal(response.subarray(54).toString(), 'User', 'the name ends the packet');
  const back = decodeChapPacket(response);
  if (back.kind !== 'response') return t.fail('not a response');
  t.equal(back.name, 'User');
  t.same(decodeMsChapV2ResponseValue(back.value), { peerChallenge, ntResponse, flags: 0 });
  t.throws(() => decodeMsChapV2ResponseValue(Buffer.alloc(48)), DecodeError);

  const success = Buffer.concat([h('03 2A 0033'), Buffer.from('S=407A5589115FD0D6209F510FE9C04566932CDA56 M=OK')]);
  t.same(decodeChapPacket(success), { kind: 'success', code: 3, id: 0x2a, message: 'S=407A5589115FD0D6209F510FE9C04566932CDA56 M=OK' });
});

t.test('MS-CHAPv2 Success and Failure messages (RFC 2759 §5-6)', async (t) => {
  t.same(parseMsChapV2Success('S=407A5589115FD0D6209F510FE9C04566932CDA56 M=Access granted'), {
    authenticatorResponse: 'S=407A5589115FD0D6209F510FE9C04566932CDA56',
    message: 'Access granted',
  });
  t.same(parseMsChapV2Success('S=407a5589115fd0d6209f510fe9c04566932cda56'), {
    authenticatorResponse: 'S=407a5589115fd0d6209f510fe9c04566932cda56',
    message: null,
  });
  t.same(parseMsChapV2Success('M=no authenticator'), { authenticatorResponse: null, message: 'no authenticator' });

  const f = parseMsChapV2Failure('E=691 R=0 C=8F4B6E2F9CA34A3D8C6B9E2D1F0A7C5B V=3 M=Authentication failure, E=1 R=1');
  t.same(f, {
    error: 691,
    retry: false,
    challenge: h('8F4B6E2F9CA34A3D8C6B9E2D1F0A7C5B'),
    version: 3,
    message: 'Authentication failure, E=1 R=1',
  }, 'M= runs to the end even when it contains key=value text');
  t.same(parseMsChapV2Failure('E=649 R=0'), { error: 649, retry: false, challenge: null, version: null, message: null });
  t.same(parseMsChapV2Failure('garbage'), { error: null, retry: null, challenge: null, version: null, message: null });
  const text = formatMsChapV2Failure({ error: 691, retry: false, challenge: h('00112233445566778899AABBCCDDEEFF'), version: 3, message: 'bad' });
  t.equal(text, 'E=691 R=0 C=00112233445566778899AABBCCDDEEFF V=3 M=bad');
  t.equal(parseMsChapV2Failure(text).error, 691);
  t.equal(msChapErrorName(691), 'ERROR_AUTHENTICATION_FAILURE');
  t.equal(msChapErrorName(1), 'UNKNOWN(1)');
});

t.test('IPCP (RFC 1332, RFC 1877)', async (t) => {
  const bytes = h('01 01 0016  03 06 C0000201  81 06 08080808  02 06 002D 0F 01');
  const p = decodeNcpPacket(bytes);
  if (p.kind !== 'configure') return t.fail('not configure');
  t.same(p.options.map((o) => describeIpcpOption(o)), [
    { type: 3, name: 'IP-Address', value: '192.0.2.1' },
    { type: 129, name: 'Primary-DNS', value: '8.8.8.8' },
    { type: 2, name: 'IP-Compression-Protocol', value: '0x002d 0x0f01' },
  ]);
  t.same(encodeLcpPacket(p), bytes);
  t.same(ipv4Option(3, '192.0.2.1'), { type: 3, data: h('C0000201') });
  t.throws(() => ipv4Option(3, '300.1.1.1'), RangeError);
  t.equal(decodeNcpPacket(h('09 01 0008 00000000')).kind, 'unknown', 'Echo is LCP-only');
});

t.test('decoders fail only with DecodeError on arbitrary bytes', async (t) => {
  const decoders = [decodePppFrame, decodeLcpPacket, decodeNcpPacket, decodePapPacket, decodeChapPacket, decodeOptions];
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      for (const decode of decoders) {
        try {
          decode(bytes);
        } catch (e) {
          if (!(e instanceof DecodeError)) throw e;
        }
      }
    }),
    { numRuns: 500 },
  );
  t.pass('no other exception escaped');
});

t.test('LCP configure packets round-trip for arbitrary options', async (t) => {
  const option = fc.record({ type: fc.integer({ min: 0, max: 255 }), data: fc.uint8Array({ maxLength: 20 }).map((a) => Buffer.from(a)) });
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 255 }), fc.array(option, { maxLength: 8 }), (code, id, options) => {
      const packet = { kind: 'configure', code: code as 1 | 2 | 3 | 4, id, options } as const;
      const decoded = decodeLcpPacket(encodeLcpPacket(packet));
      return JSON.stringify(decoded) === JSON.stringify(packet);
    }),
    { numRuns: 200 },
  );
  t.pass('round trip holds');
});

import t from 'tap';
import { createHash, createHmac } from 'node:crypto';
import {
  buildCallConnected,
  certificateHash,
  chooseBindingHash,
  compoundMac,
  deriveCmk,
  verifyCallConnected,
} from '../lib/auth/crypto-binding.js';
import { msChapV2Hlak, zeroHlak } from '../lib/auth/mppe.js';

const h = (s: string): Buffer => Buffer.from(s, 'hex');

// MS-SSTP §4.7 vectors as given in the protocol reference §3.6.
const V256 = {
  hlak: h('2A1BB40D55AB0F5EF32F06F2B3CC73C48FD3FAC41D7A1315A19228D9024CA164'),
  cmk: 'ecf59ac9fe155cf0a9e7d66adc1b363c1ad7ba91a9217f0cec2a534298828df6',
};
const V1 = {
  hlak: h('4B3128F43925D9006EEFB1C4E86515A1D88E56BAB3CA2BDF0373B7F5A8A13B19'),
  cmk: 'a98b862a38cc7e224b42cd128586acb22f0bd1e9',
};

const nonce = Buffer.from(Array.from({ length: 32 }, (_, i) => 0xa0 + i));
const certDer = Buffer.from('3082 fake leaf certificate DER', 'ascii');
const otherCertDer = Buffer.from('3082 offload appliance certificate', 'ascii');

t.test('MS-SSTP §4.7: HLAK -> CMK with a little-endian length', async (t) => {
  t.equal(deriveCmk(V256.hlak, 'sha256').toString('hex'), V256.cmk, 'SHA-256 CMK');
  t.equal(deriveCmk(V1.hlak, 'sha1').toString('hex'), V1.cmk, 'SHA-1 CMK');
});

t.test('Call-Connected layout (reference §3.2) and MAC over the zeroed message', async (t) => {
  for (const [hash, v, len] of [['sha256', V256, 32], ['sha1', V1, 20]] as const) {
    const msg = buildCallConnected({ hashProtocol: hash, nonce, certDer, hlak: v.hlak });
    t.equal(msg.length, 112, `${hash}: 112 bytes`);
    t.equal(msg.subarray(0, 15).toString('hex'), '100100700004000100030068000000', `${hash}: header`);
    t.equal(msg[15], hash === 'sha256' ? 2 : 1, `${hash}: hash protocol byte`);
    t.same(msg.subarray(16, 48), nonce, `${hash}: nonce copied`);
    const certHash = createHash(hash).update(certDer).digest();
    t.same(msg.subarray(48, 48 + len), certHash, `${hash}: leaf certificate hash`);
    t.same(msg.subarray(48 + len, 80), Buffer.alloc(32 - len), `${hash}: cert hash slot zero-padded`);
    // Recompute the MAC the way §3.5 describes, from the §4.7 CMK, over the message with 80-111 zeroed.
    const zeroed = Buffer.concat([msg.subarray(0, 80), Buffer.alloc(32)]);
    const mac = createHmac(hash, h(v.cmk)).update(zeroed).digest();
    t.same(msg.subarray(80, 80 + len), mac, `${hash}: compound MAC`);
    t.same(msg.subarray(80 + len), Buffer.alloc(32 - len), `${hash}: MAC slot zero-padded`);
    t.same(compoundMac(h(v.cmk), msg, hash), mac, `${hash}: MAC ignores whatever sits in 80-111`);
  }
});

t.test('a server with the same HLAK, nonce and certificate accepts the binding', async (t) => {
  const nt = h('82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF');
  const clientHlak = msChapV2Hlak('clientPass', nt, 'client');
  const serverHlak = msChapV2Hlak('clientPass', nt, 'server');
  for (const hash of ['sha1', 'sha256'] as const) {
    const msg = buildCallConnected({ hashProtocol: hash, nonce, certDer, hlak: clientHlak });
    const expectedCertHashes = { sha1: certificateHash(certDer, 'sha1'), sha256: certificateHash(certDer, 'sha256') };
    t.same(verifyCallConnected(msg, { nonce, expectedCertHashes, hlak: serverHlak }), { ok: true, hashProtocol: hash });
  }
  const pap = buildCallConnected({ hashProtocol: 'sha256', nonce, certHash: certificateHash(certDer, 'sha256'), hlak: zeroHlak() });
  t.same(
    verifyCallConnected(pap, { nonce, expectedCertHashes: { sha256: certificateHash(certDer, 'sha256') }, hlak: zeroHlak() }),
    { ok: true, hashProtocol: 'sha256' },
    'PAP binding with the zero HLAK',
  );
});

t.test('refusals name the reason and the Abort status (reference §2.6)', async (t) => {
  const hlak = Buffer.alloc(32, 7);
  const expectedCertHashes = { sha256: certificateHash(certDer, 'sha256') };
  const good = buildCallConnected({ hashProtocol: 'sha256', nonce, certDer, hlak });
  const input = { nonce, expectedCertHashes, hlak };

  const offload = buildCallConnected({ hashProtocol: 'sha256', nonce, certDer: otherCertDer, hlak });
  t.same(verifyCallConnected(offload, input), { ok: false, reason: 'cert-hash-mismatch', attribId: 3, status: 4 }, 'TLS offload certificate');

  const sha1 = buildCallConnected({ hashProtocol: 'sha1', nonce, certDer, hlak });
  t.same(verifyCallConnected(sha1, input), { ok: false, reason: 'cert-hash-mismatch', attribId: 3, status: 4 }, 'no SHA-1 hash configured');
  t.same(verifyCallConnected(sha1, { ...input, hashBitmask: 0x02 }), { ok: false, reason: 'hash-protocol-mismatch', attribId: 3, status: 4 }, 'SHA-1 not offered');

  t.same(verifyCallConnected(good, { ...input, nonce: Buffer.alloc(32) }), { ok: false, reason: 'nonce-mismatch', attribId: 3, status: 4 });
  t.same(verifyCallConnected(good, { ...input, hlak: Buffer.alloc(32) }), { ok: false, reason: 'mac-mismatch', attribId: 3, status: 4 }, 'other keys');

  const flipped = Buffer.from(good);
  flipped[100]! ^= 0x01;
  t.same(verifyCallConnected(flipped, input), { ok: false, reason: 'mac-mismatch', attribId: 3, status: 4 }, 'altered MAC');

  t.same(verifyCallConnected(good.subarray(0, 100), input), { ok: false, reason: 'bad-length', attribId: 2, status: 9 });
  const noBinding = Buffer.from(good);
  noBinding[9] = 0x04;
  t.same(verifyCallConnected(noBinding, input), { ok: false, reason: 'binding-missing', attribId: 2, status: 9 });
  const disconnect = h('10010014000600010002000C0000000000000000');
  t.equal(verifyCallConnected(disconnect, input).ok, false, 'another message type is refused');
});

t.test('hash choice from the Connect-Ack bitmask (reference §3.1)', async (t) => {
  t.equal(chooseBindingHash(0x03), 'sha256');
  t.equal(chooseBindingHash(0x02), 'sha256');
  t.equal(chooseBindingHash(0x01), 'sha1');
  t.equal(chooseBindingHash(0x00), null);
});

t.test('bad inputs are refused before building', async (t) => {
  t.throws(() => buildCallConnected({ hashProtocol: 'sha1', nonce: Buffer.alloc(16), certDer, hlak: Buffer.alloc(32) }), RangeError);
  t.throws(() => buildCallConnected({ hashProtocol: 'sha1', nonce, certDer, hlak: Buffer.alloc(16) }), RangeError);
  t.throws(() => buildCallConnected({ hashProtocol: 'sha1', nonce, certHash: Buffer.alloc(32), hlak: Buffer.alloc(32) }), RangeError);
});

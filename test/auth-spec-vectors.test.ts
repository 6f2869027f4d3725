import t from 'tap';
import { buildCallConnected, deriveCmk } from '../lib/auth/crypto-binding.js';
import * as spec from '../fixtures/packets/spec.js';

// MS-SSTP §4.7: from the spec's HLAK, nonce and certificate hash, our crypto binding reproduces the spec's
// 112-byte Call Connected message, compound MAC included, for SHA-256 and for SHA-1.

t.test('MS-SSTP §4.7 SHA-256 vector', async (t) => {
  t.equal(deriveCmk(spec.SHA256_HLAK, 'sha256').toString('hex'), 'ecf59ac9fe155cf0a9e7d66adc1b363c1ad7ba91a9217f0cec2a534298828df6');
  const message = buildCallConnected({ hashProtocol: 'sha256', nonce: spec.SHA256_NONCE, certHash: spec.SHA256_CERT_HASH, hlak: spec.SHA256_HLAK });
  t.equal(message.subarray(80).toString('hex').toUpperCase(), spec.SHA256_COMPOUND_MAC.toString('hex').toUpperCase());
  t.equal(message.toString('hex'), spec.CALL_CONNECTED_SHA256.toString('hex'), 'the whole 112-byte message');
});

t.test('MS-SSTP §4.7 SHA-1 vector', async (t) => {
  t.equal(deriveCmk(spec.SHA1_HLAK, 'sha1').toString('hex'), 'a98b862a38cc7e224b42cd128586acb22f0bd1e9');
  const message = buildCallConnected({ hashProtocol: 'sha1', nonce: spec.SHA1_NONCE, certHash: spec.SHA1_CERT_HASH, hlak: spec.SHA1_HLAK });
  t.equal(message.subarray(80, 100).toString('hex').toUpperCase(), spec.SHA1_COMPOUND_MAC.toString('hex').toUpperCase());
  t.equal(message.subarray(100).toString('hex'), '00'.repeat(12), 'the SHA-1 MAC slot is zero-padded');
  t.equal(message.toString('hex'), spec.CALL_CONNECTED_SHA1.toString('hex'), 'the whole 112-byte message');
});

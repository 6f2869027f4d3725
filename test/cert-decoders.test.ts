import t from 'tap';
import fc from 'fast-check';
import { createCertFactory, createCrl, createOcspResponse } from '../fixtures/certs.js';
import { checkCrl, parseCrl } from '../lib/cert/crl.js';
import { DerDecodeError, derToPem } from '../lib/cert/der.js';
import { buildOcspRequest, checkOcspResponse } from '../lib/cert/ocsp.js';
import { parseCertificate } from '../lib/cert/x509.js';
import { judgeCertificate } from '../lib/cert/judge.js';

// The CRL, OCSP and certificate decoders read bytes from the network: they must either understand them or
// fail with a DerDecodeError (OCSP: an error verdict), never with anything else.

const factory = createCertFactory();
const pki = factory.createPki({ key: { type: 'ec' } });
const leaf = pki.leaf({ subjectCN: 'vpn.contoso.test' });
const now = new Date();
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const revokedAt = new Date(Date.UTC(2025, 0, 2, 3, 4, 5));
const crlDer = createCrl(pki.intermediate, [{ serialNumber: leaf.serialNumber, revokedAt }, { serialNumber: '00FF' }], {
  thisUpdate: new Date(now.getTime() - 3_600_000),
  nextUpdate: new Date(now.getTime() + 86_400_000),
});
// A delta CRL with entry reason codes and a Freshest CRL extension, and a certificate naming a delta: the parts
// of the decoders only delta CRLs reach.
const deltaCrlDer = createCrl(pki.intermediate, [{ serialNumber: leaf.serialNumber, reason: 8 }, { serialNumber: '00FF', reason: 1 }], {
  crlNumber: 0x1234567,
  deltaOf: 0x1234566,
  freshestCrlUrls: ['http://pki.contoso.test/Issuing+.crl'],
});
const deltaLeaf = pki.leaf({ subjectCN: 'vpn.contoso.test', crlUrls: ['http://pki.contoso.test/Issuing.crl'], freshestCrlUrls: ['http://pki.contoso.test/Issuing+.crl'] });
const ocspDer = createOcspResponse(pki.intermediate, buildOcspRequest(leaf.der, pki.intermediate.der), []);

t.test('a CRL reads back as written, in DER and PEM', async (t) => {
  for (const bytes of [crlDer, Buffer.from(derToPem(crlDer, 'X509 CRL'))]) {
    const crl = parseCrl(bytes);
    t.equal(crl.issuer, 'CN=sstp-probe Test Issuing CA, O=sstp-probe');
    t.same([...crl.revoked.keys()], [leaf.serialNumber, 'FF'], 'serials as certificates print them');
    t.equal(crl.revoked.get(leaf.serialNumber)?.toISOString(), revokedAt.toISOString());
    t.same(checkCrl(crl, { serialNumber: leaf.serialNumber, issuerDer: pki.intermediate.der }, now), { status: 'revoked', revokedAt });
    t.same(checkCrl(crl, { serialNumber: '01', issuerDer: pki.intermediate.der }, now), { status: 'good', revokedAt: null });
  }
  const crl = parseCrl(crlDer);
  t.same(checkCrl(crl, { serialNumber: '01', issuerDer: pki.root.der }, now), { status: 'invalid', problem: 'wrong-issuer' });
  t.same(checkCrl(crl, { serialNumber: '01', issuerDer: pki.intermediate.der }, new Date(now.getTime() + 2 * 86_400_000)), { status: 'invalid', problem: 'expired' });
  t.same(checkCrl(crl, { serialNumber: '01', issuerDer: pki.intermediate.der }, new Date(now.getTime() - 2 * 3_600_000)), { status: 'invalid', problem: 'not-yet-valid' });
  const tampered = Buffer.from(crlDer);
  tampered[tampered.length - 1] ^= 0x01;
  const tc = parseCrl(tampered);
  t.same(checkCrl(tc, { serialNumber: '01', issuerDer: pki.intermediate.der }, now), { status: 'invalid', problem: 'bad-signature' });
});

t.test('an OCSP response reads back as written', async (t) => {
  const v = checkOcspResponse(ocspDer, leaf.der, pki.intermediate.der, now);
  t.equal(v.status, 'good');
  const other = pki.leaf({ subjectCN: 'other' });
  t.same(checkOcspResponse(ocspDer, other.der, pki.intermediate.der, now), { status: 'error', problem: 'response does not cover this certificate' });
  t.same(checkOcspResponse(ocspDer, leaf.der, pki.intermediate.der, new Date(now.getTime() + 2 * 86_400_000)), {
    status: 'error',
    problem: 'response is stale (nextUpdate passed)',
  });
});

const mutations = (der: Buffer) =>
  fc.oneof(
    fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
    fc.record({ at: fc.nat(der.length - 1), value: fc.integer({ min: 0, max: 255 }) }).map(({ at, value }) => {
      const b = Buffer.from(der);
      b[at] = value;
      return b;
    }),
    fc.nat(der.length).map((n) => der.subarray(0, n)),
  );

t.test('damaged or random bytes only ever fail as decode errors', async (t) => {
  const onlyDecodeErrors = (fn: () => unknown): boolean => {
    try {
      fn();
      return true;
    } catch (error) {
      return error instanceof DerDecodeError;
    }
  };
  t.doesNotThrow(() => fc.assert(fc.property(mutations(crlDer), (b) => onlyDecodeErrors(() => parseCrl(b))), { numRuns: RUNS }));
  t.doesNotThrow(() => fc.assert(fc.property(mutations(deltaCrlDer), (b) => onlyDecodeErrors(() => parseCrl(b))), { numRuns: RUNS }));
  t.doesNotThrow(() => fc.assert(fc.property(mutations(deltaLeaf.der), (b) => onlyDecodeErrors(() => parseCertificate(b))), { numRuns: RUNS }));
  t.doesNotThrow(() => fc.assert(fc.property(mutations(leaf.der), (b) => onlyDecodeErrors(() => parseCertificate(b))), { numRuns: RUNS }));
  t.doesNotThrow(() =>
    fc.assert(
      fc.property(mutations(leaf.der), mutations(pki.intermediate.der), (l, i) =>
        onlyDecodeErrors(() => judgeCertificate({ chain: [l, i], host: 'vpn.contoso.test', now, trustedCaPems: [pki.root.certPem] })),
      ),
      { numRuns: RUNS },
    ),
  );
  t.doesNotThrow(() =>
    fc.assert(
      fc.property(mutations(ocspDer), (b) => {
        const v = checkOcspResponse(b, leaf.der, pki.intermediate.der, now);
        return ['good', 'revoked', 'unknown', 'error'].includes(v.status);
      }),
      { numRuns: RUNS },
    ),
  );
});

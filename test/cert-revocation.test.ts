import t from 'tap';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Agent, type Dispatcher } from 'undici';
import { createCertFactory, createCrl, type IssuedCert, type Pki } from '../fixtures/certs.js';
import { unusedPort } from '../fixtures/ports.js';
import { startPkiServer, type PkiServer } from '../fixtures/pki-server.js';
import { judgeCertificate } from '../lib/cert/judge.js';
import { buildOcspRequest } from '../lib/cert/ocsp.js';
import { checkRevocation, judgeOnline, toRevocationInfo, type OnlineJudgement, type OnlineOptions, type RevocationResult } from '../lib/cert-online/revocation.js';
import type { Finding } from '../lib/types.js';
import { certificateFindings } from './helpers/cert-findings.js';

// Online checks against a loopback CA publication point: CRLs, OCSP, AIA, and the ways they fail. The checks
// are evidence; the findings a user reads come from the diagnosis, so the main cases run through it too.

const run = promisify(execFile);
const factory = createCertFactory();
const HOST = 'vpn.contoso.test';
const DAY = 86_400_000;

let server: PkiServer;
let pki: Pki;
t.before(async () => {
  server = await startPkiServer();
  pki = factory.createPki({ crlUrls: [`${server.url}/root.crl`] });
  server.setCrl('/root.crl', createCrl(pki.root, []));
});
t.teardown(() => server.close());

/** A deadline no loopback answer comes near, even on a loaded machine: outcomes never race the clock. */
const GENEROUS_MS = 20_000;
const opts = (extra: Partial<OnlineOptions> = {}): OnlineOptions => ({ now: new Date(), timeoutMs: GENEROUS_MS, ...extra });

/** The certificate findings for an online judgement, or for a revocation result about `chain`. */
function findingsOf(online: OnlineJudgement): Finding[];
function findingsOf(revocation: RevocationResult, chain: IssuedCert[]): Finding[];
function findingsOf(x: OnlineJudgement | RevocationResult, chain?: IssuedCert[]): Finding[] {
  return certificateFindings('judgement' in x ? x : { judgement: judge(chain!), issuerFetch: null, revocation: x }, HOST);
}
const causesOf = (found: Finding[]): string[] => found.map((f) => `${f.severity}:${f.cause}`);
const judge = (chain: IssuedCert[]) =>
  judgeCertificate({ chain: chain.map((c) => c.der), host: HOST, now: new Date(), trustedCaPems: [pki.root.certPem] });
const leaf = (crlUrls: string[], ocspUrl?: string, caIssuersUrl?: string): IssuedCert =>
  pki.leaf({ subjectCN: HOST, dnsNames: [HOST], crlUrls, ocspUrl, caIssuersUrl });

t.test('CRL that does not list the certificate: good, for leaf and intermediate', async (t) => {
  server.setCrl('/issuing-good.crl', createCrl(pki.intermediate, [{ serialNumber: '0ABC' }]));
  const l = leaf([`${server.url}/issuing-good.crl`]);
  const r = await checkRevocation(judge([l, pki.intermediate]), opts());
  t.equal(r.verdict, 'good');
  t.same(causesOf(findingsOf(r, [l, pki.intermediate])), []);
  t.same(
    r.attempts.map((a) => [a.kind, a.url, a.certificate, a.outcome, a.httpStatus, a.status]),
    [
      ['crl', `${server.url}/issuing-good.crl`, `CN=${HOST}`, 'ok', 200, 'good'],
      ['crl', `${server.url}/root.crl`, 'CN=sstp-probe Test Issuing CA, O=sstp-probe', 'ok', 200, 'good'],
    ],
  );
  t.same(toRevocationInfo(r), {
    verdict: 'good',
    sources: [
      { url: `${server.url}/issuing-good.crl`, kind: 'crl', outcome: 'good', detail: r.attempts[0]!.detail, certificate: `CN=${HOST}`, httpStatus: 200, durationMs: r.attempts[0]!.durationMs, nextUpdate: r.attempts[0]!.nextUpdate },
      { url: `${server.url}/root.crl`, kind: 'crl', outcome: 'good', detail: r.attempts[1]!.detail, certificate: 'CN=sstp-probe Test Issuing CA, O=sstp-probe', httpStatus: 200, durationMs: r.attempts[1]!.durationMs, nextUpdate: r.attempts[1]!.nextUpdate },
    ],
    revoked: null,
    detail: null,
  });
});

t.test('a certificate listed in the served CRL is revoked (0x80092010)', async (t) => {
  const l = leaf([`${server.url}/issuing-revoked.crl`]);
  const revokedAt = new Date(Date.UTC(2025, 2, 1));
  server.setCrl('/issuing-revoked.crl', createCrl(pki.intermediate, [{ serialNumber: l.serialNumber, revokedAt }]));
  const r = await checkRevocation(judge([l, pki.intermediate]), opts());
  t.equal(r.verdict, 'revoked');
  t.same(r.revoked, { certificate: `CN=${HOST}`, serialNumber: l.serialNumber, revokedAt: revokedAt.toISOString(), url: `${server.url}/issuing-revoked.crl` });
  const found = findingsOf(r, [l, pki.intermediate]);
  t.same(found.map((f) => [f.cause, f.severity, f.evidence.windowsCode]), [['cert-revoked', 'error', '0x80092010']]);
  t.match(found[0]!.evidence, { serialNumber: l.serialNumber, revokedAt: revokedAt.toISOString(), url: `${server.url}/issuing-revoked.crl` });
});

// Outcomes here must not depend on a race with the clock: locations that answer (or refuse) at once are asked
// under a deadline no busy machine comes near, and only a location that never answers is asked under a short
// one, which it cannot beat whatever the load.
t.test('CRL location unreachable: revocation offline (0x80092013), each URL says why', async (t) => {
  const port = await unusedPort();
  server.setStatus('/gone.crl', 404);
  server.setHang('/slow.crl');
  server.setFile('/garbage.crl', Buffer.from('<html>not a CRL</html>'));
  server.setCrl('/stale.crl', createCrl(pki.intermediate, [], { thisUpdate: new Date(Date.now() - 30 * DAY), nextUpdate: new Date(Date.now() - DAY) }));
  server.setCrl('/foreign.crl', createCrl(pki.root, []));
  const urls = [
    `http://127.0.0.1:${port}/closed.crl`,
    `${server.url}/gone.crl`,
    `${server.url}/garbage.crl`,
    `${server.url}/stale.crl`,
    `${server.url}/foreign.crl`,
    'ldap:///CN=Issuing,CN=CDP,DC=contoso,DC=test?certificateRevocationList',
  ];
  const l = leaf(urls);
  const r = await checkRevocation(judge([l, pki.intermediate]), opts({ timeoutMs: GENEROUS_MS }));
  t.equal(r.verdict, 'unreachable');
  const leafAttempts = r.attempts.filter((a) => a.certificate === `CN=${HOST}`);
  t.same(
    leafAttempts.map((a) => [a.outcome, a.httpStatus, a.status]),
    [
      ['refused', null, null],
      ['http-status', 404, null],
      ['parse-error', 200, null],
      ['invalid', 200, null],
      ['invalid', 200, null],
      ['unsupported-scheme', null, null],
    ],
  );
  t.match(leafAttempts[3]!.detail, /^CRL expired/);
  t.equal(leafAttempts[4]!.detail, 'CRL wrong-issuer');
  const found = findingsOf(r, [l, pki.intermediate]);
  t.same(found.map((f) => [f.cause, f.severity, f.evidence.windowsCode, f.evidence.reason]), [['cert-revocation-unreachable', 'error', '0x80092013', 'unreachable']]);
  t.match(found[0]!.summary, new RegExp(`127\\.0\\.0\\.1:${port}/closed\\.crl refuses the connection`));
  t.match(found[0]!.remediation.join('\n'), /has expired/);
  t.same(
    toRevocationInfo(r).sources.slice(0, 3).map((s) => [s.outcome, s.httpStatus]),
    [['refused', null], ['http-status', 404], ['parse-error', 200]],
    'the report keeps why each source failed',
  );

  // A location that never answers ends in a timeout under any deadline; a short one keeps the test quick.
  const hung = leaf([`${server.url}/slow.crl`]);
  const h = await checkRevocation(judge([hung, pki.intermediate]), opts({ timeoutMs: 300 }));
  t.equal(h.verdict, 'unreachable');
  t.same(h.attempts.filter((a) => a.certificate === `CN=${HOST}`).map((a) => [a.outcome, a.httpStatus, a.status, a.detail]), [['timeout', null, null, 'no answer within 300 ms']]);
  t.same(toRevocationInfo(h).sources[0]!.outcome, 'timeout', 'the report keeps the timeout');
  t.match(findingsOf(h, [hung, pki.intermediate])[0]!.summary, `${server.url}/slow.crl did not answer in time`);
});

t.test('a CRL signed by someone else does not count', async (t) => {
  const impostor = createCertFactory().createPki().intermediate; // same name, other key
  server.setCrl('/forged.crl', createCrl(impostor, []));
  const r = await checkRevocation(judge([leaf([`${server.url}/forged.crl`]), pki.intermediate]), opts());
  t.equal(r.attempts[0]!.outcome, 'invalid');
  t.equal(r.attempts[0]!.detail, 'CRL bad-signature');
  t.equal(r.verdict, 'unreachable');
});

t.test('oversized answers are cut off', async (t) => {
  server.setFile('/huge.crl', Buffer.alloc(64 * 1024, 0x30));
  const r = await checkRevocation(judge([leaf([`${server.url}/huge.crl`]), pki.intermediate]), opts({ maxBytes: 1024 }));
  t.equal(r.attempts[0]!.outcome, 'too-large');
});

t.test('OCSP: good, revoked, unknown; one good source is enough', async (t) => {
  const good = leaf([], `${server.url}/ocsp`);
  const revoked = leaf([], `${server.url}/ocsp`);
  server.setOcspResponder(pki.intermediate, [revoked.serialNumber]);
  server.setOcspResponder(pki.intermediate, [], '/ocsp-unknown', { unknown: true });

  const g = await checkRevocation(judge([good, pki.intermediate]), opts());
  t.same(g.attempts.filter((a) => a.kind === 'ocsp').map((a) => [a.outcome, a.status]), [['ok', 'good']]);
  t.equal(g.verdict, 'good');

  const r = await checkRevocation(judge([revoked, pki.intermediate]), opts());
  t.equal(r.verdict, 'revoked');
  t.equal(r.revoked?.serialNumber, revoked.serialNumber);

  const u = await checkRevocation(judge([leaf([], `${server.url}/ocsp-unknown`), pki.intermediate]), opts());
  t.same(u.attempts[0]!.status, 'unknown');
  t.equal(u.verdict, 'unreachable', 'an "unknown" answer does not vouch for the certificate');

  const port = await unusedPort();
  const mixed = leaf([`http://127.0.0.1:${port}/x.crl`], `${server.url}/ocsp`);
  const m = await checkRevocation(judge([mixed, pki.intermediate]), opts());
  t.same(m.attempts.filter((a) => a.certificate === `CN=${HOST}`).map((a) => [a.kind, a.outcome]), [
    ['ocsp', 'ok'],
    ['crl', 'refused'],
  ]);
  t.equal(m.verdict, 'good', 'Windows needs one answering source, not all of them');
});

t.test('OCSP: a response not signed by the CA, or a responder error, is not an answer', async (t) => {
  const other = createCertFactory().createPki().intermediate;
  server.setOcspResponder(pki.intermediate, [], '/ocsp-forged', { signer: other });
  server.setOcspResponder(pki.intermediate, [], '/ocsp-trylater', { responseStatus: 3 });
  const f = await checkRevocation(judge([leaf([], `${server.url}/ocsp-forged`), pki.intermediate]), opts());
  t.same([f.attempts[0]!.outcome, f.attempts[0]!.status], ['invalid', null]);
  t.match(f.attempts[0]!.detail, /signature does not verify/);
  const l = await checkRevocation(judge([leaf([], `${server.url}/ocsp-trylater`), pki.intermediate]), opts());
  t.same([l.attempts[0]!.outcome, l.attempts[0]!.detail], ['invalid', 'OCSP responder said tryLater']);
});

t.test('openssl agrees with the OCSP request and the fixture responder', async (t) => {
  const l = leaf([], `${server.url}/ocsp-ossl`);
  server.setOcspResponder(pki.intermediate, [l.serialNumber], '/ocsp-ossl');
  const dir = mkdtempSync(join(tmpdir(), 'sstp-probe-ocsp-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'root.pem'), pki.root.certPem);
  writeFileSync(join(dir, 'int.pem'), pki.intermediate.certPem);
  writeFileSync(join(dir, 'leaf.pem'), l.certPem);
  writeFileSync(join(dir, 'req.der'), buildOcspRequest(l.der, pki.intermediate.der));
  const req = await run('/usr/bin/openssl', ['ocsp', '-reqin', join(dir, 'req.der'), '-req_text', '-noverify']);
  t.match(req.stdout, new RegExp(`Serial Number: ${l.serialNumber}`), 'openssl reads our request');
  t.match(req.stdout, /Hash Algorithm: sha1/);
  const res = await run('/usr/bin/openssl', ['ocsp', '-issuer', join(dir, 'int.pem'), '-cert', join(dir, 'leaf.pem'), '-url', `${server.url}/ocsp-ossl`, '-CAfile', join(dir, 'root.pem')]);
  t.match(`${res.stdout}${res.stderr}`, /Response verify OK/);
  t.match(res.stdout, /leaf\.pem: revoked/);
});

t.test('missing intermediate downloaded from AIA (DER and PKCS#7), then revocation checked', async (t) => {
  server.setFile('/issuing.cer', pki.intermediate.der);
  server.setCrl('/aia-case.crl', createCrl(pki.intermediate, []));
  const l = leaf([`${server.url}/aia-case.crl`], undefined, `${server.url}/issuing.cer`);
  const before = judge([l]);
  t.equal(before.trust.verdict, 'missing-intermediate');

  const o = await judgeOnline({ chain: [l.der], host: HOST, now: new Date(), trustedCaPems: [pki.root.certPem] }, opts());
  t.equal(o.judgement.trust.verdict, 'trusted');
  t.same(o.judgement.chain.path.map((p) => p.source), ['sent', 'fetched', 'trust-store']);
  t.same(o.issuerFetch?.attempts.map((a) => [a.kind, a.url, a.outcome, a.detail]), [['ca-issuers', `${server.url}/issuing.cer`, 'ok', '1 certificate(s)']]);
  t.equal(o.revocation?.verdict, 'good', 'the leaf CRL could be checked against the downloaded issuer');
  t.same(causesOf(findingsOf(o)), ['warning:cert-chain-incomplete'], 'it works, but the server should send the intermediate');
  t.match(findingsOf(o)[0]!.evidence, { caIssuersUrls: [`${server.url}/issuing.cer`], completedFromAia: true });

  const dir = mkdtempSync(join(tmpdir(), 'sstp-probe-p7c-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'int.pem'), pki.intermediate.certPem);
  await run('/usr/bin/openssl', ['crl2pkcs7', '-nocrl', '-certfile', join(dir, 'int.pem'), '-outform', 'DER', '-out', join(dir, 'int.p7c')]);
  const { readFileSync } = await import('node:fs');
  server.setFile('/issuing.p7c', readFileSync(join(dir, 'int.p7c')), 'application/pkcs7-mime');
  const l2 = leaf([`${server.url}/aia-case.crl`], undefined, `${server.url}/issuing.p7c`);
  const o2 = await judgeOnline({ chain: [l2.der], host: HOST, now: new Date(), trustedCaPems: [pki.root.certPem] }, opts());
  t.equal(o2.judgement.trust.verdict, 'trusted', 'a .p7c bundle works too');
});

t.test('AIA location unreachable: the chain stays broken', async (t) => {
  const port = await unusedPort();
  const l = leaf([`${server.url}/root.crl`], undefined, `http://127.0.0.1:${port}/issuing.cer`);
  const o = await judgeOnline({ chain: [l.der], host: HOST, now: new Date(), trustedCaPems: [pki.root.certPem] }, opts());
  t.equal(o.judgement.trust.verdict, 'missing-intermediate');
  t.same(o.issuerFetch?.attempts.map((a) => a.outcome), ['refused']);
  const found = findingsOf(o);
  t.same(causesOf(found), ['error:cert-untrusted', 'error:cert-revocation-unreachable']);
  t.match(found[0]!.evidence, { trustVerdict: 'missing-intermediate', windowsCode: '0x800B010A', aiaAttempts: [{ url: `http://127.0.0.1:${port}/issuing.cer`, outcome: 'refused' }] });
  t.same(o.revocation?.attempts.map((a) => a.outcome), ['no-issuer'], 'without the issuer the CRL cannot be verified');
});

t.test('fetches go through the dispatcher the caller passes', async (t) => {
  const seen: string[] = [];
  class CountingAgent extends Agent {
    override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
      seen.push(`${options.method} ${String(options.path)}`);
      return super.dispatch(options, handler);
    }
  }
  const dispatcher = new CountingAgent();
  t.teardown(() => dispatcher.close());
  server.setCrl('/via-agent.crl', createCrl(pki.intermediate, []));
  const r = await checkRevocation(judge([leaf([`${server.url}/via-agent.crl`]), pki.intermediate]), opts({ dispatcher }));
  t.equal(r.verdict, 'good');
  t.same(seen.sort(), ['GET /root.crl', 'GET /via-agent.crl']);
});

t.test('no sources at all, and a self-signed leaf, give no-sources', async (t) => {
  const self = factory.issueCertificate({ subjectCN: HOST, dnsNames: [HOST] });
  const r = await checkRevocation(judgeCertificate({ chain: [self.der], host: HOST, now: new Date(), trustedCaPems: [] }), opts());
  t.same([r.verdict, r.attempts], ['no-sources', []]);
  t.same(causesOf(findingsOf(r, [self])), ['error:cert-untrusted'], 'untrusted, but nothing above a self-signed certificate could revoke it');
  t.same(toRevocationInfo(null, 'turned off (--no-revocation)'), { verdict: 'not-checked', sources: [], revoked: null, detail: 'turned off (--no-revocation)' });
});

t.test('judgeOnline with revocation off still completes the chain from AIA, and asks no CRL', async (t) => {
  server.setFile('/issuing-off.cer', pki.intermediate.der);
  server.setCrl('/off.crl', createCrl(pki.intermediate, []));
  const l = leaf([`${server.url}/off.crl`], undefined, `${server.url}/issuing-off.cer`);
  const before = server.requests.length;
  const o = await judgeOnline({ chain: [l.der], host: HOST, now: new Date(), trustedCaPems: [pki.root.certPem] }, opts({ revocation: false }));
  t.equal(o.revocation, null);
  t.equal(o.judgement.trust.verdict, 'trusted');
  t.same(server.requests.slice(before), ['GET /issuing-off.cer']);
});

t.test('judgeOnline: totalTimeoutMs bounds the AIA download and the revocation check together', async (t) => {
  server.setHang('/hang.cer');
  server.setHang('/hang.crl');
  const l = leaf([`${server.url}/hang.crl`], undefined, `${server.url}/hang.cer`);
  // Both locations never answer, so both fetches time out whatever the load; the per-fetch deadline is far
  // above the total, so only the total can have cut them short.
  const o = await judgeOnline({ chain: [l.der], host: HOST, now: new Date(), trustedCaPems: [pki.root.certPem] }, opts({ timeoutMs: GENEROUS_MS, totalTimeoutMs: 1_500 }));
  const given = (detail: string | null | undefined): number => Number(/no answer within (\d+) ms/.exec(detail ?? '')?.[1]);
  const aia = o.issuerFetch!.attempts[0]!;
  const crl = o.revocation!.attempts[0]!;
  t.same([aia.outcome, crl.outcome], ['timeout', 'timeout']);
  t.ok(given(aia.detail) <= 1_500, `the AIA download got at most the whole budget (${aia.detail})`);
  // Timers run on the event loop's clock, which a loaded machine lets lag by a few ms, so the two deadlines do
  // not add up to the budget to the millisecond; what holds is that the CRL got a remainder, not a new budget.
  t.ok(given(crl.detail) < given(aia.detail), `the CRL got only what was left (${crl.detail})`);
});

import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCertFactory, type CrlEntry, type CrlOptions, type IssuedCert, type Pki } from '../fixtures/certs.js';
import { unusedPort } from '../fixtures/ports.js';
import { startPkiServer, type PkiServer } from '../fixtures/pki-server.js';
import { startFixtureServer } from '../fixtures/server.js';
import { findScenario } from '../fixtures/scenarios/index.js';
import { DELTA_CRL_PATH } from '../fixtures/scenarios/certs.js';
import { checkDeltaCrl, checkCrl, parseCrl } from '../lib/cert/crl.js';
import { judgeCertificate } from '../lib/cert/judge.js';
import { parseCertificate } from '../lib/cert/x509.js';
import { checkRevocation, toRevocationInfo, type RevocationResult } from '../lib/cert-online/revocation.js';
import type { Finding, ProbeReport } from '../lib/types.js';
import { runBin } from './helpers/cli.js';
import { certificateFindings } from './helpers/cert-findings.js';

// Delta CRLs as a Windows client follows them: the certificate (or the complete CRL) names a delta in Freshest
// CRL, the delta is read on top of the complete CRL it updates, and a delta that cannot be had leaves the
// revocation status unknown. Every case runs against a loopback CA publication point.

const HOST = 'vpn.contoso.test';
const factory = createCertFactory();
const pki: Pki = factory.createPki();
let server: PkiServer;
t.before(async () => {
  server = await startPkiServer();
});
t.teardown(() => server.close());
const DAY = 86_400_000;

const judge = (chain: IssuedCert[]) => judgeCertificate({ chain: chain.map((c) => c.der), host: HOST, now: new Date(), trustedCaPems: [pki.root.certPem] });
const revocation = (l: IssuedCert): Promise<RevocationResult> => checkRevocation(judge([l, pki.intermediate]), { now: new Date(), timeoutMs: 10_000 });

/** A leaf naming a complete CRL at /<name>.crl and a delta at `deltaUrl`, with both published as given. */
function publish(name: string, base: { revoked?: CrlEntry[]; opts?: CrlOptions }, delta: { url: string; revoked?: CrlEntry[]; opts?: CrlOptions } | null) {
  const baseUrl = `${server.url}/${name}.crl`;
  server.setCrl(`/${name}.crl`, factory.createCrl(pki.intermediate, base.revoked ?? [], { crlNumber: 10, ...base.opts }));
  if (delta?.url.startsWith(server.url)) {
    server.setCrl(new URL(delta.url).pathname, factory.createCrl(pki.intermediate, delta.revoked ?? [], { crlNumber: 11, deltaOf: 10, ...delta.opts }));
  }
  return { baseUrl, leafSpec: { subjectCN: HOST, dnsNames: [HOST], crlUrls: [baseUrl], freshestCrlUrls: delta ? [delta.url] : [] } };
}

const findingsOf = (r: RevocationResult, l: IssuedCert): Finding[] =>
  certificateFindings({ judgement: judge([l, pki.intermediate]), issuerFetch: null, revocation: r }, HOST);

t.test('decoding: Freshest CRL in a certificate and a complete CRL, Delta CRL Indicator, CRL numbers, removeFromCRL', async (t) => {
  const l = pki.leaf({ subjectCN: HOST, dnsNames: [HOST], crlUrls: ['http://pki.contoso.test/Issuing.crl'], freshestCrlUrls: ['http://pki.contoso.test/Issuing+.crl'] });
  t.same(parseCertificate(l.der).freshestCrlUrls, ['http://pki.contoso.test/Issuing+.crl']);
  t.same(parseCertificate(pki.intermediate.der).freshestCrlUrls, [], 'none when the extension is absent');
  const base = parseCrl(factory.createCrl(pki.intermediate, [{ serialNumber: '0A', reason: 6 }], { crlNumber: 10, freshestCrlUrls: ['http://pki.contoso.test/Issuing+.crl'] }));
  t.same([base.crlNumber, base.deltaBaseCrlNumber, base.freshestCrlUrls, [...base.revoked.keys()]], [10n, null, ['http://pki.contoso.test/Issuing+.crl'], ['0A']], 'a certificateHold entry is revoked');
  const delta = parseCrl(factory.createCrl(pki.intermediate, [{ serialNumber: '0A', reason: 8 }, { serialNumber: '0B' }], { crlNumber: 11, deltaOf: 10 }));
  t.same([delta.crlNumber, delta.deltaBaseCrlNumber, [...delta.revoked.keys()], [...delta.removed]], [11n, 10n, ['0B'], ['0A']]);
  const target = { serialNumber: '0A', issuerDer: pki.intermediate.der };
  t.same(checkCrl(delta, target, new Date()), { status: 'invalid', problem: 'is-delta' }, 'a delta CRL cannot stand in for a complete one');
  const baseVerdict = checkCrl(base, target, new Date());
  if (baseVerdict.status === 'invalid') throw new Error('the complete CRL must be usable');
  t.same(checkDeltaCrl(delta, { crl: base, verdict: baseVerdict }, target, new Date()), { status: 'good', revokedAt: null, change: 'removed' });
  t.same(checkDeltaCrl(base, { crl: base, verdict: baseVerdict }, target, new Date()), { status: 'invalid', problem: 'not-a-delta' });
});

t.test('a certificate revoked since the complete CRL: only the delta lists it, and the probe says revoked', async (t) => {
  const l0 = pki.leaf({ subjectCN: HOST, dnsNames: [HOST] });
  const revokedAt = new Date(Date.UTC(2026, 0, 15, 9, 30)); // whole seconds: CRLs carry UTCTime
  const { baseUrl, leafSpec } = publish('listed', {}, { url: `${server.url}/listed+.crl`, revoked: [{ serialNumber: l0.serialNumber, revokedAt }] });
  const l = pki.leaf({ ...leafSpec, serialNumber: l0.serialNumber });
  const r = await revocation(l);
  t.equal(r.verdict, 'revoked');
  t.same(r.revoked, { certificate: `CN=${HOST}`, serialNumber: l.serialNumber, revokedAt: revokedAt.toISOString(), url: `${server.url}/listed+.crl` });
  t.same(
    toRevocationInfo(r).sources.filter((s) => s.certificate === `CN=${HOST}`).map((s) => [s.kind, s.url, s.baseUrl ?? null, s.outcome]),
    [
      ['crl', baseUrl, null, 'good'],
      ['delta-crl', `${server.url}/listed+.crl`, baseUrl, 'revoked'],
    ],
    'the report shows the complete CRL and the delta read on top of it',
  );
  const found = findingsOf(r, l);
  t.same(found.map((f) => [f.cause, f.severity, f.evidence.windowsCode]), [['cert-revoked', 'error', '0x80092010']]);
  t.match(found[0]!.summary, new RegExp(`according to delta CRL ${server.url}/listed\\+\\.crl`));
});

t.test('the delta named only by the complete CRL (RFC 5280 §5.2.6) is followed too, after the complete CRL', async (t) => {
  const l0 = pki.leaf({ subjectCN: HOST, dnsNames: [HOST] });
  const deltaUrl = `${server.url}/from-base+.crl`;
  server.setCrl('/from-base+.crl', factory.createCrl(pki.intermediate, [{ serialNumber: l0.serialNumber }], { crlNumber: 21, deltaOf: 20 }));
  const { leafSpec } = publish('from-base', { opts: { crlNumber: 20, freshestCrlUrls: [deltaUrl] } }, null);
  const l = pki.leaf({ ...leafSpec, serialNumber: l0.serialNumber });
  const before = server.requests.length;
  const r = await revocation(l);
  t.equal(r.verdict, 'revoked');
  t.equal(r.revoked?.url, deltaUrl);
  const asked = server.requests.slice(before).filter((p) => p.includes('from-base'));
  t.same(asked, ['GET /from-base.crl', 'GET /from-base+.crl']);
});

t.test('a hold released by removeFromCRL in the delta: the certificate is good again', async (t) => {
  const l0 = pki.leaf({ subjectCN: HOST, dnsNames: [HOST] });
  const { baseUrl, leafSpec } = publish(
    'released',
    { revoked: [{ serialNumber: l0.serialNumber, reason: 6 }] },
    { url: `${server.url}/released+.crl`, revoked: [{ serialNumber: l0.serialNumber, reason: 8 }] },
  );
  const l = pki.leaf({ ...leafSpec, serialNumber: l0.serialNumber });
  const r = await revocation(l);
  t.equal(r.verdict, 'good');
  t.equal(r.revoked, null);
  const leafAttempts = r.attempts.filter((a) => a.certificate === `CN=${HOST}`);
  t.same(leafAttempts.map((a) => [a.kind, a.url, a.status]), [
    ['crl', baseUrl, 'revoked'],
    ['delta-crl', `${server.url}/released+.crl`, 'good'],
  ]);
  t.match(leafAttempts[1]!.detail, /removeFromCRL/);
  t.same(findingsOf(r, l), [], 'no finding: a client accepts the certificate');

  // The same complete CRL without its delta: the hold stands.
  const held = pki.leaf({ subjectCN: HOST, dnsNames: [HOST], crlUrls: [baseUrl], serialNumber: l0.serialNumber });
  t.equal((await revocation(held)).verdict, 'revoked');
});

t.test("a delta CRL that answers 404 on a '+' path (IIS without allowDoubleEscaping): unreachable, with the IIS fix", async (t) => {
  const iis = await startPkiServer();
  t.teardown(() => iis.close());
  iis.setRequestFiltering({ allowDoubleEscaping: false });
  const baseUrl = `${iis.url}/CertEnroll/Issuing.crl`;
  const deltaUrl = `${iis.url}/CertEnroll/Issuing+.crl`;
  iis.setCrl('/CertEnroll/Issuing.crl', factory.createCrl(pki.intermediate, [], { crlNumber: 10 }));
  iis.setCrl('/CertEnroll/Issuing+.crl', factory.createCrl(pki.intermediate, [], { crlNumber: 11, deltaOf: 10 }));
  const l = pki.leaf({ subjectCN: HOST, dnsNames: [HOST], crlUrls: [baseUrl], freshestCrlUrls: [deltaUrl] });
  const r = await revocation(l);
  t.equal(r.verdict, 'unreachable', 'the complete CRL alone is not enough once a delta is named');
  t.same(r.attempts.filter((a) => a.certificate === `CN=${HOST}`).map((a) => [a.kind, a.outcome, a.httpStatus]), [
    ['crl', 'ok', 200],
    ['delta-crl', 'http-status', 404],
  ]);
  const found = findingsOf(r, l);
  t.same(found.map((f) => [f.cause, f.severity, f.evidence.windowsCode, f.evidence.reason]), [['cert-revocation-unreachable', 'error', '0x80092013', 'unreachable']]);
  t.same(found[0]!.evidence.doubleEscapingRefused, [deltaUrl]);
  t.match(found[0]!.summary, `delta CRL ${deltaUrl} answers with an HTTP error (HTTP 404)`);
  t.match(found[0]!.remediation[0], '<requestFiltering allowDoubleEscaping="true" />');
  t.match(found[0]!.remediation[0], /AD CS names delta CRLs/);

  // With double escaping allowed the same URL is served, and the certificate is good.
  iis.setRequestFiltering({ allowDoubleEscaping: true });
  t.equal((await revocation(l)).verdict, 'good');
});

t.test('a 404 on a delta without a plus gets no IIS advice', async (t) => {
  const { leafSpec } = publish('plain', {}, { url: `${server.url}/plain-delta.crl` });
  server.setStatus('/plain-delta.crl', 404);
  const l = pki.leaf(leafSpec);
  const r = await revocation(l);
  t.equal(r.verdict, 'unreachable');
  const found = findingsOf(r, l);
  t.equal(found[0]?.cause, 'cert-revocation-unreachable');
  t.equal(found[0]?.evidence.doubleEscapingRefused, undefined);
  t.notMatch(found[0]!.remediation.join('\n'), /allowDoubleEscaping/);
});

t.test('a delta CRL location that refuses connections: revocation offline', async (t) => {
  const port = await unusedPort();
  const deltaUrl = `http://127.0.0.1:${port}/Issuing+.crl`;
  const { leafSpec } = publish('closed', {}, { url: deltaUrl });
  const l = pki.leaf(leafSpec);
  const r = await revocation(l);
  t.equal(r.verdict, 'unreachable');
  t.same(r.attempts.filter((a) => a.kind === 'delta-crl').map((a) => [a.url, a.outcome]), [[deltaUrl, 'refused']]);
  const found = findingsOf(r, l);
  t.same(found.map((f) => f.cause), ['cert-revocation-unreachable']);
  t.match(found[0]!.summary, `delta CRL ${deltaUrl} refuses the connection`);
  t.notMatch(found[0]!.remediation.join('\n'), /allowDoubleEscaping/, 'a refused connection is not the IIS filter');
});

t.test('a complete CRL that cannot be had is what the report blames, not the delta beside it', async (t) => {
  const { baseUrl, leafSpec } = publish('base-gone', {}, { url: `${server.url}/base-gone+.crl` });
  server.setStatus('/base-gone.crl', 404);
  const l = pki.leaf(leafSpec);
  const r = await revocation(l);
  t.equal(r.verdict, 'unreachable');
  t.same(toRevocationInfo(r).sources.filter((s) => s.certificate === `CN=${HOST}`).map((s) => [s.kind, s.url, s.outcome]), [['crl', baseUrl, 'http-status']]);

  // Without the issuing CA neither can be checked, and both say so.
  const alone = await checkRevocation(judge([l]), { now: new Date(), timeoutMs: 10_000 });
  server.setCrl('/base-gone.crl', factory.createCrl(pki.intermediate, [], { crlNumber: 10 }));
  const orphan = await checkRevocation(judge([l]), { now: new Date(), timeoutMs: 10_000 });
  t.same(alone.attempts.map((a) => [a.kind, a.outcome]), [['crl', 'http-status']]);
  t.same(orphan.attempts.map((a) => [a.kind, a.outcome]), [['crl', 'no-issuer'], ['delta-crl', 'no-issuer']]);
  t.equal(orphan.verdict, 'unreachable');
});

t.test('a delta CRL for another complete CRL does not count, and neither does a complete CRL at the delta location', async (t) => {
  const cases: Array<[string, CrlOptions, RegExp]> = [
    ['newer-base', { crlNumber: 13, deltaOf: 12 }, /^delta CRL wrong-base \(delta #13 updates CRL #12, the complete CRL is #10\)$/],
    ['older-delta', { crlNumber: 9, deltaOf: 8 }, /^delta CRL wrong-base/],
    ['not-delta', { crlNumber: 11, deltaOf: undefined }, /^delta CRL not-a-delta$/],
    ['stale-delta', { deltaOf: 10, thisUpdate: new Date(Date.now() - 10 * DAY), nextUpdate: new Date(Date.now() - DAY) }, /^delta CRL expired/],
  ];
  for (const [name, opts, detail] of cases) {
    const { leafSpec } = publish(name, {}, { url: `${server.url}/${name}+.crl`, opts });
    const l = pki.leaf(leafSpec);
    const r = await revocation(l);
    t.equal(r.verdict, 'unreachable', `${name}: unreachable`);
    const delta = r.attempts.find((a) => a.kind === 'delta-crl')!;
    t.same([delta.outcome, delta.status], ['invalid', null], `${name}: the delta is refused`);
    t.match(delta.detail, detail, `${name}: says why`);
    t.same(findingsOf(r, l).map((f) => f.cause), ['cert-revocation-unreachable'], `${name}: revocation offline`);
  }
  // A delta on an older complete CRL (BaseCRLNumber below the complete CRL's number) is fine.
  const l0 = pki.leaf({ subjectCN: HOST, dnsNames: [HOST] });
  const { leafSpec } = publish('older-base', {}, { url: `${server.url}/older-base+.crl`, revoked: [{ serialNumber: l0.serialNumber }], opts: { crlNumber: 12, deltaOf: 9 } });
  t.equal((await revocation(pki.leaf({ ...leafSpec, serialNumber: l0.serialNumber }))).verdict, 'revoked', 'BaseCRLNumber ≤ the complete CRL number: combined');
});

t.test('CLI: the cert-delta-crl scenario is revoked, and --no-revocation asks neither CRL', async (t) => {
  const fixture = await startFixtureServer(findScenario('cert-delta-crl')!, { factory });
  t.teardown(() => fixture.close());
  const dir = mkdtempSync(join(tmpdir(), 'sstp-probe-delta-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const ca = join(dir, 'root.pem');
  writeFileSync(ca, fixture.trustedCaPems.join('\n'));

  const checked = await runBin([fixture.address, '--ca', ca, '--json', '--step-timeout', '5000']);
  t.equal(checked.code, 1, checked.stderr.slice(-400));
  const report = JSON.parse(checked.stdout) as ProbeReport;
  t.equal(report.revocation?.verdict, 'revoked');
  t.ok(report.findings.some((f) => f.cause === 'cert-revoked'), 'cert-revoked');
  t.ok(fixture.pki!.requests.includes(`GET ${DELTA_CRL_PATH}`), 'the delta CRL was fetched');

  const before = fixture.pki!.requests.length;
  const skipped = await runBin([fixture.address, '--ca', ca, '--json', '--step-timeout', '5000', '--no-revocation']);
  t.equal(skipped.code, 0, skipped.stderr.slice(-400));
  const off = JSON.parse(skipped.stdout) as ProbeReport;
  t.match(off.revocation, { verdict: 'not-checked', sources: [], detail: 'turned off (--no-revocation)' });
  t.same(fixture.pki!.requests.slice(before), [], 'no CRL and no delta CRL was asked for');
});

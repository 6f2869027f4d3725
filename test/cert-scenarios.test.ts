import t from 'tap';
import { X509Certificate } from 'node:crypto';
import { validateReport } from './helpers/schema.js';
import { probe } from '../lib/probe.js';
import type { CertificateChecks, Finding, ProbeReport, RevocationInfo } from '../lib/types.js';
import { createCertFactory } from '../fixtures/certs.js';
import { startFixtureServer, type FixtureServer } from '../fixtures/server.js';
import { findScenario } from '../fixtures/scenarios/index.js';
import { DELTA_CRL_PATH, REFUSING_CRL_URL } from '../fixtures/scenarios/certs.js';

// Every certificate scenario, probed over real sockets the way the demo does (by the name sstp.test, mapped to
// loopback, with SNI), and what the report must say: the one error cause (or none), the warnings and notes,
// and the evidence a user would read. Values come from how each scenario builds its certificate.

const factory = createCertFactory();
const validate = validateReport;
const HOST = 'sstp.test';
const INTERMEDIATE = 'CN=sstp-probe Test Issuing CA, O=sstp-probe';

interface Expectation {
  scenario: string;
  /** The error cause (certificate ones), or null: the probe says ok. */
  error: string | null;
  /** Further certificate errors that must come with it. */
  alsoErrors?: string[];
  /** Certificate warnings and notes (severity warning / info). */
  notes?: string[];
  /** Fields of the first certificate finding's evidence (the error, else the first note). */
  evidence?: (server: FixtureServer) => Record<string, unknown>;
  checks?: (server: FixtureServer) => Partial<Record<keyof CertificateChecks, unknown>>;
  revocation?: (server: FixtureServer) => Partial<Record<keyof RevocationInfo, unknown>>;
}

const serial = (server: FixtureServer): string => new X509Certificate(server.certificate!.der).serialNumber;

const TABLE: Expectation[] = [
  {
    scenario: 'cert-expired',
    error: 'cert-expired',
    evidence: () => ({ validity: 'expired', windowsCode: '0x800B0101', daysRemaining: -30, chainProblems: [] }),
    checks: () => ({ acceptable: false, validity: { verdict: 'expired', daysRemaining: -30 } }),
  },
  {
    scenario: 'cert-not-yet-valid',
    error: 'cert-expired',
    evidence: () => ({ validity: 'not-yet-valid', windowsCode: '0x800B0101' }),
    checks: () => ({ acceptable: false, validity: { verdict: 'not-yet-valid' } }),
  },
  {
    scenario: 'cert-expiring-soon',
    error: null,
    notes: ['warning:cert-expiring-soon'],
    evidence: () => ({ validity: 'expiring-soon', daysRemaining: 10 }),
    checks: () => ({ acceptable: true }),
  },
  {
    scenario: 'cert-wrong-name',
    error: 'cert-name-mismatch',
    evidence: () => ({ host: HOST, hostType: 'dns', candidates: ['vpn.other.example'], dnsNames: ['vpn.other.example'], commonNameIgnored: false, windowsCode: '0x800B010F' }),
    checks: () => ({ acceptable: false, name: { host: HOST, matches: false, matchedBy: null } }),
  },
  {
    scenario: 'cert-wildcard',
    error: null,
    checks: () => ({ acceptable: true, host: 'vpn.sstp.test', name: { host: 'vpn.sstp.test', matches: true, matchedBy: 'san-dns', matchedName: '*.sstp.test', candidates: ['*.sstp.test'] } }),
  },
  {
    scenario: 'cert-client-auth-eku',
    error: 'cert-eku-invalid',
    evidence: () => ({ ekuVerdict: 'wrong-purpose', eku: ['1.3.6.1.5.5.7.3.2'], ekuNames: ['Client Authentication (1.3.6.1.5.5.7.3.2)'], restrictedBy: null, windowsCode: '0x800B0110' }),
    checks: () => ({ acceptable: false, eku: { verdict: 'wrong-purpose', ok: false, names: ['clientAuth'] } }),
  },
  {
    scenario: 'cert-any-purpose-eku',
    error: null,
    notes: ['info:cert-eku-any-purpose'],
    evidence: () => ({ ekuVerdict: 'any-purpose', eku: ['2.5.29.37.0'] }),
    checks: () => ({ acceptable: true, eku: { verdict: 'any-purpose', ok: true } }),
  },
  {
    scenario: 'cert-no-eku',
    error: null,
    checks: () => ({ acceptable: true, eku: { verdict: 'no-eku', ok: true, oids: [] } }),
  },
  {
    scenario: 'cert-self-signed',
    error: 'cert-untrusted',
    evidence: () => ({ trustVerdict: 'self-signed', windowsCode: '0x800B0109', root: 'CN=sstp.test', chainAsSent: [{ subject: 'CN=sstp.test', issuer: 'CN=sstp.test' }] }),
    checks: () => ({ acceptable: false, trust: { verdict: 'self-signed', trusted: false } }),
    // Nothing above a self-signed certificate can revoke it: nothing to ask, and no complaint.
    revocation: () => ({ verdict: 'no-sources', sources: [] }),
  },
  {
    scenario: 'cert-missing-intermediate',
    error: null,
    notes: ['warning:cert-chain-incomplete'],
    evidence: (s) => ({ trustVerdict: 'missing-intermediate', completedFromAia: true, missingIssuer: INTERMEDIATE, caIssuersUrls: [`${s.pki!.url}/issuing.cer`], chainAsSent: [{ subject: 'CN=sstp.test' }] }),
    checks: (s) => ({
      acceptable: true,
      trust: { verdict: 'trusted' },
      chain: { complete: false, path: [{ source: 'sent' }, { source: 'fetched', subject: INTERMEDIATE }, { source: 'trust-store' }] },
      issuerFetch: [{ url: `${s.pki!.url}/issuing.cer`, outcome: 'ok', httpStatus: 200 }],
    }),
    revocation: (s) => ({ verdict: 'good', sources: [{ url: `${s.pki!.url}/issuing.crl`, kind: 'crl', outcome: 'good' }] }),
  },
  {
    scenario: 'cert-aia-unreachable',
    error: 'cert-untrusted',
    alsoErrors: ['cert-revocation-unreachable'],
    evidence: (s) => ({
      trustVerdict: 'missing-intermediate',
      windowsCode: '0x800B010A',
      missingIssuer: INTERMEDIATE,
      caIssuersUrls: [`${s.pki!.url}/missing.cer`],
      aiaAttempts: [{ url: `${s.pki!.url}/missing.cer`, outcome: 'http-status', httpStatus: 404 }],
    }),
    // Without its issuer the CRL's signature cannot be checked either.
    revocation: (s) => ({ verdict: 'unreachable', sources: [{ url: `${s.pki!.url}/issuing.crl`, outcome: 'no-issuer' }] }),
  },
  {
    scenario: 'cert-revoked',
    error: 'cert-revoked',
    evidence: (s) => ({ windowsCode: '0x80092010', certificate: 'CN=sstp.test', serialNumber: serial(s), url: `${s.pki!.url}/issuing.crl` }),
    revocation: (s) => ({ verdict: 'revoked', sources: [{ url: `${s.pki!.url}/issuing.crl`, kind: 'crl', outcome: 'revoked', certificate: 'CN=sstp.test', httpStatus: 200 }] }),
  },
  {
    scenario: 'cert-delta-crl',
    error: 'cert-revoked',
    evidence: (s) => ({ windowsCode: '0x80092010', certificate: 'CN=sstp.test', serialNumber: serial(s), url: `${s.pki!.url}${DELTA_CRL_PATH}` }),
    checks: (s) => ({ revocationSources: { certificates: [{ subject: 'CN=sstp.test', freshestCrlUrls: [`${s.pki!.url}${DELTA_CRL_PATH}`] }] } }),
    revocation: (s) => ({
      verdict: 'revoked',
      sources: [
        { url: `${s.pki!.url}/issuing.crl`, kind: 'crl', outcome: 'good', certificate: 'CN=sstp.test' },
        { url: `${s.pki!.url}${DELTA_CRL_PATH}`, kind: 'delta-crl', baseUrl: `${s.pki!.url}/issuing.crl`, outcome: 'revoked', httpStatus: 200 },
      ],
    }),
  },
  {
    scenario: 'cert-delta-crl-404',
    error: 'cert-revocation-unreachable',
    evidence: (s) => ({
      reason: 'unreachable',
      windowsCode: '0x80092013',
      doubleEscapingRefused: [`${s.pki!.url}${DELTA_CRL_PATH}`],
      sources: [
        { kind: 'crl', outcome: 'good' },
        { url: `${s.pki!.url}${DELTA_CRL_PATH}`, kind: 'delta-crl', outcome: 'http-status', httpStatus: 404 },
      ],
    }),
    revocation: () => ({ verdict: 'unreachable' }),
  },
  {
    scenario: 'cert-crl-unreachable',
    error: 'cert-revocation-unreachable',
    evidence: () => ({ reason: 'unreachable', windowsCode: '0x80092013', sources: [{ url: REFUSING_CRL_URL, kind: 'crl', outcome: 'refused', httpStatus: null }] }),
    revocation: () => ({ verdict: 'unreachable', sources: [{ url: REFUSING_CRL_URL, outcome: 'refused' }] }),
  },
  {
    scenario: 'cert-no-revocation-info',
    error: 'cert-revocation-unreachable',
    evidence: () => ({ reason: 'no-sources', windowsCode: '0x80092012', crlUrls: [], ocspUrls: [] }),
    checks: () => ({ revocationSources: { leafHasSources: false } }),
  },
  {
    scenario: 'cert-ecdsa-p256',
    error: null,
    checks: () => ({ acceptable: true, key: { type: 'ec', bits: 256, curve: 'P-256', weak: false }, signature: { algorithm: 'ecdsa-with-SHA256', weak: [] } }),
    revocation: () => ({ verdict: 'good' }),
  },
  {
    scenario: 'cert-rsa-ocsp',
    error: null,
    checks: () => ({ acceptable: true, key: { type: 'rsa', bits: 2048, curve: null, weak: false }, signature: { algorithm: 'sha256WithRSAEncryption', weak: [] } }),
    revocation: (s) => ({
      verdict: 'good',
      sources: [
        { url: `${s.pki!.url}/ocsp`, kind: 'ocsp', outcome: 'good', certificate: 'CN=sstp.test' },
        { url: `${s.pki!.url}/issuing.crl`, kind: 'crl', outcome: 'good', certificate: 'CN=sstp.test' },
      ],
    }),
  },
];

async function probeScenario(name: string): Promise<{ server: FixtureServer; report: ProbeReport }> {
  const scenario = findScenario(name);
  if (!scenario) throw new Error(`no scenario ${name}`);
  const server = await startFixtureServer(scenario, { factory });
  const report = await probe(`${HOST}:${server.port}`, {
    stepTimeoutMs: 2_000,
    timeoutMs: 10_000,
    trustedCaPems: server.trustedCaPems,
    resolver: async () => [{ address: '127.0.0.1', family: 4 }],
    env: {},
    ...(scenario.probe?.sni !== undefined ? { sni: scenario.probe.sni } : {}),
  });
  return { server, report };
}

const certFindings = (report: ProbeReport): Finding[] => report.findings.filter((f) => f.cause.startsWith('cert-'));

for (const row of TABLE) {
  t.test(`${row.scenario}: ${row.error ?? 'no error'}`, async (t) => {
    const { server, report } = await probeScenario(row.scenario);
    t.teardown(() => server.close());
    const found = certFindings(report);
    const errors = found.filter((f) => f.severity === 'error').map((f) => f.cause);
    t.same(errors, row.error === null ? [] : [row.error, ...(row.alsoErrors ?? [])], 'certificate errors');
    t.same(found.filter((f) => f.severity !== 'error').map((f) => `${f.severity}:${f.cause}`), row.notes ?? [], 'warnings and notes');
    if (row.error === null) t.equal(report.ok, true, 'the probe says ok');
    else t.equal(report.ok, false);
    for (const step of ['tls', 'http', 'sstp'] as const) {
      t.equal(report.steps.find((s) => s.name === step)?.status, 'pass', `${step} passes: the certificate is judged, not enforced`);
    }
    if (row.evidence) t.match(found[0]?.evidence, row.evidence(server), 'evidence');
    if (row.checks) t.match(report.certificateChecks, row.checks(server), 'certificateChecks');
    if (row.revocation) t.match(report.revocation, row.revocation(server), 'revocation');
    t.equal(report.certificate?.sha256, server.certificate?.sha256, 'the certificate described is the one served');
    t.ok(validate(JSON.parse(JSON.stringify(report))), `the report matches the published schema ${JSON.stringify(validate.errors)}`);
  });
}

t.test('the schema holds the revocation and certificateChecks sections to their vocabularies', async (t) => {
  const { server, report } = await probeScenario('cert-crl-unreachable');
  t.teardown(() => server.close());
  const json = JSON.parse(JSON.stringify(report));
  t.ok(validate(json), JSON.stringify(validate.errors));
  const badOutcome = structuredClone(json);
  badOutcome.revocation.sources[0].outcome = 'unreachable';
  t.notOk(validate(badOutcome), 'a source outcome off the checker\'s vocabulary is refused');
  const badTrust = structuredClone(json);
  badTrust.certificateChecks.trust.verdict = 'maybe';
  t.notOk(validate(badTrust), 'a trust verdict off the list is refused');
  const badPath = structuredClone(json);
  badPath.certificateChecks.chain.path[0].sha256 = 'not a thumbprint';
  t.notOk(validate(badPath), 'path entries carry real thumbprints');
});

t.test('an ECDSA P-256 and an RSA 2048 certificate that are otherwise valid both pass', async (t) => {
  for (const name of ['cert-ecdsa-p256', 'cert-rsa-ocsp']) {
    const { server, report } = await probeScenario(name);
    t.teardown(() => server.close());
    t.equal(report.ok, true, name);
    t.same(report.findings.filter((f) => f.severity !== 'info'), [], `${name}: nothing to warn about`);
    t.equal(report.certificate?.keyType, name === 'cert-ecdsa-p256' ? 'ec' : 'rsa');
    t.same(
      [report.certificate?.chainTrusted, report.certificate?.nameMatches, report.revocation?.verdict],
      [true, true, 'good'],
      `${name}: trusted, right name, not revoked`,
    );
  }
});

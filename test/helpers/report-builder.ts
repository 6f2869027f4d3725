// Builds probe reports by hand for diagnosis and rendering tests: start from a healthy Windows RRAS
// answer (every step passes, HTTP.SYS 200 with the 2^64-1 Content-Length, Call Connect Ack) and
// change only what a test is about.

import type { CertificateInfo, IssuerFetchAttempt, ProbeReport, ProxyInfo, StepName, StepResult, StepStatus } from '../../lib/types.js';
import { STEP_NAMES } from '../../lib/types.js';
import { judgeCertificate } from '../../lib/cert/judge.js';
import { isIpLiteral } from '../../lib/cert/names.js';
import { certificateChecks } from '../../lib/cert/checks.js';
import { createCertFactory, type CertFactory, type CertSpec, type IssuedCert, type Pki } from '../../fixtures/certs.js';

export const NOW = new Date('2025-06-01T12:00:00Z');

// Thumbprints are inputs here, not computed values: any 40 / 64 hex digits do.
export const SHA1 = '3A1F0C9B7D2E4F60718293A4B5C6D7E8F9012345';
export const SHA256 = '9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08';
export const OTHER_SHA1 = 'B2C3D4E5F60718293A4B5C6D7E8F9012345A1F0C';
export const OTHER_SHA256 = '2C26B46B68FFC68FF99B453C1D30413413422D706483BFA0F98A5E886266E7AE';

export function certificate(overrides: Partial<CertificateInfo> = {}): CertificateInfo {
  return {
    sha1: SHA1,
    sha256: SHA256,
    subject: 'CN=vpn.contoso.com',
    issuer: 'CN=Contoso Issuing CA 1, DC=contoso, DC=com',
    serialNumber: '1A2B3C',
    notBefore: '2025-01-01T00:00:00.000Z',
    notAfter: '2026-01-01T00:00:00.000Z',
    dnsNames: ['vpn.contoso.com'],
    ipAddresses: [],
    eku: ['1.3.6.1.5.5.7.3.1'],
    hasEku: true,
    keyType: 'rsa',
    keyBits: 2048,
    signatureAlgorithm: 'sha256WithRSAEncryption',
    selfSigned: false,
    chainTrusted: true,
    nameMatches: true,
    chain: [
      {
        subject: 'CN=vpn.contoso.com',
        issuer: 'CN=Contoso Issuing CA 1, DC=contoso, DC=com',
        sha1: SHA1,
        sha256: SHA256,
        notBefore: '2025-01-01T00:00:00.000Z',
        notAfter: '2026-01-01T00:00:00.000Z',
        selfSigned: false,
        isCA: false,
      },
      {
        subject: 'CN=Contoso Issuing CA 1, DC=contoso, DC=com',
        issuer: 'CN=Contoso Root CA',
        sha1: '00112233445566778899AABBCCDDEEFF00112233',
        sha256: '00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF',
        notBefore: '2020-01-01T00:00:00.000Z',
        notAfter: '2030-01-01T00:00:00.000Z',
        selfSigned: false,
        isCA: true,
      },
    ],
    pem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
    ...overrides,
  };
}

function passCode(name: StepName): string {
  return {
    dns: 'resolved',
    tcp: 'connected',
    proxy: 'skipped',
    tls: 'established',
    http: 'sstp-ok',
    sstp: 'ack',
    ppp: 'skipped',
    auth: 'skipped',
  }[name];
}

/** A healthy report for vpn.contoso.com:443 as Windows RRAS answers it. */
export function healthyReport(): ProbeReport {
  const steps: StepResult[] = STEP_NAMES.map((name) => {
    const skipped = name === 'proxy' || name === 'ppp' || name === 'auth';
    return {
      name,
      status: skipped ? 'skip' : 'pass',
      durationMs: skipped ? 0 : 12,
      code: passCode(name),
      detail: skipped ? 'not requested' : null,
    } as StepResult;
  });
  return {
    schemaVersion: 1,
    tool: { name: 'sstp-probe', version: '0.1.0' },
    ok: true,
    target: { host: 'vpn.contoso.com', port: 443 },
    startedAt: NOW.toISOString(),
    durationMs: 120,
    resolved: [{ address: '203.0.113.10', family: 4 }],
    connectedAddress: '203.0.113.10',
    addresses: [],
    proxy: null,
    steps,
    tls: {
      sni: 'vpn.contoso.com',
      protocol: 'TLSv1.3',
      cipher: 'TLS_AES_256_GCM_SHA384',
      authorizationError: null,
      failure: null,
      failureDetail: null,
    },
    certificate: certificate(),
    http: {
      // Without the HTTP/ prefix, as the HTTP step records it.
      version: '1.1',
      status: 200,
      reason: '',
      server: 'Microsoft-HTTPAPI/2.0',
      contentLength: '18446744073709551615',
      headers: { 'content-length': '18446744073709551615', server: 'Microsoft-HTTPAPI/2.0' },
    },
    sstp: { result: 'ack', hashProtocols: ['sha256'], hashBitmask: 0x02, status: [], detail: null, teardown: 'disconnect-ack' },
    ppp: null,
    auth: null,
    findings: [],
  };
}

/**
 * Makes one step fail (or end with another status) the way the probe reports it: the steps after a
 * failure are skipped and the sections they (or the failing step) would have filled are null; a test
 * about a failing step then sets that step's own section (tls.failure, sstp.result...) itself.
 */
export function failAt(report: ProbeReport, name: StepName, code: string, detail: string | null = null, status: StepStatus = 'fail'): ProbeReport {
  const at = STEP_NAMES.indexOf(name);
  report.steps = report.steps.map((s) => {
    if (s.name === name) return { ...s, status, code, detail } as StepResult;
    if (status === 'fail' && STEP_NAMES.indexOf(s.name) > at) {
      return { ...s, status: 'skip', durationMs: 0, code: 'skipped', detail: `${name} failed` } as StepResult;
    }
    return s;
  });
  if (status !== 'fail') return report;
  const upTo = (n: StepName): boolean => at <= STEP_NAMES.indexOf(n);
  if (name === 'dns') report.resolved = [];
  if (upTo('tcp')) report.connectedAddress = null;
  if (upTo('proxy')) report.tls = null;
  if (upTo('tls')) report.certificate = null;
  if (upTo('http')) report.http = null;
  if (upTo('sstp')) report.sstp = null;
  report.ok = false;
  return report;
}

/** A proxy section for a probe that went through an HTTP proxy whose CONNECT succeeded. */
export function proxyInfo(overrides: Partial<ProxyInfo> = {}): ProxyInfo {
  return {
    url: 'http://proxy.contoso.com:3128',
    source: 'env',
    reason: 'HTTPS_PROXY',
    statusLine: 'HTTP/1.1 200 Connection established',
    status: 200,
    httpVersion: 'HTTP/1.1',
    authSchemes: [],
    headers: {},
    attempts: 1,
    authSent: 'none',
    proxyConnected: true,
    ...overrides,
  };
}

/** A report's step by name (every report has all eight). */
export function stepOf(report: ProbeReport, name: StepName): StepResult {
  const found = report.steps.find((step) => step.name === name);
  if (!found) throw new Error(`no ${name} step`);
  return found;
}

/** The name the judged reports below are probed for. */
export const JUDGED_HOST = 'vpn.contoso.com';
export const JUDGED_CRL_URL = 'http://pki.contoso.com/issuing.crl';
const JUDGED_ANCHORS = { bundled: 0, extra: 1, system: null, nodeExtraCaCerts: null };

export interface JudgedReportOptions {
  /** Trust anchors (PEM); default the test root. */
  trusted?: string[];
  issuerFetch?: IssuerFetchAttempt[] | null;
  /** The name or address dialled; default JUDGED_HOST. An address is dialled without SNI. */
  host?: string;
  /** The probe's clock; default now. */
  now?: Date;
}

export interface JudgedPki {
  factory: CertFactory;
  pki: Pki;
  /** A leaf of the test PKI for JUDGED_HOST, naming JUDGED_CRL_URL; `spec` changes what a test is about. */
  leafFor(spec?: Partial<CertSpec>): IssuedCert;
  /**
   * A healthy report whose certificate sections come from the real judge, as the probe writes them:
   * `certificate` and `certificateChecks` for `chain` (leaf first, as the server sent it).
   */
  report(chain: IssuedCert[], options?: JudgedReportOptions): ProbeReport;
}

/** Real certificates (root, issuing CA, leaves) and reports built from them; make one per test file. */
export function judgedPki(): JudgedPki {
  const factory = createCertFactory();
  const pki = factory.createPki({ leafCrlUrls: [JUDGED_CRL_URL] });
  return {
    factory,
    pki,
    leafFor: (spec = {}) => pki.leaf({ subjectCN: JUDGED_HOST, dnsNames: [JUDGED_HOST], ...spec }),
    report(chain, options = {}) {
      const now = options.now ?? new Date();
      const host = options.host ?? JUDGED_HOST;
      const judgement = judgeCertificate({ chain: chain.map((c) => c.der), host, now, trustedCaPems: options.trusted ?? [pki.root.certPem] });
      const report = healthyReport();
      report.target.host = host;
      report.tls!.sni = isIpLiteral(host) ? null : host;
      report.certificate = judgement.certificate;
      report.certificateChecks = certificateChecks(judgement, { now, issuerFetch: options.issuerFetch ?? null, trustAnchors: JUDGED_ANCHORS });
      return report;
    },
  };
}

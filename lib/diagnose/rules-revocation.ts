// Revocation, as a Windows SSTP client checks it before the tunnel comes up: the certificate must name a
// CRL or OCSP location, one of them must answer for each certificate below the root, and none may list
// it. "The revocation server is offline" (0x80092013) is the most reported SSTP certificate failure, so
// the evidence keeps every URL with what happened to it.

import type { CertificateInfo, RevocationSource } from '../types.js';
import { WINDOWS_CERT_ERRORS } from '../cert/verdicts.js';
import { makeFinding } from './causes.js';
import type { Facts } from './facts.js';
import { rebindSteps, SSTP_PARAMETERS_KEY } from './remediation.js';
import type { Rule } from './rule.js';

const LAST_RESORT = `Last resort, on each client, weakening security: set ${SSTP_PARAMETERS_KEY}\\NoCertRevocationCheck (DWORD) to 1 to turn off the SSTP revocation check.`;

function sourceEvidence(s: RevocationSource): Record<string, unknown> {
  return { url: s.url, kind: s.kind, ...(s.baseUrl !== undefined ? { baseUrl: s.baseUrl } : {}), certificate: s.certificate ?? null, outcome: s.outcome, httpStatus: s.httpStatus ?? null, detail: s.detail };
}

const KIND_WORDS: Record<RevocationSource['kind'], string> = { crl: 'CRL', 'delta-crl': 'delta CRL', ocsp: 'OCSP' };

/**
 * AD CS names delta CRLs "<CA name>+.crl", and IIS request filtering answers a path with '+' with 404.11
 * unless double escaping is allowed, so such a 404 has one known cause.
 */
function refusedForPlus(s: RevocationSource): boolean {
  if (s.outcome !== 'http-status' || s.httpStatus !== 404) return false;
  try {
    return new URL(s.url).pathname.includes('+');
  } catch {
    return false;
  }
}

function allowDoubleEscaping(urls: string[]): string {
  return `${urls.join(', ')} answered 404 and contains '+', as AD CS names delta CRLs (<CA name>+.crl): IIS request filtering refuses '+' in a URL path (HTTP 404.11) unless double escaping is allowed. On the IIS server that publishes the CRLs, allow it on the CRL virtual directory: <requestFiltering allowDoubleEscaping="true" /> in its web.config (IIS Manager > Request Filtering > Edit Feature Settings > Allow double escaping), e.g. %windir%\\system32\\inetsrv\\appcmd set config "Default Web Site/CertEnroll" -section:system.webServer/security/requestFiltering -allowDoubleEscaping:true`;
}

/** What happened at one CRL / OCSP location, in words (the outcome code stays in the evidence). */
const OUTCOME_WORDS: Record<RevocationSource['outcome'], string> = {
  good: 'says the certificate is good',
  revoked: 'lists the certificate as revoked',
  unknown: 'does not know the certificate',
  'http-status': 'answers with an HTTP error',
  timeout: 'did not answer in time',
  refused: 'refuses the connection',
  dns: 'has a host name that does not resolve',
  reset: 'reset or closed the connection',
  'too-large': 'sent an answer larger than a client accepts',
  'unsupported-scheme': 'is not an HTTP location a client can reach',
  aborted: 'was not asked (the probe was stopped)',
  error: 'could not be fetched',
  'parse-error': 'sent something that is not a CRL or OCSP answer',
  invalid: 'sent an answer that does not validate (expired, or not signed by the issuer)',
  'no-issuer': 'could not be checked: the issuing CA certificate was not found',
};

function describeSource(s: RevocationSource): string {
  const status = s.httpStatus ? ` (HTTP ${s.httpStatus})` : '';
  return `${KIND_WORDS[s.kind] ?? s.kind} ${s.url} ${OUTCOME_WORDS[s.outcome] ?? 'failed'}${status}`;
}

function reissue(f: Facts, why: string): string[] {
  return rebindSteps({ port: f.port, host: f.binding?.kind === 'hostnameport' ? f.sniHost : null, sha1: null, sha256: null, placeholder: `<SHA-1 thumbprint of the ${why} certificate>` });
}

/** The certificate names no usable CRL / OCSP location (a self-signed one has nothing above it to check). */
function lacksSources(f: Facts, cert: CertificateInfo): boolean {
  const checks = f.report.certificateChecks;
  if (checks) return !checks.revocationSources.leafHasSources && checks.revocationSources.certificates.length > 0;
  return f.report.revocation?.verdict === 'no-sources' && !cert.selfSigned;
}

export const revocationRule: Rule = {
  name: 'cert-revocation',
  causes: ['cert-revoked', 'cert-revocation-unreachable'],
  apply(f) {
    const cert = f.report.certificate;
    if (!cert) return [];
    const rev = f.report.revocation ?? null;
    const base = { subject: cert.subject, issuer: cert.issuer, sha1: cert.sha1, sha256: cert.sha256, verdict: rev?.verdict ?? 'not-checked' };
    const sources = (rev?.sources ?? []).map(sourceEvidence);

    if (rev?.verdict === 'revoked') {
      const by = rev.revoked ?? null;
      const source = rev.sources.find((s) => s.outcome === 'revoked');
      const url = by?.url ?? source?.url ?? null;
      const kind = rev.sources.find((s) => s.url === url)?.kind ?? source?.kind ?? 'crl';
      return [
        makeFinding(
          'cert-revoked',
          `The certificate authority has revoked ${by && by.certificate !== cert.subject ? `the chain certificate ${by.certificate}` : `the server certificate (SHA-1 ${cert.sha1})`}${url ? `, according to ${KIND_WORDS[kind] ?? kind} ${url}` : ''}${by?.revokedAt ? ` (revoked ${by.revokedAt.slice(0, 10)})` : ''} (${WINDOWS_CERT_ERRORS.CRYPT_E_REVOKED}).`,
          {
            ...base,
            windowsCode: WINDOWS_CERT_ERRORS.CRYPT_E_REVOKED,
            certificate: by?.certificate ?? cert.subject,
            serialNumber: by?.serialNumber ?? cert.serialNumber,
            revokedAt: by?.revokedAt ?? null,
            url,
            sources,
          },
          ['Get a new certificate from the CA; a revoked certificate cannot be reinstated by the server.', ...reissue(f, 'new')],
        ),
      ];
    }

    if (lacksSources(f, cert)) {
      const checks = f.report.certificateChecks;
      const leafSources = checks?.revocationSources.certificates[0];
      return [
        makeFinding(
          'cert-revocation-unreachable',
          `The certificate names no CRL distribution point and no OCSP responder reachable over HTTP, so clients cannot check its revocation: Windows clients fail with ${WINDOWS_CERT_ERRORS.CRYPT_E_NO_REVOCATION_CHECK} (CRYPT_E_NO_REVOCATION_CHECK).`,
          {
            ...base,
            reason: 'no-sources',
            windowsCode: WINDOWS_CERT_ERRORS.CRYPT_E_NO_REVOCATION_CHECK,
            crlUrls: leafSources?.crlUrls ?? [],
            ocspUrls: leafSources?.ocspUrls ?? [],
            sources,
          },
          [
            'Reissue the certificate from a CA whose certificates carry a CRL Distribution Points (and Authority Information Access) extension with an HTTP URL reachable from the Internet (an ldap:// location is not reachable from outside the domain).',
            ...reissue(f, 'reissued'),
            LAST_RESORT,
          ],
        ),
      ];
    }

    if (rev?.verdict === 'unreachable') {
      const failing = rev.sources.filter((s) => s.outcome !== 'good' && s.outcome !== 'revoked');
      const stale = failing.some((s) => s.outcome === 'invalid' && /expired/.test(s.detail ?? ''));
      const plusRefused = failing.filter(refusedForPlus).map((s) => s.url);
      const deltaMissing = failing.some((s) => s.kind === 'delta-crl');
      return [
        makeFinding(
          'cert-revocation-unreachable',
          `The revocation status of the certificate cannot be checked: ${failing.length > 0 ? failing.map(describeSource).join('; ') : (rev.detail ?? 'no revocation source answered')}${deltaMissing ? '; a client told of a delta CRL needs it as well as the complete CRL' : ''}. Windows clients fail with ${WINDOWS_CERT_ERRORS.CRYPT_E_REVOCATION_OFFLINE} (CRYPT_E_REVOCATION_OFFLINE).`,
          {
            ...base,
            reason: 'unreachable',
            windowsCode: WINDOWS_CERT_ERRORS.CRYPT_E_REVOCATION_OFFLINE,
            sources,
            ...(plusRefused.length > 0 ? { doubleEscapingRefused: plusRefused } : {}),
          },
          [
            ...(plusRefused.length > 0 ? [allowDoubleEscaping(plusRefused)] : []),
            'Publish the CRL (and OCSP responder, if any) at the URLs in the certificate so that clients reach them from the Internet, over HTTP, without authentication.',
            ...failing.map((s) => `Make ${s.url} reachable from client networks (now it ${OUTCOME_WORDS[s.outcome] ?? 'fails'}${s.httpStatus ? `, HTTP ${s.httpStatus}` : ''}${s.detail ? `: ${s.detail}` : ''}).`),
            stale
              ? 'The CRL that was reached has expired: publish a fresh one on the CA (certutil -CRL) and copy it to the web location.'
              : 'If the CRL has expired, publish a fresh one on the CA (certutil -CRL) and copy it to the web location.',
            LAST_RESORT,
          ],
        ),
      ];
    }
    return [];
  },
};

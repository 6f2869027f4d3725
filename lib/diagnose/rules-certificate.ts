// Rules on the server certificate as a Windows SSTP client judges it: trust, validity, name, Enhanced
// Key Usage, revocation, and whether it is the certificate the server is configured with at all.
// The TLS step records evidence without enforcing anything, so every rule here can fire in one run.

import type { CertificateInfo } from '../types.js';
import { makeFinding } from './causes.js';
import type { Facts } from './facts.js';
import {
  bindableHost,
  hostPort,
  netshAddCommands,
  netshDeleteCommands,
  RESTART_RRAS_STEP,
  rebindSteps,
  registryHashSteps,
  SSTP_PARAMETERS_KEY,
} from './remediation.js';
import type { Rule } from './rule.js';

const DAY_MS = 86_400_000;
export const EKU_SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
export const EKU_ANY_PURPOSE = '2.5.29.37.0';

const EKU_NAMES: Readonly<Record<string, string>> = {
  [EKU_SERVER_AUTH]: 'Server Authentication',
  [EKU_ANY_PURPOSE]: 'Any Purpose',
  '1.3.6.1.5.5.7.3.2': 'Client Authentication',
  '1.3.6.1.5.5.7.3.3': 'Code Signing',
  '1.3.6.1.5.5.7.3.4': 'Secure Email',
  '1.3.6.1.5.5.7.3.8': 'Time Stamping',
  '1.3.6.1.5.5.7.3.9': 'OCSP Signing',
  '1.3.6.1.5.5.8.2.2': 'IP security IKE intermediate',
  '1.3.6.1.4.1.311.10.3.4': 'Encrypting File System',
  '1.3.6.1.4.1.311.20.2.2': 'Smart Card Logon',
};

// Node's verification codes that mean "the chain does not lead to a trusted root".
const UNTRUSTED_CODES: readonly string[] = [
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_CHAIN_TOO_LONG',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
];
// Codes that have their own rule (validity, name): a chain failing only for these is not "untrusted".
const OTHER_RULE_CODES: readonly string[] = ['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'ERR_TLS_CERT_ALTNAME_INVALID', 'HOSTNAME_MISMATCH', 'INVALID_PURPOSE'];
const NAME_CODES: readonly string[] = ['ERR_TLS_CERT_ALTNAME_INVALID', 'HOSTNAME_MISMATCH'];

function ekuName(oid: string): string {
  return EKU_NAMES[oid] ? `${EKU_NAMES[oid]} (${oid})` : oid;
}

function day(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function parseDate(text: string): Date | null {
  const d = new Date(text);
  return Number.isNaN(d.getTime()) ? null : d;
}

function certNames(cert: CertificateInfo): string[] {
  const names = [...cert.dnsNames, ...cert.ipAddresses];
  if (names.length > 0) return names;
  const cn = /(?:^|[,/\n]\s*)CN=([^,/\n]+)/.exec(cert.subject);
  return cn?.[1] ? [cn[1].trim()] : [];
}

function certEvidence(cert: CertificateInfo): Record<string, unknown> {
  return { subject: cert.subject, issuer: cert.issuer, sha1: cert.sha1, sha256: cert.sha256 };
}

/** Rebinding with a certificate that is not known yet (a renewed or reissued one). */
function rebindNew(f: Facts, why: string): string[] {
  const other = f.expected.find((e) => e.algorithm === 'sha1' && e.value !== f.presented?.sha1 && e.source.startsWith('--'));
  const host = f.binding?.kind === 'hostnameport' ? f.sniHost : null;
  return rebindSteps({
    port: f.port,
    host,
    sha1: other?.value ?? null,
    sha256: null,
    placeholder: `<SHA-1 thumbprint of the ${why} certificate>`,
  });
}

export const untrustedRule: Rule = {
  name: 'cert-untrusted',
  causes: ['cert-untrusted'],
  apply(f) {
    const cert = f.report.certificate;
    if (!cert) return [];
    const code = f.report.tls?.authorizationError ?? null;
    const untrusted =
      (cert.chainTrusted === false && !(code !== null && OTHER_RULE_CODES.includes(code))) ||
      (cert.chainTrusted === null && code !== null && UNTRUSTED_CODES.includes(code));
    if (!untrusted) return [];

    const last = cert.chain[cert.chain.length - 1];
    const root = last && last.selfSigned ? last.subject : (last?.issuer ?? cert.issuer);
    let summary: string;
    const steps: string[] = [];
    if (cert.selfSigned) {
      summary = `The server presents a self-signed certificate (${cert.subject}): Windows clients refuse it unless it is in their computer's Trusted Root Certification Authorities store.`;
      steps.push(
        `Preferably bind a certificate from a public CA or your enterprise CA. Otherwise import this certificate (SHA-1 ${cert.sha1}) on every client into Local Computer → Trusted Root Certification Authorities: certutil -addstore Root <file with this certificate>`,
      );
    } else if (
      cert.chain.length <= 1 &&
      (code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' || code === 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY' || code === 'UNABLE_TO_GET_ISSUER_CERT')
    ) {
      summary = `The server sends only its own certificate, issued by ${cert.issuer}, and that issuer is not trusted here: the intermediate certificate is missing from what the server sends, or the CA is private.`;
      steps.push(
        `On the RRAS server, import the intermediate CA certificate(s) of ${cert.issuer} into Local Computer → Intermediate Certification Authorities so HTTP.SYS sends the full chain, then restart Routing and Remote Access.`,
        'If the issuing CA is private, install its root on every client in Local Computer → Trusted Root Certification Authorities (certutil -addstore Root <root CA file>, or by Group Policy).',
      );
    } else {
      summary = `The certificate chain ends in ${root}, which is not a trusted root here${code ? ` (${code})` : ''}.`;
      steps.push(
        `Install the root CA ${root} on every client in Local Computer → Trusted Root Certification Authorities (certutil -addstore Root <root CA file>, or by Group Policy); domain members of an enterprise CA get it from Active Directory.`,
        'Or bind a certificate from a public CA that clients already trust.',
      );
    }
    steps.push('The SSTP client checks the computer store, not the user store: import into Local Computer, not Current User.');
    return [
      makeFinding('cert-untrusted', summary, { ...certEvidence(cert), authorizationError: code, chainLength: cert.chain.length, root }, steps),
    ];
  },
};

export const validityRule: Rule = {
  name: 'cert-validity',
  causes: ['cert-expired', 'cert-expiring-soon'],
  apply(f) {
    const cert = f.report.certificate;
    if (!cert) return [];
    const now = f.context.now;
    const notAfter = parseDate(cert.notAfter);
    const notBefore = parseDate(cert.notBefore);
    const problems: string[] = [];
    if (notAfter && notAfter < now) {
      const days = Math.floor((now.getTime() - notAfter.getTime()) / DAY_MS);
      problems.push(`The server certificate expired on ${day(notAfter)} (${days} day${days === 1 ? '' : 's'} ago)`);
    } else if (notBefore && notBefore > now) {
      problems.push(
        `The server certificate is not valid until ${day(notBefore)}: it was issued for the future, or the clock of this machine or of the server is wrong`,
      );
    }
    // The chain as sent, minus the leaf: an expired intermediate fails the client as surely.
    for (const c of cert.chain.slice(1)) {
      const end = parseDate(c.notAfter);
      if (end && end < now) problems.push(`The chain certificate ${c.subject} expired on ${day(end)}`);
    }
    if (problems.length > 0) {
      return [
        makeFinding(
          'cert-expired',
          `${problems.join('; ')}.`,
          { ...certEvidence(cert), notBefore: cert.notBefore, notAfter: cert.notAfter, now: now.toISOString() },
          [
            `Renew the certificate (the one bound now has SHA-1 ${cert.sha1}), or check the clock first if it is not yet valid.`,
            'A renewed certificate has a new thumbprint: HTTP.SYS keeps serving the old one until it is bound again.',
            ...rebindNew(f, 'renewed'),
          ],
        ),
      ];
    }
    if (notAfter) {
      const window = f.context.expiryWarningDays ?? 30;
      const daysLeft = Math.ceil((notAfter.getTime() - now.getTime()) / DAY_MS);
      if (daysLeft <= window) {
        return [
          makeFinding(
            'cert-expiring-soon',
            `The server certificate expires on ${day(notAfter)}, in ${daysLeft} day${daysLeft === 1 ? '' : 's'}; clients start failing then.`,
            { ...certEvidence(cert), notAfter: cert.notAfter, daysLeft },
            [
              `Renew the certificate before ${day(notAfter)} and bind the renewed one (the current one has SHA-1 ${cert.sha1}).`,
              ...rebindNew(f, 'renewed'),
            ],
          ),
        ];
      }
    }
    return [];
  },
};

export const nameRule: Rule = {
  name: 'cert-name',
  causes: ['cert-name-mismatch'],
  apply(f) {
    const cert = f.report.certificate;
    if (!cert) return [];
    const code = f.report.tls?.authorizationError ?? null;
    if (!(cert.nameMatches === false || (cert.nameMatches === null && code !== null && NAME_CODES.includes(code)))) return [];
    const names = certNames(cert);
    const named = names.length > 0 ? names.join(', ') : 'no usable name';
    const summary = f.hostIsIp
      ? `Clients dial the IP address ${f.host}, which the certificate does not name (it names ${named}): Windows clients must dial a name the certificate carries.`
      : `The certificate names ${named}, not ${f.host}.`;
    return [
      makeFinding(
        'cert-name-mismatch',
        summary,
        { host: f.host, dnsNames: cert.dnsNames, ipAddresses: cert.ipAddresses, subject: cert.subject, sha1: cert.sha1 },
        [
          names.length > 0
            ? `In the VPN connection, use a server name the certificate carries (${named}) with a DNS record pointing at this server.`
            : 'Reissue the certificate with the VPN server name in its Subject Alternative Name.',
          `Or bind a certificate whose Subject Alternative Name includes ${f.host}:`,
          ...rebindNew(f, 'new'),
        ],
      ),
    ];
  },
};

export const ekuRule: Rule = {
  name: 'cert-eku',
  causes: ['cert-eku-invalid'],
  apply(f) {
    const cert = f.report.certificate;
    if (!cert || !cert.hasEku) return [];
    if (cert.eku.includes(EKU_SERVER_AUTH) || cert.eku.includes(EKU_ANY_PURPOSE)) return [];
    const have = cert.eku.length > 0 ? cert.eku.map(ekuName).join(', ') : 'an empty list';
    return [
      makeFinding(
        'cert-eku-invalid',
        `The certificate's Enhanced Key Usage is ${have}: it has neither Server Authentication (${EKU_SERVER_AUTH}) nor Any Purpose (${EKU_ANY_PURPOSE}), so SSTP clients refuse it and RRAS will not pick it.`,
        { ...certEvidence(cert), eku: cert.eku },
        [
          'Get a certificate with an Enhanced Key Usage of Server Authentication or Any Purpose (for an enterprise CA, the Web Server template), as the Event 8 page\'s "Configure the server with an SSTP certificate" asks.',
          ...rebindNew(f, 'new'),
        ],
      ),
    ];
  },
};

export const revocationRule: Rule = {
  name: 'cert-revocation',
  causes: ['cert-revoked', 'cert-revocation-unreachable'],
  apply(f) {
    const cert = f.report.certificate;
    const rev = f.report.revocation;
    if (!cert || !rev) return [];
    const sources = rev.sources.map((s) => `${s.kind} ${s.url}: ${s.outcome}${s.detail ? ` (${s.detail})` : ''}`);
    const evidence = { ...certEvidence(cert), verdict: rev.verdict, sources };
    if (rev.verdict === 'revoked') {
      const by = rev.sources.find((s) => s.outcome === 'revoked');
      return [
        makeFinding(
          'cert-revoked',
          `The certificate authority has revoked the server certificate (SHA-1 ${cert.sha1})${by ? `, according to ${by.kind.toUpperCase()} ${by.url}` : ''}.`,
          evidence,
          ['Get a new certificate from the CA; a revoked certificate cannot be reinstated by the server.', ...rebindNew(f, 'new')],
        ),
      ];
    }
    const lastResort = `Last resort, on each client, weakening security: set ${SSTP_PARAMETERS_KEY}\\NoCertRevocationCheck (DWORD) to 1 to turn off the SSTP revocation check.`;
    if (rev.verdict === 'unreachable') {
      const failing = rev.sources.filter((s) => s.outcome !== 'good' && s.outcome !== 'revoked');
      return [
        makeFinding(
          'cert-revocation-unreachable',
          `The revocation status of the certificate cannot be checked: ${failing.length > 0 ? failing.map((s) => `${s.kind.toUpperCase()} ${s.url} is ${s.outcome}`).join('; ') : 'no revocation source answered'}. Windows clients fail with 0x80092013 (CRYPT_E_REVOCATION_OFFLINE).`,
          evidence,
          [
            'Publish the CRL (and OCSP responder, if any) at the URLs in the certificate so that clients reach them from the Internet, over HTTP, without authentication.',
            ...failing.map((s) => `Make ${s.url} reachable from client networks (now: ${s.outcome}${s.detail ? `, ${s.detail}` : ''}).`),
            'If the CRL has expired, publish a fresh one on the CA (certutil -CRL) and copy it to the web location.',
            lastResort,
          ],
        ),
      ];
    }
    if (rev.verdict === 'no-sources' && !cert.selfSigned) {
      return [
        makeFinding(
          'cert-revocation-unreachable',
          'The certificate names no CRL distribution point and no OCSP responder, so clients cannot check its revocation: Windows clients fail with 0x80092012 (CRYPT_E_NO_REVOCATION_CHECK).',
          evidence,
          [
            'Reissue the certificate from a CA whose certificates carry a CRL Distribution Points (and Authority Information Access) extension with an HTTP URL reachable from the Internet.',
            ...rebindNew(f, 'reissued'),
            lastResort,
          ],
        ),
      ];
    }
    return [];
  },
};

export const hashRule: Rule = {
  name: 'cert-hash',
  causes: ['cert-hash-mismatch'],
  apply(f) {
    const cert = f.report.certificate;
    if (!cert || !f.presented) return [];
    const presented = f.presented;
    const differing = f.expected.filter((e) => e.value !== (e.algorithm === 'sha1' ? presented.sha1 : presented.sha256));
    if (differing.length === 0) return [];
    const expectedText = differing.map((e) => `${e.algorithm === 'sha1' ? 'SHA-1' : 'SHA-256'} ${e.value} (from ${e.source})`).join(' and ');
    // Only the administrator's own expectation names the renewed certificate; a netsh hash is what is bound.
    const renewedSha1 = differing.find((e) => e.algorithm === 'sha1' && e.source.startsWith('--'))?.value ?? null;
    const host = f.binding?.kind === 'hostnameport' ? bindableHost(f.sniHost) : null;
    const target = hostPort(f.host, f.port);
    return [
      makeFinding(
        'cert-hash-mismatch',
        `The server presented SHA-1 ${presented.sha1} (issued by ${cert.issuer}), but ${expectedText} was expected: something other than the RRAS HTTPS listener answers, or the binding is stale. RRAS rejects the crypto binding after authentication when the hashes differ.`,
        {
          presentedSha1: presented.sha1,
          presentedSha256: presented.sha256,
          expected: differing.map((e) => `${e.algorithm} ${e.value} (${e.source})`),
          issuer: cert.issuer,
          subject: cert.subject,
        },
        [
          `Three usual reasons: (a) a TLS-terminating reverse proxy or load balancer in front of RRAS serves its own certificate; (b) the certificate was renewed without re-binding it; (c) a TLS-inspecting firewall on the client's path re-signs the connection (issuer ${cert.issuer}).`,
          `(a) Reverse proxy or load balancer — the page's "Configure the server with acceptable hash certificate by the Reverse Web Proxy server": on the proxy, confirm the certificate it serves has thumbprint ${presented.sha1}; import that same certificate into Local Computer\\Personal on the RRAS server.`,
          ...netshDeleteCommands(f.port, host).map((c) => `(a) On RRAS: ${c}`),
          `(a) On RRAS: delete ${SSTP_PARAMETERS_KEY}\\Sha256CertificateHash and ${SSTP_PARAMETERS_KEY}\\Sha1CertificateHash, if present.`,
          ...netshAddCommands({ port: f.port, host, sha1: presented.sha1 }).map((c) => `(a) On RRAS: ${c}`),
          `(a) ${RESTART_RRAS_STEP}`,
          ...registryHashSteps(presented.sha1, presented.sha256).map((s) => `(a) After the restart: ${s}`),
          renewedSha1
            ? `(b) Renewed without re-binding — HTTP.SYS still serves ${presented.sha1} (valid until ${cert.notAfter}); bind the renewed certificate: ${netshAddCommands({ port: f.port, sha1: renewedSha1 })[0]} (after netsh http delete sslcert ipport=0.0.0.0:${f.port}), the [::]:${f.port} twin likewise, then restart Routing and Remote Access.`
            : `(b) Renewed without re-binding — HTTP.SYS still serves ${presented.sha1} (valid until ${cert.notAfter}); bind the renewed certificate with netsh http add sslcert as above, using its SHA-1 thumbprint, then restart Routing and Remote Access.`,
          `(c) TLS inspection — if ${cert.issuer} is your firewall's inspection CA, exempt ${target} from TLS inspection; crypto binding cannot succeed through it.`,
        ],
      ),
    ];
  },
};

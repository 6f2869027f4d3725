// Rules on the server certificate as a Windows SSTP client judges it: trust, validity, name, Enhanced
// Key Usage, key and signature strength, and whether it is the certificate the server is configured with
// at all. The TLS step records evidence without enforcing anything, so every rule here can fire in one run.
//
// The probe's certificate judgement (report.certificateChecks, made by lib/cert/judge.ts) is the evidence:
// these rules map its verdicts onto the catalogue and keep the detail in `evidence`. A report without that
// section (saved by an older version, or built by hand) is judged from report.certificate and Node's
// verification code instead; dates and EKUs are then decided by the same functions the judgement uses.

import type { CertificateChecks, CertificateInfo, Finding } from '../types.js';
import { EKU } from '../cert/oids.js';
import { WINDOWS_CERT_ERRORS, ekuVerdictOf, leafValidity, validityState } from '../cert/verdicts.js';
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


const EKU_NAMES: Readonly<Record<string, string>> = {
  [EKU.serverAuth]: 'Server Authentication',
  [EKU.anyExtendedKeyUsage]: 'Any Purpose',
  [EKU.clientAuth]: 'Client Authentication',
  [EKU.codeSigning]: 'Code Signing',
  [EKU.emailProtection]: 'Secure Email',
  [EKU.timeStamping]: 'Time Stamping',
  [EKU.ocspSigning]: 'OCSP Signing',
  [EKU.ipsecIke]: 'IP security IKE intermediate',
  '1.3.6.1.4.1.311.10.3.4': 'Encrypting File System',
  '1.3.6.1.4.1.311.20.2.2': 'Smart Card Logon',
};

// Node's verification codes that mean "the chain does not lead to a trusted root" (reports without checks).
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

const LOCAL_COMPUTER_STEP = 'The SSTP client checks the computer store, not the user store: import into Local Computer, not Current User.';

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

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
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

/** The chain as the server sent it, for evidence: who is who and which thumbprint. */
function chainAsSent(checks: CertificateChecks): Array<{ subject: string; issuer: string; sha1: string }> {
  return checks.chain.sent.map((c) => ({ subject: c.subject, issuer: c.issuer, sha1: c.sha1 }));
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

// ---------------------------------------------------------------- trust and chain

export const untrustedRule: Rule = {
  name: 'cert-untrusted',
  causes: ['cert-untrusted', 'cert-chain-incomplete'],
  apply(f) {
    const cert = f.report.certificate;
    if (!cert) return [];
    const checks = f.report.certificateChecks;
    return checks ? trustFromChecks(f, cert, checks) : trustFromNode(cert, f.report.tls?.authorizationError ?? null);
  },
};

function trustFromChecks(f: Facts, cert: CertificateInfo, checks: CertificateChecks): Finding[] {
  const { trust, chain } = checks;
  const fetched = chain.path.filter((c) => c.source === 'fetched');
  if (trust.trusted) {
    if (fetched.length === 0) return [];
    // Windows clients that reach the AIA location complete the chain themselves; the others fail.
    const urls = (checks.issuerFetch ?? []).filter((a) => a.outcome === 'ok').map((a) => a.url);
    const missing = fetched.map((c) => c.subject);
    return [
      makeFinding(
        'cert-chain-incomplete',
        `The server does not send its intermediate CA certificate (${missing.join(', ')}): it was downloaded from ${urls.join(', ') || 'the AIA location'}. Clients that cannot reach that URL fail with 0x800B010A; the server should send it.`,
        {
          ...certEvidence(cert),
          trustVerdict: 'missing-intermediate',
          completedFromAia: true,
          missingIssuer: missing[0] ?? null,
          caIssuersUrls: urls,
          chainAsSent: chainAsSent(checks),
        },
        [
          `On the RRAS server, import ${missing.join(', ')} into Local Computer → Intermediate Certification Authorities so HTTP.SYS sends the whole chain, then restart Routing and Remote Access.`,
          `Until then, clients must reach ${urls.join(', ') || 'the AIA location'} over HTTP before the VPN is up.`,
        ],
      ),
    ];
  }
  const evidence: Record<string, unknown> = {
    ...certEvidence(cert),
    trustVerdict: trust.verdict,
    windowsCode: trust.windowsCode,
    chainAsSent: chainAsSent(checks),
    root: trust.anchor?.subject ?? null,
    missingIssuer: chain.missingIssuer,
    caIssuersUrls: chain.caIssuersUrls,
    aiaAttempts: checks.issuerFetch,
    offending: trust.offending,
  };
  const steps: string[] = [];
  let summary: string;
  switch (trust.verdict) {
    case 'self-signed':
      summary = `The server presents a self-signed certificate (${cert.subject}): Windows clients refuse it unless it is in their computer's Trusted Root Certification Authorities store (${trust.windowsCode}).`;
      steps.push(
        `Preferably bind a certificate from a public CA or your enterprise CA. Otherwise import this certificate (SHA-1 ${cert.sha1}) on every client into Local Computer → Trusted Root Certification Authorities: certutil -addstore Root <file with this certificate>`,
      );
      break;
    case 'untrusted-root': {
      const root = trust.anchor?.subject ?? cert.issuer;
      summary = `The certificate chain ends in ${root}, which is not a trusted root here (${trust.windowsCode}).`;
      steps.push(
        `Install the root CA ${root} on every client in Local Computer → Trusted Root Certification Authorities (certutil -addstore Root <root CA file>, or by Group Policy); domain members of an enterprise CA get it from Active Directory.`,
        'Or bind a certificate from a public CA that clients already trust.',
      );
      break;
    }
    case 'missing-intermediate': {
      const stopsAt = chain.path[chain.path.length - 1]?.subject ?? cert.subject;
      const tried = (checks.issuerFetch ?? []).map((a) => `${a.url} (${a.outcome}${a.httpStatus ? ` ${a.httpStatus}` : ''})`);
      const aia =
        chain.caIssuersUrls.length === 0
          ? ' The certificate names no AIA location to download it from.'
          : tried.length > 0
            ? ` Downloading it from the AIA location failed: ${tried.join(', ')}.`
            : ` Windows clients try the AIA location ${chain.caIssuersUrls.join(', ')}.`;
      summary = `The chain the server sends stops at ${stopsAt}: its issuer ${chain.missingIssuer} is neither sent by the server nor trusted here (${trust.windowsCode}).${aia} The server should send it.`;
      steps.push(
        `If ${chain.missingIssuer} is an intermediate CA: on the RRAS server, import it into Local Computer → Intermediate Certification Authorities so HTTP.SYS sends the full chain, then restart Routing and Remote Access.`,
        `If it is your own root CA: install it on every client in Local Computer → Trusted Root Certification Authorities (certutil -addstore Root <root CA file>, or by Group Policy).`,
      );
      if (chain.caIssuersUrls.length > 0) steps.push(`Publish the CA certificate at ${chain.caIssuersUrls.join(', ')} over plain HTTP, reachable from client networks.`);
      break;
    }
    case 'bad-signature':
      summary = `The signature of ${trust.offending ?? cert.subject} does not verify with its issuer's key: the chain as deployed is broken (${trust.windowsCode}).`;
      steps.push('Re-issue the certificate from its CA and bind the new one; check that the intermediate installed on the server is the one that issued it.', ...rebindNew(f, 'reissued'));
      break;
    case 'issuer-not-ca':
      summary = `${trust.offending ?? 'A certificate on the path'} issues another certificate but is not a CA (no basicConstraints cA=TRUE): clients reject the chain (${trust.windowsCode}).`;
      steps.push('Issue the server certificate from a real CA certificate, then bind it:', ...rebindNew(f, 'reissued'));
      break;
    default:
      return [];
  }
  if (trust.verdict !== 'bad-signature' && trust.verdict !== 'issuer-not-ca') steps.push(LOCAL_COMPUTER_STEP);
  return [makeFinding('cert-untrusted', summary, evidence, steps)];
}

function trustFromNode(cert: CertificateInfo, code: string | null): Finding[] {
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
  steps.push(LOCAL_COMPUTER_STEP);
  return [
    makeFinding(
      'cert-untrusted',
      summary,
      { ...certEvidence(cert), authorizationError: code, chainLength: cert.chain.length, root, windowsCode: WINDOWS_CERT_ERRORS.CERT_E_UNTRUSTEDROOT },
      steps,
    ),
  ];
}

// ---------------------------------------------------------------- validity

export const validityRule: Rule = {
  name: 'cert-validity',
  causes: ['cert-expired', 'cert-expiring-soon'],
  apply(f) {
    const cert = f.report.certificate;
    if (!cert) return [];
    const now = f.context.now;
    const notAfter = parseDate(cert.notAfter);
    const notBefore = parseDate(cert.notBefore);
    if (!notAfter || !notBefore) return [];
    // Judged against the diagnosis clock, so a saved report read later says what holds then.
    const leaf = leafValidity(notBefore, notAfter, now, f.context.expiryWarningDays ?? 30);
    const checks = f.report.certificateChecks;
    // The sent and downloaded CAs on the path (the client's own copy of a root is not the server's problem).
    const cas = checks
      ? checks.chain.path.slice(1).filter((c) => c.source !== 'trust-store')
      : cert.chain.slice(1);
    const chainProblems = cas.flatMap((c) => {
      const from = parseDate(c.notBefore);
      const to = parseDate(c.notAfter);
      const state = from && to ? validityState(from, to, now) : null;
      return state ? [{ subject: c.subject, verdict: state, notBefore: c.notBefore, notAfter: c.notAfter }] : [];
    });
    const problems: string[] = [];
    if (leaf.verdict === 'expired') {
      const days = Math.floor((now.getTime() - notAfter.getTime()) / 86_400_000);
      problems.push(`The server certificate expired on ${day(notAfter)} (${plural(days, 'day')} ago)`);
    } else if (leaf.verdict === 'not-yet-valid') {
      problems.push(
        `The server certificate is not valid until ${day(notBefore)}: it was issued for the future, or the clock of this machine or of the server is wrong`,
      );
    }
    for (const p of chainProblems) {
      const to = parseDate(p.notAfter)!;
      const from = parseDate(p.notBefore)!;
      problems.push(p.verdict === 'expired' ? `The chain certificate ${p.subject} expired on ${day(to)}` : `The chain certificate ${p.subject} is not valid until ${day(from)}`);
    }
    const evidence = {
      ...certEvidence(cert),
      validity: leaf.verdict,
      notBefore: cert.notBefore,
      notAfter: cert.notAfter,
      now: now.toISOString(),
      daysRemaining: leaf.daysRemaining,
      chainProblems,
    };
    if (problems.length > 0) {
      return [
        makeFinding(
          'cert-expired',
          `${problems.join('; ')} (${WINDOWS_CERT_ERRORS.CERT_E_EXPIRED}).`,
          { ...evidence, windowsCode: WINDOWS_CERT_ERRORS.CERT_E_EXPIRED },
          [
            leaf.verdict === 'not-yet-valid'
              ? `Check the clock on this machine and on the server first; otherwise bind a certificate that is valid now (the one bound has SHA-1 ${cert.sha1}).`
              : `Renew the certificate (the one bound now has SHA-1 ${cert.sha1}), or check the clock first if it is not yet valid.`,
            ...(chainProblems.length > 0 ? ['Install the current intermediate CA certificate on the server (Local Computer → Intermediate Certification Authorities) and remove the outdated one.'] : []),
            'A renewed certificate has a new thumbprint: HTTP.SYS keeps serving the old one until it is bound again.',
            ...rebindNew(f, 'renewed'),
          ],
        ),
      ];
    }
    if (leaf.verdict === 'expiring-soon') {
      const daysLeft = Math.ceil((notAfter.getTime() - now.getTime()) / 86_400_000);
      return [
        makeFinding(
          'cert-expiring-soon',
          `The server certificate expires on ${day(notAfter)}, in ${plural(daysLeft, 'day')}; clients start failing then.`,
          { ...evidence, daysLeft },
          [`Renew the certificate before ${day(notAfter)} and bind the renewed one (the current one has SHA-1 ${cert.sha1}).`, ...rebindNew(f, 'renewed')],
        ),
      ];
    }
    return [];
  },
};

// ---------------------------------------------------------------- name

export const nameRule: Rule = {
  name: 'cert-name',
  causes: ['cert-name-mismatch'],
  apply(f) {
    const cert = f.report.certificate;
    if (!cert) return [];
    const checks = f.report.certificateChecks;
    const code = f.report.tls?.authorizationError ?? null;
    const mismatch = checks ? !checks.name.matches : cert.nameMatches === false || (cert.nameMatches === null && code !== null && NAME_CODES.includes(code));
    if (!mismatch) return [];
    const host = checks?.name.host ?? f.host;
    const byIp = checks ? checks.name.hostType === 'ip' : f.hostIsIp;
    const names = certNames(cert);
    const named = names.length > 0 ? names.join(', ') : 'no usable name';
    const summary = byIp
      ? `Clients dial the IP address ${host}, which the certificate does not name (it names ${named}): Windows clients must dial a name the certificate carries (${WINDOWS_CERT_ERRORS.CERT_E_CN_NO_MATCH}).`
      : `The certificate names ${named}, not ${host} (${WINDOWS_CERT_ERRORS.CERT_E_CN_NO_MATCH}).${checks?.name.commonNameIgnored ? ` ${host} is only in the subject CN, which clients ignore when the certificate has a Subject Alternative Name.` : ''}`;
    return [
      makeFinding(
        'cert-name-mismatch',
        summary,
        {
          host,
          hostType: byIp ? 'ip' : 'dns',
          dnsNames: cert.dnsNames,
          ipAddresses: cert.ipAddresses,
          candidates: checks?.name.candidates ?? names,
          commonNameIgnored: checks?.name.commonNameIgnored ?? false,
          subject: cert.subject,
          sha1: cert.sha1,
          windowsCode: WINDOWS_CERT_ERRORS.CERT_E_CN_NO_MATCH,
        },
        [
          names.length > 0
            ? `In the VPN connection, use a server name the certificate carries (${named}) with a DNS record pointing at this server.`
            : 'Reissue the certificate with the VPN server name in its Subject Alternative Name.',
          `Or bind a certificate whose Subject Alternative Name includes ${host}:`,
          ...rebindNew(f, 'new'),
        ],
      ),
    ];
  },
};

// ---------------------------------------------------------------- EKU

export const ekuRule: Rule = {
  name: 'cert-eku',
  causes: ['cert-eku-invalid', 'cert-eku-any-purpose'],
  apply(f) {
    const cert = f.report.certificate;
    if (!cert) return [];
    const checks = f.report.certificateChecks;
    const verdict = checks ? checks.eku.verdict : ekuVerdictOf(cert.hasEku ? cert.eku : null);
    const restrictedBy = checks?.eku.restrictedBy ?? null;
    const have = cert.eku.length > 0 ? cert.eku.map(ekuName).join(', ') : cert.hasEku ? 'an empty list' : 'absent (any purpose)';
    const evidence = { ...certEvidence(cert), ekuVerdict: verdict, eku: cert.eku, ekuNames: cert.eku.map(ekuName), restrictedBy };
    if (verdict === 'wrong-purpose') {
      const summary = restrictedBy
        ? `The issuing CA ${restrictedBy} carries an Enhanced Key Usage without Server Authentication, and clients apply it to the certificates it issues: SSTP clients refuse this one (${WINDOWS_CERT_ERRORS.CERT_E_WRONG_USAGE}).`
        : `The certificate's Enhanced Key Usage is ${have}: it has neither Server Authentication (${EKU.serverAuth}) nor Any Purpose (${EKU.anyExtendedKeyUsage}), so SSTP clients refuse it (${WINDOWS_CERT_ERRORS.CERT_E_WRONG_USAGE}) and RRAS will not pick it.`;
      return [
        makeFinding('cert-eku-invalid', summary, { ...evidence, windowsCode: WINDOWS_CERT_ERRORS.CERT_E_WRONG_USAGE }, [
          restrictedBy
            ? `Issue the server certificate from a CA whose own Enhanced Key Usage allows Server Authentication (or has none).`
            : 'Get a certificate with an Enhanced Key Usage of Server Authentication or Any Purpose (for an enterprise CA, the Web Server template), as the Event 8 page\'s "Configure the server with an SSTP certificate" asks.',
          ...rebindNew(f, 'new'),
        ]),
      ];
    }
    if (verdict === 'any-purpose') {
      return [
        makeFinding(
          'cert-eku-any-purpose',
          'The certificate allows server authentication only through Any Purpose (2.5.29.37.0): Windows clients accept it, OpenSSL-based clients (sstpc, NetworkManager-sstp) refuse it.',
          evidence,
          ['When the certificate is renewed, request Server Authentication (1.3.6.1.5.5.7.3.1) explicitly, e.g. with the Web Server template.'],
        ),
      ];
    }
    return [];
  },
};

// ---------------------------------------------------------------- key and signature strength

export const strengthRule: Rule = {
  name: 'cert-strength',
  causes: ['cert-weak-key', 'cert-weak-signature'],
  apply(f) {
    const cert = f.report.certificate;
    const checks = f.report.certificateChecks;
    if (!cert || !checks) return [];
    const out: Finding[] = [];
    if (checks.key.weak) {
      out.push(
        makeFinding(
          'cert-weak-key',
          `The server certificate has a ${checks.key.bits}-bit RSA key: current clients and policies expect at least 2048 bits.`,
          { ...certEvidence(cert), keyType: checks.key.type, keyBits: checks.key.bits },
          ['Re-issue the certificate with an RSA key of at least 2048 bits (or ECDSA P-256) and bind it:', ...rebindNew(f, 'reissued')],
        ),
      );
    }
    if (checks.signature.weak.length > 0) {
      // MD5 and MD2 chains are refused outright; SHA-1 still works on many clients but is being removed.
      const broken = checks.signature.weak.some((w) => w.hash !== 'sha1');
      out.push(
        makeFinding(
          'cert-weak-signature',
          `${checks.signature.weak.map((w) => `${w.subject} is signed with ${w.algorithm}`).join('; ')}: ${broken ? 'clients refuse MD5-signed certificates' : 'SHA-1 signatures are being removed from clients'}.`,
          { ...certEvidence(cert), certificates: checks.signature.weak },
          ['Re-issue the affected certificates with SHA-256 signatures (the CA must sign with SHA-256 too), then bind the new server certificate.'],
          broken ? 'error' : 'warning',
        ),
      );
    }
    return out;
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
    // Like with like: each expected hash is set against the presented hash of the same kind.
    const kinds = new Set(differing.map((e) => e.algorithm));
    const presentedText = [...kinds].map((kind) => (kind === 'sha1' ? `SHA-1 ${presented.sha1}` : `SHA-256 ${presented.sha256}`)).join(' and ');
    // Only the administrator's own expectation names the renewed certificate; a netsh hash is what is bound.
    const renewedSha1 = differing.find((e) => e.algorithm === 'sha1' && e.source.startsWith('--'))?.value ?? null;
    const host = f.binding?.kind === 'hostnameport' ? bindableHost(f.sniHost) : null;
    const target = hostPort(f.host, f.port);
    return [
      makeFinding(
        'cert-hash-mismatch',
        `The server presented ${presentedText} (issued by ${cert.issuer}), but ${expectedText} was expected: something other than the RRAS HTTPS listener answers, or the binding is stale. RRAS rejects the crypto binding after authentication when the hashes differ.`,
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
          // One connection sees one pool member: more of them show whether the members disagree.
          ...((f.report.connections ?? []).length === 0
            ? [`(d) Load-balanced servers — one connection reaches one member; sstp-probe ${target} --connections 6 shows whether the members behind ${target} present different certificates.`]
            : []),
        ],
      ),
    ];
  },
};

// Judges a server certificate chain the way a Windows SSTP client would, as a pure function of
// (chain as sent, host dialled, now, trusted CAs). Each check yields a verdict with its evidence and,
// when it fails, a finding carrying the Windows error code the user would see. Revocation is only
// prepared here (which URLs to ask about which certificate); revocation.ts does the fetching.

import { X509Certificate } from 'node:crypto';
import type { CertificateInfo, ChainCertificate, Finding, Severity } from '../types.js';
import { chainEntry, describeParsed, isSelfSigned } from './describe.js';
import { pemToDer } from './der.js';
import { dnsNameMatches, formatIp, normalizeDnsName, parseIp } from './names.js';
import { EKU, ekuName } from './oids.js';
import { parseCertificate, type ParsedCertificate } from './x509.js';

/** Windows error codes (winerror.h) a client shows for each certificate problem. */
export const WINDOWS_CERT_ERRORS = {
  CERT_E_EXPIRED: '0x800B0101',
  CERT_E_UNTRUSTEDROOT: '0x800B0109',
  CERT_E_CHAINING: '0x800B010A',
  CERT_E_CN_NO_MATCH: '0x800B010F',
  CERT_E_WRONG_USAGE: '0x800B0110',
  CRYPT_E_REVOKED: '0x80092010',
  CRYPT_E_NO_REVOCATION_CHECK: '0x80092012',
  CRYPT_E_REVOCATION_OFFLINE: '0x80092013',
  TRUST_E_CERT_SIGNATURE: '0x80096004',
  TRUST_E_BASIC_CONSTRAINTS: '0x80096019',
} as const;
export type WindowsCertError = keyof typeof WINDOWS_CERT_ERRORS;

/** Stable cause IDs of certificate findings, with their one-line meaning. */
export const CERT_CAUSES = {
  'cert-self-signed': 'the server certificate is self-signed and no trusted CA vouches for it',
  'cert-untrusted-root': 'the chain ends in a root CA the client does not trust',
  'cert-incomplete-chain': 'the chain cannot be completed from what the server sends and what the client trusts',
  'cert-bad-signature': 'a certificate in the chain is not signed by the CA it names',
  'cert-issuer-not-ca': 'a certificate in the chain is signed by a certificate that is not a CA',
  'cert-name-mismatch': 'the name the client dials is not in the certificate',
  'cert-expired': 'a certificate in the chain has expired',
  'cert-not-yet-valid': 'a certificate in the chain is not valid yet',
  'cert-expiring-soon': 'the server certificate expires soon',
  'cert-eku-invalid': 'the certificate is not allowed for server authentication',
  'cert-any-purpose-eku': 'the certificate allows server authentication only through Any Purpose',
  'cert-weak-key': 'the server certificate has a short RSA key',
  'cert-weak-signature': 'a certificate in the chain is signed with a weak hash',
  'cert-no-revocation-info': 'the server certificate names no CRL or OCSP location',
  'cert-revoked': 'a certificate in the chain has been revoked',
  'cert-revocation-unreachable': 'the revocation status cannot be checked: CRL/OCSP locations unreachable',
  'cert-aia-unreachable': 'the missing intermediate could not be downloaded from the AIA location',
} as const;
export type CertCause = keyof typeof CERT_CAUSES;

export const TRUST_VERDICTS = ['trusted', 'self-signed', 'untrusted-root', 'missing-intermediate', 'bad-signature', 'issuer-not-ca'] as const;
export type TrustVerdict = (typeof TRUST_VERDICTS)[number];

export const VALIDITY_VERDICTS = ['valid', 'expiring-soon', 'expired', 'not-yet-valid'] as const;
export type ValidityVerdict = (typeof VALIDITY_VERDICTS)[number];

export const EKU_VERDICTS = ['server-auth', 'any-purpose', 'no-eku', 'wrong-purpose'] as const;
export type EkuVerdict = (typeof EKU_VERDICTS)[number];

export interface JudgeInput {
  /** DER as the server sent it, leaf first. */
  chain: Buffer[];
  /** The name or IP literal the client dials. */
  host: string;
  now: Date;
  /** Trust anchors: typically Node's bundled roots (tls.rootCertificates) plus the user's extra CA PEMs. */
  trustedCaPems: string[];
  /** Intermediates obtained elsewhere (AIA download); they complete the path but the chain stays "incomplete". */
  fetchedIntermediates?: Buffer[];
  /** Warn when the leaf expires within this many days (default 30). */
  expiryWarningDays?: number;
}

export type PathSource = 'sent' | 'fetched' | 'trust-store';

export interface PathCertificate extends ChainCertificate {
  serialNumber: string;
  source: PathSource;
  /** Index in the chain as sent, or null for certificates that came from elsewhere. */
  sentIndex: number | null;
}

export interface ChainJudgement {
  /** As the server sent it, leaf first. */
  sent: ChainCertificate[];
  /** The path built from the leaf upwards, as far as it goes. */
  path: PathCertificate[];
  /** The path reached a root using only what the server sent plus the trust store. */
  complete: boolean;
  /** Issuer name of the last certificate reached when the path stops short, else null. */
  missingIssuer: string | null;
  /** Where that missing issuer can be downloaded (AIA caIssuers of the last certificate reached). */
  caIssuersUrls: string[];
  /** The server sent certificates in an order other than leaf, its issuer, that issuer's issuer... */
  outOfOrder: boolean;
  /** Subjects of sent certificates that are not on the path. */
  unused: string[];
  /** The server sent a self-signed root too (harmless, but wasted bytes). */
  rootSent: boolean;
  /** Sent certificates that could not be decoded (index in the chain as sent). */
  unreadable: number[];
}

export interface TrustJudgement {
  verdict: TrustVerdict;
  trusted: boolean;
  /** The root the path ends in, when it ends in one. */
  anchor: { subject: string; sha256: string; inTrustStore: boolean } | null;
  windowsCode: string | null;
  /** For bad-signature / issuer-not-ca: the certificate at fault. */
  offending: string | null;
}

export interface NameJudgement {
  host: string;
  hostType: 'dns' | 'ip';
  matches: boolean;
  matchedBy: 'san-dns' | 'san-ip' | 'cn' | null;
  matchedName: string | null;
  /** Names the check compared against (SAN entries of the host's type, or CN when there is no SAN). */
  candidates: string[];
  /** The CN would have matched, but a SAN extension is present so the CN is not consulted. */
  commonNameIgnored: boolean;
  windowsCode: string | null;
}

export interface ValidityProblem {
  subject: string;
  verdict: 'expired' | 'not-yet-valid';
  notBefore: string;
  notAfter: string;
}

export interface ValidityJudgement {
  verdict: ValidityVerdict;
  notBefore: string;
  notAfter: string;
  /** Whole days until notAfter, rounded toward zero (negative once expired by a day or more). */
  daysRemaining: number;
  /** Intermediates (sent or fetched) outside their validity period. */
  chainProblems: ValidityProblem[];
  windowsCode: string | null;
}

export interface EkuJudgement {
  verdict: EkuVerdict;
  ok: boolean;
  /** The leaf's EKU OIDs (empty when it has no EKU extension). */
  oids: string[];
  names: string[];
  /** A CA on the path whose own EKU extension excludes server authentication, else null. */
  restrictedBy: string | null;
  windowsCode: string | null;
}

export interface KeyJudgement {
  type: string | null;
  bits: number | null;
  curve: string | null;
  weak: boolean;
}

export interface SignatureJudgement {
  algorithm: string;
  /** Certificates whose signature uses SHA-1 or MD5 (the self-signature of a root is not counted). */
  weak: Array<{ subject: string; algorithm: string; hash: string }>;
}

/** One certificate whose revocation status a client would check, with where to ask. */
export interface RevocationTarget {
  subject: string;
  serialNumber: string;
  der: Buffer;
  /** The issuing CA (needed to check a CRL signature and to build an OCSP request), or null when missing. */
  issuerDer: Buffer | null;
  crlUrls: string[];
  ocspUrls: string[];
}

export interface RevocationSources {
  /** Path certificates below the root, leaf first. */
  targets: RevocationTarget[];
  crlUrls: string[];
  ocspUrls: string[];
  caIssuersUrls: string[];
  /** The leaf names at least one HTTP CRL or OCSP location. */
  leafHasSources: boolean;
}

export interface CertificateJudgement {
  verdict: 'pass' | 'warn' | 'fail';
  certificate: CertificateInfo;
  chain: ChainJudgement;
  trust: TrustJudgement;
  name: NameJudgement;
  validity: ValidityJudgement;
  eku: EkuJudgement;
  key: KeyJudgement;
  signature: SignatureJudgement;
  revocation: RevocationSources;
  findings: Finding[];
}

const DAY_MS = 86_400_000;
const MAX_PATH = 10;

interface PathNode {
  cert: ParsedCertificate;
  source: PathSource;
  sentIndex: number | null;
}

export function judgeCertificate(input: JudgeInput): CertificateJudgement {
  if (input.chain.length === 0) throw new RangeError('judgeCertificate needs at least the leaf certificate');
  const leaf = parseCertificate(input.chain[0]!);
  const sent: PathNode[] = [{ cert: leaf, source: 'sent', sentIndex: 0 }];
  const unreadable: number[] = [];
  input.chain.slice(1).forEach((der, i) => {
    try {
      sent.push({ cert: parseCertificate(der), source: 'sent', sentIndex: i + 1 });
    } catch {
      unreadable.push(i + 1);
    }
  });
  const fetched: PathNode[] = [];
  for (const der of input.fetchedIntermediates ?? []) {
    try {
      fetched.push({ cert: parseCertificate(der), source: 'fetched', sentIndex: null });
    } catch {
      // an unreadable download simply does not help
    }
  }
  const anchors = loadAnchors(input.trustedCaPems);

  const built = buildPath(sent, fetched, anchors);
  const path = built.path;
  const chain = judgeChain(sent, built, unreadable);
  const trust = judgeTrust(built);
  const name = judgeName(leaf, input.host);
  const validity = judgeValidity(path, input.now, input.expiryWarningDays ?? 30);
  const eku = judgeEku(path);
  const key: KeyJudgement = {
    type: leaf.keyType,
    bits: leaf.keyBits,
    curve: leaf.keyCurve,
    weak: leaf.keyType === 'rsa' && (leaf.keyBits ?? 0) < 2048,
  };
  const signature = judgeSignatures(path, built.endsAtRoot);
  const revocation = revocationSources(path, built.endsAtRoot);

  const findings = [
    ...trustFindings(chain, trust, leaf),
    ...nameFindings(name, leaf),
    ...validityFindings(validity, path, input.now),
    ...ekuFindings(eku),
    ...keyFindings(key),
    ...signatureFindings(signature),
    ...revocationInfoFindings(revocation, path, built.endsAtRoot),
  ];
  const certificate = describeParsed(sent.map((n) => n.cert));
  certificate.chainTrusted = trust.trusted;
  certificate.nameMatches = name.matches;
  return { verdict: overall(findings), certificate, chain, trust, name, validity, eku, key, signature, revocation, findings };
}

function overall(findings: Finding[]): CertificateJudgement['verdict'] {
  if (findings.some((f) => f.severity === 'error')) return 'fail';
  return findings.some((f) => f.severity === 'warning') ? 'warn' : 'pass';
}

// ---------------------------------------------------------------- path building

interface Anchor {
  der: Buffer;
  x509: X509Certificate;
}

function loadAnchors(pems: string[]): Anchor[] {
  const out: Anchor[] = [];
  for (const pem of pems) {
    for (const der of pemToDer(pem)) {
      try {
        out.push({ der, x509: new X509Certificate(der) });
      } catch {
        // a broken trust-store entry cannot anchor anything
      }
    }
  }
  return out;
}

interface BuiltPath {
  path: PathNode[];
  /** The last node is a root: in the trust store, or self-signed. */
  endsAtRoot: boolean;
  anchored: boolean;
  broken: { kind: 'bad-signature' | 'issuer-not-ca'; subject: string } | null;
}

function verifies(child: ParsedCertificate, issuer: X509Certificate): boolean {
  try {
    return child.x509.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

/**
 * Walks up from the leaf. At each step a trust-store certificate wins over a sent one (Windows builds to the
 * store's copy of a root), then sent certificates in any order, then fetched ones. A candidate must carry the
 * right name and key identifier (X509_check_issued) and its key must verify the signature.
 */
function buildPath(sent: PathNode[], fetched: PathNode[], anchors: Anchor[]): BuiltPath {
  const path: PathNode[] = [sent[0]!];
  const used = new Set<PathNode>(path);
  let broken: BuiltPath['broken'] = null;
  for (let depth = 0; depth < MAX_PATH; depth++) {
    const cur = path[path.length - 1]!;
    if (anchors.some((a) => a.der.equals(cur.cert.der))) return { path, endsAtRoot: true, anchored: true, broken };
    if (cur.cert.selfIssued && isSelfSigned(cur.cert)) return { path, endsAtRoot: true, anchored: false, broken };
    let nameMatchedOnly = false;
    let anchor: Anchor | undefined;
    for (const a of anchors) {
      if (!cur.cert.x509.checkIssued(a.x509)) continue;
      if (verifies(cur.cert, a.x509)) {
        anchor = a;
        break;
      }
      nameMatchedOnly = true;
    }
    if (anchor) {
      // The server may have sent the same root: keep its position so it does not count as unused.
      const sentCopy = sent.find((n) => n.cert.der.equals(anchor.der));
      const parsed = sentCopy?.cert ?? parseCertificate(anchor.der);
      path.push({ cert: parsed, source: 'trust-store', sentIndex: sentCopy?.sentIndex ?? null });
      if (!parsed.isCA && !broken) broken = notCa(parsed);
      return { path, endsAtRoot: true, anchored: true, broken };
    }
    let next: PathNode | undefined;
    for (const n of [...sent, ...fetched]) {
      if (used.has(n) || !cur.cert.x509.checkIssued(n.cert.x509)) continue;
      if (verifies(cur.cert, n.cert.x509)) {
        next = n;
        break;
      }
      nameMatchedOnly = true;
    }
    if (!next) {
      if (nameMatchedOnly && !broken) broken = { kind: 'bad-signature', subject: cur.cert.subject };
      return { path, endsAtRoot: false, anchored: false, broken };
    }
    if (!next.cert.isCA && !broken) broken = notCa(next.cert);
    path.push(next);
    used.add(next);
  }
  return { path, endsAtRoot: false, anchored: false, broken };
}

function notCa(c: ParsedCertificate): BuiltPath['broken'] {
  // Old v1 roots carry no basicConstraints; a self-signed trust anchor is accepted as a CA regardless.
  if (c.selfIssued && c.extensions.size === 0) return null;
  return { kind: 'issuer-not-ca', subject: c.subject };
}

// ---------------------------------------------------------------- chain and trust

function toPathCertificate(n: PathNode): PathCertificate {
  return { ...chainEntry(n.cert), serialNumber: n.cert.serialNumber, source: n.source, sentIndex: n.sentIndex };
}

function judgeChain(sent: PathNode[], built: BuiltPath, unreadable: number[]): ChainJudgement {
  const path = built.path;
  const last = path[path.length - 1]!;
  const onPath = new Set(path.map((n) => n.sentIndex).filter((i) => i !== null));
  const sentOnPath = path.map((n) => n.sentIndex).filter((i) => i !== null);
  const outOfOrder = sentOnPath.some((idx, i) => idx !== i);
  return {
    sent: sent.map((n) => chainEntry(n.cert)),
    path: path.map(toPathCertificate),
    complete: built.endsAtRoot && !path.some((n) => n.source === 'fetched'),
    missingIssuer: built.endsAtRoot ? null : last.cert.issuer,
    caIssuersUrls: built.endsAtRoot ? [] : last.cert.caIssuersUrls,
    outOfOrder,
    unused: sent.filter((n) => !onPath.has(n.sentIndex!)).map((n) => n.cert.subject),
    rootSent: sent.some((n, i) => i > 0 && n.cert.selfIssued && isSelfSigned(n.cert)),
    unreadable,
  };
}

function judgeTrust(built: BuiltPath): TrustJudgement {
  const path = built.path;
  const last = path[path.length - 1]!;
  const anchor = built.endsAtRoot
    ? { subject: last.cert.subject, sha256: last.cert.sha256, inTrustStore: built.anchored }
    : null;
  let verdict: TrustVerdict;
  if (built.broken) verdict = built.broken.kind;
  else if (!built.endsAtRoot) verdict = 'missing-intermediate';
  else if (built.anchored) verdict = 'trusted';
  else verdict = path.length === 1 ? 'self-signed' : 'untrusted-root';
  const code: Record<TrustVerdict, string | null> = {
    trusted: null,
    'self-signed': WINDOWS_CERT_ERRORS.CERT_E_UNTRUSTEDROOT,
    'untrusted-root': WINDOWS_CERT_ERRORS.CERT_E_UNTRUSTEDROOT,
    'missing-intermediate': WINDOWS_CERT_ERRORS.CERT_E_CHAINING,
    'bad-signature': WINDOWS_CERT_ERRORS.TRUST_E_CERT_SIGNATURE,
    'issuer-not-ca': WINDOWS_CERT_ERRORS.TRUST_E_BASIC_CONSTRAINTS,
  };
  return {
    verdict,
    trusted: verdict === 'trusted',
    anchor,
    windowsCode: code[verdict],
    offending: built.broken?.subject ?? null,
  };
}

// ---------------------------------------------------------------- name

function judgeName(leaf: ParsedCertificate, hostInput: string): NameJudgement {
  const ip = parseIp(hostInput);
  const base = { commonNameIgnored: false, windowsCode: null as string | null };
  if (ip) {
    const host = formatIp(ip);
    const i = leaf.ipAddressBytes.findIndex((b) => b.equals(ip));
    let result: NameJudgement;
    if (i >= 0) {
      result = { ...base, host, hostType: 'ip', matches: true, matchedBy: 'san-ip', matchedName: leaf.ipAddresses[i]!, candidates: leaf.ipAddresses };
    } else if (!leaf.hasSan) {
      const cn = leaf.commonNames.find((c) => parseIp(c)?.equals(ip));
      result = { ...base, host, hostType: 'ip', matches: cn !== undefined, matchedBy: cn ? 'cn' : null, matchedName: cn ?? null, candidates: leaf.commonNames };
    } else {
      result = { ...base, host, hostType: 'ip', matches: false, matchedBy: null, matchedName: null, candidates: leaf.ipAddresses };
    }
    if (!result.matches) result.windowsCode = WINDOWS_CERT_ERRORS.CERT_E_CN_NO_MATCH;
    return result;
  }
  const host = normalizeDnsName(hostInput) ?? hostInput;
  const candidates = leaf.hasSan ? leaf.dnsNames : leaf.commonNames;
  const matchedName = candidates.find((c) => dnsNameMatches(c, host)) ?? null;
  const matchedBy = matchedName === null ? null : leaf.hasSan ? 'san-dns' : 'cn';
  return {
    host,
    hostType: 'dns',
    matches: matchedName !== null,
    matchedBy,
    matchedName,
    candidates,
    commonNameIgnored: matchedName === null && leaf.hasSan && leaf.commonNames.some((c) => dnsNameMatches(c, host)),
    windowsCode: matchedName === null ? WINDOWS_CERT_ERRORS.CERT_E_CN_NO_MATCH : null,
  };
}

// ---------------------------------------------------------------- validity

function judgeValidity(path: PathNode[], now: Date, warningDays: number): ValidityJudgement {
  const leaf = path[0]!.cert;
  const t = now.getTime();
  const state = (c: ParsedCertificate): 'expired' | 'not-yet-valid' | null =>
    t > c.notAfter.getTime() ? 'expired' : t < c.notBefore.getTime() ? 'not-yet-valid' : null;
  const leafState = state(leaf);
  const remainingMs = leaf.notAfter.getTime() - t;
  const verdict: ValidityVerdict = leafState ?? (remainingMs < warningDays * DAY_MS ? 'expiring-soon' : 'valid');
  const chainProblems: ValidityProblem[] = [];
  for (const n of path.slice(1)) {
    if (n.source === 'trust-store') continue; // the client's own copy of a root is not the server's problem
    const s = state(n.cert);
    if (s) chainProblems.push({ subject: n.cert.subject, verdict: s, notBefore: n.cert.notBefore.toISOString(), notAfter: n.cert.notAfter.toISOString() });
  }
  return {
    verdict,
    notBefore: leaf.notBefore.toISOString(),
    notAfter: leaf.notAfter.toISOString(),
    daysRemaining: Math.trunc(remainingMs / DAY_MS) || 0,
    chainProblems,
    windowsCode: leafState || chainProblems.length > 0 ? WINDOWS_CERT_ERRORS.CERT_E_EXPIRED : null,
  };
}

// ---------------------------------------------------------------- EKU

const serverCapable = (eku: string[]): boolean => eku.includes(EKU.serverAuth) || eku.includes(EKU.anyExtendedKeyUsage);

function judgeEku(path: PathNode[]): EkuJudgement {
  const leaf = path[0]!.cert;
  const oids = leaf.eku ?? [];
  let verdict: EkuVerdict;
  if (leaf.eku === null) verdict = 'no-eku';
  else if (oids.includes(EKU.serverAuth)) verdict = 'server-auth';
  else if (oids.includes(EKU.anyExtendedKeyUsage)) verdict = 'any-purpose';
  else verdict = 'wrong-purpose';
  // Windows intersects EKUs down the chain: a CA restricted to other purposes restricts its leaves too.
  const restricting = path.slice(1).find((n) => n.cert.eku !== null && !serverCapable(n.cert.eku));
  if (restricting) verdict = 'wrong-purpose';
  const ok = verdict !== 'wrong-purpose';
  return {
    verdict,
    ok,
    oids,
    names: oids.map(ekuName),
    restrictedBy: restricting?.cert.subject ?? null,
    windowsCode: ok ? null : WINDOWS_CERT_ERRORS.CERT_E_WRONG_USAGE,
  };
}

// ---------------------------------------------------------------- signatures and revocation sources

/** Path nodes whose own signature a client relies on: all but a root's self-signature. */
function signedNodes(path: PathNode[], endsAtRoot: boolean): PathNode[] {
  const last = path[path.length - 1]!;
  const rootSelfSigned = endsAtRoot && (last.source === 'trust-store' || isSelfSigned(last.cert));
  return rootSelfSigned ? path.slice(0, -1) : path;
}

function judgeSignatures(path: PathNode[], endsAtRoot: boolean): SignatureJudgement {
  const weak = signedNodes(path, endsAtRoot)
    .filter((n) => ['md2', 'md5', 'sha1'].includes(n.cert.signatureHash ?? ''))
    .map((n) => ({ subject: n.cert.subject, algorithm: n.cert.signatureAlgorithm, hash: n.cert.signatureHash! }));
  return { algorithm: path[0]!.cert.signatureAlgorithm, weak };
}

const fetchable = (u: string): boolean => /^https?:\/\//i.test(u);

function revocationSources(path: PathNode[], endsAtRoot: boolean): RevocationSources {
  const targets = signedNodes(path, endsAtRoot).map((n, i) => ({
    subject: n.cert.subject,
    serialNumber: n.cert.serialNumber,
    der: n.cert.der,
    issuerDer: path[i + 1]?.cert.der ?? null,
    crlUrls: n.cert.crlUrls,
    ocspUrls: n.cert.ocspUrls,
  }));
  const leaf = path[0]!.cert;
  const uniq = (xs: string[]): string[] => [...new Set(xs)];
  return {
    targets,
    crlUrls: uniq(targets.flatMap((t) => t.crlUrls)),
    ocspUrls: uniq(targets.flatMap((t) => t.ocspUrls)),
    caIssuersUrls: uniq(path.flatMap((n) => n.cert.caIssuersUrls)),
    leafHasSources: [...leaf.crlUrls, ...leaf.ocspUrls].some(fetchable),
  };
}

// ---------------------------------------------------------------- findings

export function certFinding(
  cause: CertCause,
  severity: Severity,
  evidence: Record<string, unknown>,
  remediation: string[],
  summary: string = CERT_CAUSES[cause],
): Finding {
  return { cause, severity, summary, evidence, remediation };
}

function trustFindings(chain: ChainJudgement, trust: TrustJudgement, leaf: ParsedCertificate): Finding[] {
  const out: Finding[] = [];
  const ev = { windowsCode: trust.windowsCode, subject: leaf.subject, issuer: leaf.issuer };
  switch (trust.verdict) {
    case 'self-signed':
      out.push(
        certFinding('cert-self-signed', 'error', { ...ev, sha1: leaf.sha1 }, [
          'Replace it with a certificate from a CA the clients trust (a public CA, or your enterprise CA).',
          "Or import this certificate into each client's Trusted Root Certification Authorities store (Local Computer).",
        ]),
      );
      break;
    case 'untrusted-root':
      out.push(
        certFinding('cert-untrusted-root', 'error', { ...ev, root: trust.anchor?.subject ?? null, rootSha256: trust.anchor?.sha256 ?? null }, [
          "Import the root CA certificate into each client's Trusted Root Certification Authorities store (Local Computer).",
          'Or use a certificate from a publicly trusted CA.',
        ]),
      );
      break;
    case 'missing-intermediate': {
      const aia = chain.caIssuersUrls.length > 0;
      const stopsAt = chain.path[chain.path.length - 1]!.subject;
      out.push(
        certFinding(
          'cert-incomplete-chain',
          aia ? 'warning' : 'error',
          { ...ev, stopsAt, missingIssuer: chain.missingIssuer, caIssuersUrls: chain.caIssuersUrls },
          [
            'If the missing issuer is an intermediate CA: install it on the server (Local Computer > Intermediate Certification Authorities) so it is sent with the server certificate.',
            "If it is your own root CA: import it into each client's Trusted Root Certification Authorities store (Local Computer).",
            ...(aia ? ['Windows clients try to download it from the AIA location; make sure they can reach it.'] : []),
          ],
          `the chain stops at "${stopsAt}": its issuer "${chain.missingIssuer}" is neither sent by the server nor trusted by the client` +
            (aia ? ' (Windows will try the AIA location)' : ''),
        ),
      );
      break;
    }
    case 'bad-signature':
      out.push(certFinding('cert-bad-signature', 'error', { ...ev, certificate: trust.offending }, ['Re-issue the certificate from its CA; the chain as deployed does not verify.']));
      break;
    case 'issuer-not-ca':
      out.push(certFinding('cert-issuer-not-ca', 'error', { ...ev, certificate: trust.offending }, ['Issue the server certificate from a real CA certificate (basicConstraints cA=TRUE).']));
      break;
    case 'trusted':
      break;
  }
  if (trust.verdict === 'trusted' && chain.path.some((p) => p.source === 'fetched')) {
    out.push(
      certFinding(
        'cert-incomplete-chain',
        'warning',
        { windowsCode: null, missingIssuer: chain.path.find((p) => p.source === 'fetched')!.subject, fetchedFromAia: true },
        ['Install the intermediate CA certificate on the server so it is sent with the server certificate; clients that cannot reach the AIA location will fail.'],
        'the server does not send its intermediate CA certificate; it was downloaded from the AIA location',
      ),
    );
  }
  return out;
}

function nameFindings(name: NameJudgement, leaf: ParsedCertificate): Finding[] {
  if (name.matches) return [];
  const remediation =
    name.hostType === 'ip'
      ? ['Dial the server by a DNS name that the certificate lists, not by its IP address.', 'Or issue a certificate whose subjectAltName holds this IP address.']
      : name.commonNameIgnored
        ? ['The name is only in the subject CN; add it to the subjectAltName DNS entries when re-issuing.']
        : ['Dial one of the names the certificate lists.', 'Or re-issue the certificate with this name in its subjectAltName.'];
  return [
    certFinding(
      'cert-name-mismatch',
      'error',
      {
        windowsCode: name.windowsCode,
        host: name.host,
        hostType: name.hostType,
        dnsNames: leaf.dnsNames,
        ipAddresses: leaf.ipAddresses,
        commonNames: leaf.commonNames,
        commonNameIgnored: name.commonNameIgnored,
      },
      remediation,
    ),
  ];
}

function validityFindings(v: ValidityJudgement, path: PathNode[], now: Date): Finding[] {
  const out: Finding[] = [];
  const leaf = path[0]!.cert;
  const base = { now: now.toISOString(), notBefore: v.notBefore, notAfter: v.notAfter };
  if (v.verdict === 'expired') {
    out.push(certFinding('cert-expired', 'error', { windowsCode: WINDOWS_CERT_ERRORS.CERT_E_EXPIRED, subject: leaf.subject, ...base }, ['Renew the server certificate and bind the new one to SSTP (RRAS > Properties > Security).']));
  } else if (v.verdict === 'not-yet-valid') {
    out.push(
      certFinding('cert-not-yet-valid', 'error', { windowsCode: WINDOWS_CERT_ERRORS.CERT_E_EXPIRED, subject: leaf.subject, ...base }, [
        'Check the clock on the client and on the server.',
        'Or wait until the certificate becomes valid.',
      ]),
    );
  } else if (v.verdict === 'expiring-soon') {
    out.push(certFinding('cert-expiring-soon', 'warning', { windowsCode: null, subject: leaf.subject, daysRemaining: v.daysRemaining, ...base }, ['Renew the server certificate before it expires.']));
  }
  for (const p of v.chainProblems) {
    out.push(
      certFinding(
        p.verdict === 'expired' ? 'cert-expired' : 'cert-not-yet-valid',
        'error',
        { windowsCode: WINDOWS_CERT_ERRORS.CERT_E_EXPIRED, subject: p.subject, now: now.toISOString(), notBefore: p.notBefore, notAfter: p.notAfter },
        ['Install the current intermediate CA certificate on the server.'],
        p.verdict === 'expired' ? 'an intermediate CA certificate in the chain has expired' : 'an intermediate CA certificate in the chain is not valid yet',
      ),
    );
  }
  return out;
}

function ekuFindings(eku: EkuJudgement): Finding[] {
  if (eku.verdict === 'wrong-purpose') {
    return [
      certFinding('cert-eku-invalid', 'error', { windowsCode: eku.windowsCode, eku: eku.oids, ekuNames: eku.names, restrictedBy: eku.restrictedBy }, [
        'Issue the server certificate with the Server Authentication EKU (1.3.6.1.5.5.7.3.1).',
      ]),
    ];
  }
  if (eku.verdict === 'any-purpose') {
    return [
      certFinding('cert-any-purpose-eku', 'info', { windowsCode: null, eku: eku.oids, ekuNames: eku.names }, [
        'Windows accepts this; OpenSSL-based verifiers (Node among them) reject it. Add the Server Authentication EKU when re-issuing.',
      ]),
    ];
  }
  return [];
}

function keyFindings(key: KeyJudgement): Finding[] {
  return key.weak
    ? [certFinding('cert-weak-key', 'warning', { keyType: key.type, keyBits: key.bits }, ['Re-issue the certificate with an RSA key of at least 2048 bits (or ECDSA P-256).'])]
    : [];
}

function signatureFindings(sig: SignatureJudgement): Finding[] {
  if (sig.weak.length === 0) return [];
  const md5 = sig.weak.some((w) => w.hash !== 'sha1');
  return [
    certFinding('cert-weak-signature', md5 ? 'error' : 'warning', { certificates: sig.weak }, ['Re-issue the affected certificates with SHA-256 signatures.']),
  ];
}

function revocationInfoFindings(rev: RevocationSources, path: PathNode[], endsAtRoot: boolean): Finding[] {
  // A self-signed leaf has nothing above it to revoke it: Windows does not check it.
  if (rev.leafHasSources || signedNodes(path, endsAtRoot).length === 0) return [];
  const leaf = path[0]!.cert;
  return [
    certFinding(
      'cert-no-revocation-info',
      'error',
      { windowsCode: WINDOWS_CERT_ERRORS.CRYPT_E_NO_REVOCATION_CHECK, subject: leaf.subject, crlUrls: leaf.crlUrls, ocspUrls: leaf.ocspUrls },
      [
        'Issue the server certificate from a CA that publishes a CRL distribution point (CDP) or OCSP location over HTTP.',
        'For a test only: set HKLM\\SYSTEM\\CurrentControlSet\\Services\\SstpSvc\\Parameters\\NoCertRevocationCheck = 1 (DWORD) on the client.',
      ],
    ),
  ];
}

// Judges a server certificate chain the way a Windows SSTP client would, as a pure function of
// (chain as sent, host dialled, now, trusted CAs). Each check yields a verdict with its evidence and the
// Windows error code a client would show. The judgement is evidence only: lib/diagnose turns it into
// findings, so each problem is named in one place. Revocation is only prepared here (which URLs to ask
// about which certificate); revocation.ts does the fetching.

import { X509Certificate } from 'node:crypto';
import type {
  CertificateInfo,
  CertificateVerdicts,
  ChainJudgement,
  EkuJudgement,
  EkuVerdict,
  KeyJudgement,
  NameJudgement,
  PathCertificate,
  PathSource,
  SignatureJudgement,
  TrustJudgement,
  TrustVerdict,
  ValidityJudgement,
  ValidityProblem,
} from '../types.js';
import { chainEntry, describeParsed, isSelfSigned } from './describe.js';
import { prepareAnchors, type PreparedAnchors } from './anchors.js';
import { dnsNameMatches, formatIp, normalizeDnsName, parseIp } from './names.js';
import { ekuName } from './oids.js';
import { WINDOWS_CERT_ERRORS, ekuVerdictOf, leafValidity, serverCapable, validityState } from './verdicts.js';
import { parseCertificate, type ParsedCertificate } from './x509.js';

export { WINDOWS_CERT_ERRORS, type WindowsCertError } from './verdicts.js';
export { prepareAnchors, type PreparedAnchors } from './anchors.js';

export {
  EKU_VERDICTS,
  TRUST_VERDICTS,
  VALIDITY_VERDICTS,
  type ChainJudgement,
  type EkuJudgement,
  type EkuVerdict,
  type KeyJudgement,
  type NameJudgement,
  type PathCertificate,
  type PathSource,
  type SignatureJudgement,
  type TrustJudgement,
  type TrustVerdict,
  type ValidityJudgement,
  type ValidityProblem,
  type ValidityVerdict,
} from '../types.js';

export interface JudgeInput {
  /** DER as the server sent it, leaf first. */
  chain: Buffer[];
  /** The name or IP literal the client dials. */
  host: string;
  now: Date;
  /** Trust anchors: typically Node's bundled roots (tls.rootCertificates) plus the user's extra CA PEMs. */
  trustedCaPems: string[];
  /** The same anchors indexed (prepareAnchors): built once per trust set and shared, not per judgement. */
  preparedAnchors?: PreparedAnchors;
  /** Intermediates obtained elsewhere (AIA download); they complete the path but the chain stays "incomplete". */
  fetchedIntermediates?: Buffer[];
  /** Warn when the leaf expires within this many days (default 30). */
  expiryWarningDays?: number;
}

/** One certificate whose revocation status a client would check, with where to ask. */
export interface RevocationTarget {
  subject: string;
  serialNumber: string;
  der: Buffer;
  /** The issuing CA (needed to check a CRL signature and to build an OCSP request), or null when missing. */
  issuerDer: Buffer | null;
  crlUrls: string[];
  /** Delta CRL locations the certificate names (Freshest CRL); a complete CRL can name more. */
  freshestCrlUrls: string[];
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

/** The verdicts, plus what the online checks need: the certificate itself and where to ask about revocation. */
export interface CertificateJudgement extends CertificateVerdicts {
  certificate: CertificateInfo;
  revocation: RevocationSources;
}

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
  const anchors = input.preparedAnchors ?? prepareAnchors(input.trustedCaPems);

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
  const acceptable =
    trust.trusted && name.matches && (validity.verdict === 'valid' || validity.verdict === 'expiring-soon') && validity.chainProblems.length === 0 && eku.ok;

  const certificate = describeParsed(sent.map((n) => n.cert));
  certificate.chainTrusted = trust.trusted;
  certificate.nameMatches = name.matches;
  return { acceptable, certificate, chain, trust, name, validity, eku, key, signature, revocation };
}

// ---------------------------------------------------------------- path building

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
function buildPath(sent: PathNode[], fetched: PathNode[], anchors: PreparedAnchors): BuiltPath {
  const path: PathNode[] = [sent[0]!];
  const used = new Set<PathNode>(path);
  let broken: BuiltPath['broken'] = null;
  for (let depth = 0; depth < MAX_PATH; depth++) {
    const cur = path[path.length - 1]!;
    if (anchors.contains(cur.cert.der, cur.cert.subjectDer)) return { path, endsAtRoot: true, anchored: true, broken };
    if (cur.cert.selfIssued && isSelfSigned(cur.cert)) return { path, endsAtRoot: true, anchored: false, broken };
    let nameMatchedOnly = false;
    let anchor: { der: Buffer; x509: X509Certificate } | undefined;
    // Only the anchors named like the issuer are decoded (and then kept decoded for the whole trust set).
    for (const a of anchors.issuerCandidates(cur.cert.issuerDer)) {
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
  const { verdict, daysRemaining } = leafValidity(leaf.notBefore, leaf.notAfter, now, warningDays);
  const chainProblems: ValidityProblem[] = [];
  for (const n of path.slice(1)) {
    if (n.source === 'trust-store') continue; // the client's own copy of a root is not the server's problem
    const s = validityState(n.cert.notBefore, n.cert.notAfter, now);
    if (s) chainProblems.push({ subject: n.cert.subject, verdict: s, notBefore: n.cert.notBefore.toISOString(), notAfter: n.cert.notAfter.toISOString() });
  }
  const outside = verdict === 'expired' || verdict === 'not-yet-valid' || chainProblems.length > 0;
  return {
    verdict,
    notBefore: leaf.notBefore.toISOString(),
    notAfter: leaf.notAfter.toISOString(),
    daysRemaining,
    chainProblems,
    windowsCode: outside ? WINDOWS_CERT_ERRORS.CERT_E_EXPIRED : null,
  };
}

// ---------------------------------------------------------------- EKU

function judgeEku(path: PathNode[]): EkuJudgement {
  const leaf = path[0]!.cert;
  const oids = leaf.eku ?? [];
  // Windows intersects EKUs down the chain: a CA restricted to other purposes restricts its leaves too.
  const restricting = path.slice(1).find((n) => n.cert.eku !== null && !serverCapable(n.cert.eku));
  const verdict: EkuVerdict = restricting ? 'wrong-purpose' : ekuVerdictOf(leaf.eku);
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
    freshestCrlUrls: n.cert.freshestCrlUrls,
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

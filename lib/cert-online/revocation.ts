// Online certificate checks, done the way a Windows client does them before it lets SSTP through:
// download a missing intermediate from the AIA caIssuers location, then ask every CRL distribution point and
// OCSP responder of every certificate below the root, all in parallel. A complete CRL whose certificate or
// CRL names delta CRLs (Freshest CRL) counts only with one of those deltas read on top of it, as Windows has
// it. "Revocation server offline" (0x80092013) is the most reported SSTP failure, so each URL's outcome is
// kept as evidence; the diagnosis (lib/diagnose) names the problem from it.

import type { Dispatcher } from 'undici';
import type { IssuerFetchAttempt, RevocationInfo, RevocationSource, RevocationSourceKind, RevocationSourceOutcome, RevocationVerdictName } from '../types.js';
import { checkCrl, checkDeltaCrl, parseCrl, type CrlVerdict, type ParsedCrl } from '../cert/crl.js';
import { CLASS, TAG, children, encodeDer, isTag, parseDer, pemToDer, readOid } from '../cert/der.js';
import { fetchBounded, type FetchOutcome, type FetchResult, FETCH_OUTCOMES } from './fetch.js';
import { judgeCertificate, type CertificateJudgement, type JudgeInput, type RevocationTarget } from '../cert/judge.js';
import { buildOcspRequest, checkOcspResponse } from '../cert/ocsp.js';

export interface OnlineOptions {
  now: Date;
  /** Per-fetch deadline (default 10 s). */
  timeoutMs?: number;
  /** Deadline for everything judgeOnline fetches (AIA levels and revocation together): each fetch gets what is left. */
  totalTimeoutMs?: number;
  /** Ask the CRL / OCSP locations (default true); false still completes the chain from AIA. */
  revocation?: boolean;
  /** Size cap per download (default 10 MiB). */
  maxBytes?: number;
  /** e.g. an undici ProxyAgent when the client reaches the internet through a proxy. */
  dispatcher?: Dispatcher;
  signal?: AbortSignal;
}

/** A fetch's outcomes, plus what can go wrong once the answer is in hand. */
export const ATTEMPT_OUTCOMES = {
  ...FETCH_OUTCOMES,
  ok: 'downloaded and understood',
  error: 'any other network failure',
  'parse-error': 'the answer is not a CRL / OCSP response / certificate',
  invalid: 'understood but not usable: wrong issuer, bad signature, stale, or a responder error',
  'no-issuer': 'the issuing CA certificate is missing, so the answer cannot be checked',
} as const;
export type AttemptOutcome = keyof typeof ATTEMPT_OUTCOMES;

export interface RevocationAttempt {
  url: string;
  kind: 'crl' | 'delta-crl' | 'ocsp' | 'ca-issuers';
  /** A delta CRL: the complete CRL it was read with. */
  baseUrl?: string;
  /** Subject of the certificate the attempt is about. */
  certificate: string;
  serialNumber: string;
  outcome: AttemptOutcome;
  httpStatus: number | null;
  /** What the source says about the certificate, when it said something usable. */
  status: 'good' | 'revoked' | 'unknown' | null;
  revokedAt: string | null;
  detail: string | null;
  durationMs: number;
  /** A CRL read: its nextUpdate (ISO), or null when it names none. */
  nextUpdate?: string | null;
}

/** What an online check can conclude (the report's 'not-checked' is for a check that was not made). */
export type RevocationVerdict = Exclude<RevocationVerdictName, 'not-checked'>;

export interface RevocationResult {
  verdict: RevocationVerdict;
  attempts: RevocationAttempt[];
  /** The first revoked certificate found, with the source that said so. */
  revoked: { certificate: string; serialNumber: string; revokedAt: string | null; url: string } | null;
}

export interface IssuerFetchResult {
  attempts: RevocationAttempt[];
  /** Certificates (DER) the AIA locations returned. */
  certificates: Buffer[];
}

export interface OnlineJudgement {
  /** The judgement after any AIA download (the chain may now be complete). */
  judgement: CertificateJudgement;
  issuerFetch: IssuerFetchResult | null;
  /** Null when revocation was turned off. */
  revocation: RevocationResult | null;
}

function attemptFrom(fetch: FetchResult, kind: RevocationAttempt['kind'], target: { subject: string; serialNumber: string }): RevocationAttempt {
  return {
    url: fetch.url,
    kind,
    certificate: target.subject,
    serialNumber: target.serialNumber,
    outcome: fetch.outcome satisfies FetchOutcome,
    httpStatus: fetch.httpStatus,
    status: null,
    revokedAt: null,
    detail: fetch.detail,
    durationMs: fetch.durationMs,
  };
}

/** What one CRL location (with its deltas) or one OCSP responder says, with every download it took. */
interface SourceCheck {
  attempts: RevocationAttempt[];
  /** The combined answer; null when the source gave none a client could use. */
  status: 'good' | 'revoked' | 'unknown' | null;
  revokedAt: string | null;
  /** The URL whose answer decided it (a delta that lists the certificate, else the complete CRL). */
  url: string;
}

const single = (attempt: RevocationAttempt): SourceCheck => ({ attempts: [attempt], status: attempt.status, revokedAt: attempt.revokedAt, url: attempt.url });

type UsableCrlVerdict = Extract<CrlVerdict, { status: 'good' | 'revoked' }>;

/** Downloads and decodes one CRL; `attempt` is the evidence, `crl` is set when it decoded. */
async function fetchCrl(url: string, kind: 'crl' | 'delta-crl', target: RevocationTarget, opts: OnlineOptions): Promise<{ attempt: RevocationAttempt; crl: ParsedCrl | null }> {
  const fetched = await fetchBounded(url, fetchOptions(opts));
  const attempt = attemptFrom(fetched, kind, target);
  if (fetched.outcome !== 'ok') return { attempt, crl: null };
  try {
    return { attempt, crl: parseCrl(fetched.body!) };
  } catch (error) {
    return { attempt: { ...attempt, outcome: 'parse-error', detail: (error as Error).message }, crl: null };
  }
}

const crlNumberText = (crl: ParsedCrl): string => (crl.crlNumber === null ? '' : ` #${crl.crlNumber}`);

/**
 * One CRL distribution point: the complete CRL, then the delta CRLs the certificate (RFC 5280 §4.2.1.15) or
 * the complete CRL (§5.2.6) names. Deltas the certificate names are fetched alongside the complete CRL,
 * those only the CRL names after it. With deltas named, the location answers only through a usable delta.
 */
async function crlCheck(url: string, target: RevocationTarget, opts: OnlineOptions): Promise<SourceCheck> {
  const [base, early] = await Promise.all([
    fetchCrl(url, 'crl', target, opts),
    Promise.all(target.freshestCrlUrls.map((u) => fetchCrl(u, 'delta-crl', target, opts))),
  ]);
  // Without a usable complete CRL the location has no answer. A delta that failed to download or decode says
  // so too; one that downloaded fine is not to blame and is left out, unless the missing issuer stops both.
  const unusable = (attempt: RevocationAttempt): SourceCheck => {
    const deltas = early.flatMap((d) => {
      if (!d.crl) return [{ ...d.attempt, baseUrl: url }];
      return attempt.outcome === 'no-issuer' ? [{ ...d.attempt, baseUrl: url, outcome: 'no-issuer' as const, detail: attempt.detail }] : [];
    });
    return { attempts: [attempt, ...deltas], status: null, revokedAt: null, url };
  };
  if (!base.crl) return unusable(base.attempt);
  if (!target.issuerDer) return unusable({ ...base.attempt, outcome: 'no-issuer', detail: 'the issuing CA certificate is missing' });
  const crl = base.crl;
  const verdict = checkCrl(crl, { serialNumber: target.serialNumber, issuerDer: target.issuerDer }, opts.now);
  if (verdict.status === 'invalid') {
    const when = verdict.problem === 'expired' ? ` (nextUpdate ${crl.nextUpdate?.toISOString()})` : '';
    return unusable({ ...base.attempt, outcome: 'invalid', detail: `CRL ${verdict.problem}${when}` });
  }
  const baseAttempt: RevocationAttempt = {
    ...base.attempt,
    status: verdict.status,
    revokedAt: verdict.revokedAt?.toISOString() ?? null,
    nextUpdate: crl.nextUpdate?.toISOString() ?? null,
    detail: `CRL${crlNumberText(crl)} thisUpdate ${crl.thisUpdate.toISOString()}, ${crl.revoked.size} revoked entries`,
  };
  const late = crl.freshestCrlUrls.filter((u) => !target.freshestCrlUrls.includes(u));
  if (early.length === 0 && late.length === 0) return { attempts: [baseAttempt], status: verdict.status, revokedAt: baseAttempt.revokedAt, url };
  const issuerDer = target.issuerDer;
  const deltas = [...early, ...(await Promise.all(late.map((u) => fetchCrl(u, 'delta-crl', target, opts))))].map((d) =>
    deltaAttempt(d, { crl, verdict, url }, { serialNumber: target.serialNumber, issuerDer }, opts.now),
  );
  const decided = deltas.find((d) => d.attempt.status === 'revoked') ?? deltas.find((d) => d.attempt.status === 'good');
  return {
    attempts: [baseAttempt, ...deltas.map((d) => d.attempt)],
    status: decided?.attempt.status ?? null,
    revokedAt: decided?.attempt.revokedAt ?? null,
    url: decided?.listsIt ? decided.attempt.url : url,
  };
}

/** A fetched delta CRL read on top of its complete CRL; its status is what the two say together. */
function deltaAttempt(
  fetched: { attempt: RevocationAttempt; crl: ParsedCrl | null },
  base: { crl: ParsedCrl; verdict: UsableCrlVerdict; url: string },
  target: { serialNumber: string; issuerDer: Buffer },
  now: Date,
): { attempt: RevocationAttempt; listsIt: boolean } {
  const attempt = { ...fetched.attempt, baseUrl: base.url };
  if (!fetched.crl) return { attempt, listsIt: false };
  const delta = fetched.crl;
  const verdict = checkDeltaCrl(delta, base, target, now);
  if (verdict.status === 'invalid') {
    const why =
      verdict.problem === 'wrong-base'
        ? ` (delta${crlNumberText(delta)} updates CRL #${delta.deltaBaseCrlNumber ?? '?'}, the complete CRL is${crlNumberText(base.crl) || ' unnumbered'})`
        : verdict.problem === 'expired'
          ? ` (nextUpdate ${delta.nextUpdate?.toISOString()})`
          : '';
    return { attempt: { ...attempt, outcome: 'invalid', detail: `delta CRL ${verdict.problem}${why}` }, listsIt: false };
  }
  const change = {
    listed: 'lists the certificate',
    removed: 'takes the certificate off the complete CRL (removeFromCRL)',
    unchanged: 'does not change what the complete CRL says',
  }[verdict.change];
  return {
    attempt: {
      ...attempt,
      status: verdict.status,
      revokedAt: verdict.revokedAt?.toISOString() ?? null,
      nextUpdate: delta.nextUpdate?.toISOString() ?? null,
      detail: `delta CRL${crlNumberText(delta)} on CRL #${delta.deltaBaseCrlNumber}: ${change}`,
    },
    listsIt: verdict.change === 'listed',
  };
}

async function ocspAttempt(url: string, target: RevocationTarget, opts: OnlineOptions): Promise<RevocationAttempt> {
  if (!target.issuerDer) {
    return { url, kind: 'ocsp', certificate: target.subject, serialNumber: target.serialNumber, outcome: 'no-issuer', httpStatus: null, status: null, revokedAt: null, detail: 'the issuing CA certificate is missing', durationMs: 0 };
  }
  const body = buildOcspRequest(target.der, target.issuerDer);
  const fetched = await fetchBounded(url, { ...fetchOptions(opts), method: 'POST', body, contentType: 'application/ocsp-request' });
  const attempt = attemptFrom(fetched, 'ocsp', target);
  if (fetched.outcome !== 'ok') return attempt;
  const verdict = checkOcspResponse(fetched.body!, target.der, target.issuerDer, opts.now);
  if (verdict.status === 'error') {
    const malformed = verdict.problem.startsWith('malformed');
    return { ...attempt, outcome: malformed ? 'parse-error' : 'invalid', detail: `OCSP ${verdict.problem}` };
  }
  return { ...attempt, status: verdict.status, revokedAt: verdict.revokedAt?.toISOString() ?? null, detail: `OCSP ${verdict.status}, thisUpdate ${verdict.thisUpdate.toISOString()}` };
}

function fetchOptions(opts: OnlineOptions): { timeoutMs?: number; maxBytes?: number; dispatcher?: Dispatcher; signal?: AbortSignal } {
  return {
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    ...(opts.maxBytes !== undefined ? { maxBytes: opts.maxBytes } : {}),
    ...(opts.dispatcher ? { dispatcher: opts.dispatcher } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  };
}

/** Asks every CRL and OCSP location of every certificate below the root, in parallel. */
export async function checkRevocation(judgement: CertificateJudgement, opts: OnlineOptions): Promise<RevocationResult> {
  const targets = judgement.revocation.targets;
  const perTarget = await Promise.all(
    targets.map((t) =>
      Promise.all([...t.ocspUrls.map(async (u) => single(await ocspAttempt(u, t, opts))), ...t.crlUrls.map((u) => crlCheck(u, t, opts))]),
    ),
  );
  const attempts = perTarget.flat().flatMap((c) => c.attempts);
  let revoked: RevocationResult['revoked'] = null;
  let anyUnreachable = false;
  let anyGood = false;
  perTarget.forEach((checks, i) => {
    const hit = checks.find((c) => c.status === 'revoked');
    if (hit && !revoked) revoked = { certificate: targets[i]!.subject, serialNumber: targets[i]!.serialNumber, revokedAt: hit.revokedAt, url: hit.url };
    if (checks.some((c) => c.status === 'good')) anyGood = true;
    else if (!hit && checks.length > 0) anyUnreachable = true;
  });
  const verdict: RevocationVerdict = revoked ? 'revoked' : anyUnreachable ? 'unreachable' : anyGood ? 'good' : 'no-sources';
  return { verdict, attempts, revoked };
}

// ---------------------------------------------------------------- AIA

const SIGNED_DATA = '1.2.840.113549.1.7.2';

/** Certificates in an AIA answer: one DER certificate, PEM, or a PKCS#7 certs-only bundle (.p7c). */
export function certificatesFromAia(body: Buffer): Buffer[] {
  if (body.subarray(0, 64).toString('latin1').includes('-----BEGIN')) return pemToDer(body.toString('latin1'));
  const top = children(parseDer(body, 'aia'), 'aia');
  if (isTag(top[0], CLASS.UNIVERSAL, TAG.OID) && readOid(top[0], 'contentType') === SIGNED_DATA) {
    // ContentInfo { contentType, content [0] EXPLICIT SignedData { version, digestAlgorithms, encapContentInfo,
    //   certificates [0] IMPLICIT SET OF Certificate, ... } }
    const signedData = children(children(top[1], 'content')[0], 'SignedData');
    const certs = signedData.find((n) => isTag(n, CLASS.CONTEXT_SPECIFIC, 0));
    return certs ? children(certs, 'certificates').map(encodeDer) : [];
  }
  return [body];
}

/** Downloads the issuer the chain is missing from the AIA caIssuers locations of the last certificate reached. */
export async function fetchMissingIssuers(judgement: CertificateJudgement, opts: OnlineOptions): Promise<IssuerFetchResult> {
  const last = judgement.chain.path[judgement.chain.path.length - 1]!;
  const target = { subject: last.subject, serialNumber: last.serialNumber };
  const results = await Promise.all(
    judgement.chain.caIssuersUrls.map(async (url) => {
      const fetched = await fetchBounded(url, fetchOptions(opts));
      const attempt = attemptFrom(fetched, 'ca-issuers', target);
      if (fetched.outcome !== 'ok') return { attempt, certs: [] as Buffer[] };
      try {
        const certs = certificatesFromAia(fetched.body!);
        return { attempt: { ...attempt, detail: `${certs.length} certificate(s)` }, certs };
      } catch (error) {
        return { attempt: { ...attempt, outcome: 'parse-error' as const, detail: (error as Error).message }, certs: [] as Buffer[] };
      }
    }),
  );
  return { attempts: results.map((r) => r.attempt), certificates: results.flatMap((r) => r.certs) };
}

/**
 * The whole certificate judgement with its online part: judge (or take `first`), complete a chain that
 * lacks its intermediate from AIA (up to three levels), judge again, then check revocation. Every fetch is
 * bounded by `timeoutMs` and by what is left of `totalTimeoutMs`.
 */
export async function judgeOnline(input: JudgeInput, opts: OnlineOptions, first?: CertificateJudgement): Promise<OnlineJudgement> {
  const started = performance.now();
  const perFetch = opts.timeoutMs ?? 10_000;
  const budget = (): OnlineOptions => {
    if (opts.totalTimeoutMs === undefined) return opts;
    const left = Math.max(1, Math.round(opts.totalTimeoutMs - (performance.now() - started)));
    return { ...opts, timeoutMs: Math.min(perFetch, left) };
  };
  let judgement = first ?? judgeCertificate(input);
  const collected: IssuerFetchResult = { attempts: [], certificates: [] };
  let tried = false;
  const fetched: Buffer[] = [...(input.fetchedIntermediates ?? [])];
  for (let level = 0; level < 3 && judgement.trust.verdict === 'missing-intermediate' && judgement.chain.caIssuersUrls.length > 0; level++) {
    tried = true;
    const r = await fetchMissingIssuers(judgement, budget());
    collected.attempts.push(...r.attempts);
    collected.certificates.push(...r.certificates);
    const fresh = r.certificates.filter((c) => !fetched.some((f) => f.equals(c)));
    if (fresh.length === 0) break;
    fetched.push(...fresh);
    judgement = judgeCertificate({ ...input, fetchedIntermediates: fetched });
  }
  const revocation = opts.revocation === false ? null : await checkRevocation(judgement, budget());
  return { judgement, issuerFetch: tried ? collected : null, revocation };
}

/** The report's revocation section (lib/types.ts RevocationInfo) from a revocation result; null: not checked. */
export function toRevocationInfo(result: RevocationResult | null, detail: string | null = null): RevocationInfo {
  if (!result) return { verdict: 'not-checked', sources: [], revoked: null, detail };
  const sources: RevocationSource[] = result.attempts
    .filter((a): a is RevocationAttempt & { kind: RevocationSourceKind } => a.kind !== 'ca-issuers')
    .map((a) => ({
      url: a.url,
      kind: a.kind,
      ...(a.baseUrl !== undefined ? { baseUrl: a.baseUrl } : {}),
      // A source that answered usefully says good / revoked / unknown; otherwise the reason it did not.
      outcome: a.status ?? (a.outcome === 'ok' ? 'error' : a.outcome) satisfies RevocationSourceOutcome,
      detail: a.detail,
      certificate: a.certificate,
      httpStatus: a.httpStatus,
      durationMs: a.durationMs,
      ...(a.nextUpdate !== undefined ? { nextUpdate: a.nextUpdate } : {}),
    }));
  return { verdict: result.verdict, sources, revoked: result.revoked, detail };
}

/** The AIA downloads as the report shows them. */
export function toIssuerFetchAttempts(result: IssuerFetchResult | null): IssuerFetchAttempt[] | null {
  return result ? result.attempts.map((a) => ({ url: a.url, outcome: a.outcome, httpStatus: a.httpStatus, detail: a.detail, durationMs: a.durationMs })) : null;
}

// The certificate part of one walk down the path. Right after the TLS handshake the chain is judged
// offline (cheap, so later steps can ask whether credentials may be sent); the online part (AIA download
// of a missing intermediate, then CRL / OCSP) starts at once and runs beside the HTTP and SSTP steps, so
// it costs no round trip of its own. It is bounded by a deadline and the caller's signal, and never
// rejects: a slow or hostile CRL server becomes a 'timeout' source, never a hung probe.

import type { Dispatcher } from 'undici';
import type { CertificateChecks, CertificateInfo, RevocationInfo } from '../types.js';
import { certificateChecks } from '../cert/checks.js';
import { describeCertificateOrNull } from '../cert/describe.js';
import { judgeCertificate, type CertificateJudgement, type JudgeInput } from '../cert/judge.js';
import { judgeOnline, toIssuerFetchAttempts, toRevocationInfo, type OnlineJudgement } from './revocation.js';
import type { TrustAnchors } from './trust-store.js';

export interface ServerCertificateInput {
  /** DER as the server sent it, leaf first. */
  chain: Buffer[];
  /** The name the client dials: the SNI sent, else the target host. */
  host: string;
  now: Date;
  trust: TrustAnchors;
  /** Ask the CRL / OCSP locations (false: the report says not-checked). */
  revocation: boolean;
  /** Deadline for the whole online part, in ms. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Made on first use, closed when the online part ends: e.g. a ProxyAgent for the probe's proxy. */
  dispatcher?: () => Promise<Dispatcher>;
}

/** The report sections the certificate fills. */
export interface ServerCertificateSections {
  certificate: CertificateInfo | null;
  checks: CertificateChecks | null;
  /** Whether a client would accept the certificate for sending credentials (revocation aside). */
  acceptable: boolean;
}

export interface ServerCertificateResult extends ServerCertificateSections {
  /** The sections after AIA and revocation, plus the revocation section; null when there is nothing to judge. */
  online: Promise<ServerCertificateSections & { revocation: RevocationInfo }> | null;
}

/** How long past its deadline the online part may take to wind down before it is abandoned. */
const GRACE_MS = 1_000;

export function checkServerCertificate(input: ServerCertificateInput): ServerCertificateResult {
  let judgement: CertificateJudgement;
  try {
    judgement = judgeCertificate(judgeInput(input));
  } catch {
    // A leaf that does not decode cannot be judged; describe what can be described.
    return { certificate: describeCertificateOrNull(input.chain), checks: null, acceptable: false, online: null };
  }
  const first = sections(judgement, null, input);
  const online = runOnline(input, judgement, first).catch((error: unknown) => ({
    ...first,
    revocation: toRevocationInfo(null, `the check could not run: ${(error as Error).message ?? String(error)}`),
  }));
  return { ...first, online };
}

function sections(j: CertificateJudgement, online: OnlineJudgement | null, input: ServerCertificateInput): ServerCertificateSections {
  return {
    certificate: j.certificate,
    checks: certificateChecks(j, { now: input.now, issuerFetch: toIssuerFetchAttempts(online?.issuerFetch ?? null), trustAnchors: input.trust.info }),
    acceptable: j.acceptable,
  };
}

async function runOnline(
  input: ServerCertificateInput,
  first: CertificateJudgement,
  firstSections: ServerCertificateSections,
): Promise<ServerCertificateSections & { revocation: RevocationInfo }> {
  const needsAia = first.trust.verdict === 'missing-intermediate' && first.chain.caIssuersUrls.length > 0;
  if (!input.revocation && !needsAia) return { ...firstSections, revocation: toRevocationInfo(null, 'turned off (--no-revocation)') };

  const controller = new AbortController();
  const signal = input.signal ? AbortSignal.any([input.signal, controller.signal]) : controller.signal;
  let dispatcher: Dispatcher | undefined;
  let backstop: NodeJS.Timeout | undefined;
  const abandoned = new Promise<null>((resolve) => {
    backstop = setTimeout(() => {
      controller.abort();
      resolve(null);
    }, input.timeoutMs + GRACE_MS);
  });
  try {
    if (input.dispatcher) dispatcher = await input.dispatcher();
    const work = judgeOnline(
      judgeInput(input),
      {
        now: input.now,
        timeoutMs: input.timeoutMs,
        totalTimeoutMs: input.timeoutMs,
        revocation: input.revocation,
        signal,
        ...(dispatcher ? { dispatcher } : {}),
      },
      first,
    ).catch(() => null);
    const online = await Promise.race([work, abandoned]);
    if (!online) {
      const revocation: RevocationInfo = input.revocation
        ? { verdict: 'unreachable', sources: [], revoked: null, detail: `no revocation answer within ${Math.round(input.timeoutMs)} ms` }
        : toRevocationInfo(null, 'turned off (--no-revocation)');
      return { ...firstSections, revocation };
    }
    const revocation = online.revocation ? toRevocationInfo(online.revocation) : toRevocationInfo(null, 'turned off (--no-revocation)');
    return { ...sections(online.judgement, online, input), revocation };
  } finally {
    clearTimeout(backstop);
    controller.abort();
    // A proxy agent holds sockets to the proxy: close it so the process can exit.
    await dispatcher?.destroy().catch(() => {});
  }
}

function judgeInput(input: ServerCertificateInput): JudgeInput {
  return { chain: input.chain, host: input.host, now: input.now, trustedCaPems: input.trust.pems, preparedAnchors: input.trust.prepared() };
}

// The judgement as the report carries it: every verdict with its evidence, nothing that cannot be
// written as JSON (the judgement itself keeps DER buffers for the revocation checks).

import type { CertificateChecks, IssuerFetchAttempt, TrustAnchorsInfo } from '../types.js';
import type { CertificateJudgement } from './judge.js';

export interface ChecksContext {
  now: Date;
  issuerFetch: IssuerFetchAttempt[] | null;
  trustAnchors: TrustAnchorsInfo;
}

export function certificateChecks(j: CertificateJudgement, ctx: ChecksContext): CertificateChecks {
  return {
    host: j.name.host,
    judgedAt: ctx.now.toISOString(),
    acceptable: j.acceptable,
    chain: j.chain,
    trust: j.trust,
    name: j.name,
    validity: j.validity,
    eku: j.eku,
    key: j.key,
    signature: j.signature,
    revocationSources: {
      certificates: j.revocation.targets.map((t) => ({ subject: t.subject, serialNumber: t.serialNumber, crlUrls: t.crlUrls, freshestCrlUrls: t.freshestCrlUrls, ocspUrls: t.ocspUrls })),
      leafHasSources: j.revocation.leafHasSources,
    },
    issuerFetch: ctx.issuerFetch,
    trustAnchors: ctx.trustAnchors,
  };
}

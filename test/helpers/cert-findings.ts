// The certificate findings a user would read for an online judgement: the judgement and its revocation
// result put into an otherwise healthy report, then diagnosed, as the probe does it.

import { certificateChecks } from '../../lib/cert/checks.js';
import { toIssuerFetchAttempts, toRevocationInfo, type OnlineJudgement } from '../../lib/cert-online/revocation.js';
import { diagnose } from '../../lib/diagnose/index.js';
import type { Finding } from '../../lib/types.js';
import { healthyReport } from './report-builder.js';

export function certificateFindings(online: OnlineJudgement, host: string): Finding[] {
  const now = new Date();
  const report = healthyReport();
  report.target.host = host;
  report.tls!.sni = host;
  report.certificate = online.judgement.certificate;
  report.certificateChecks = certificateChecks(online.judgement, {
    now,
    issuerFetch: toIssuerFetchAttempts(online.issuerFetch),
    trustAnchors: { bundled: 0, extra: 1, system: null, nodeExtraCaCerts: null },
  });
  report.revocation = toRevocationInfo(online.revocation);
  return diagnose(report, { now }).filter((f) => f.cause.startsWith('cert-'));
}

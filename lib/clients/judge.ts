import type { CertificateChecks, ClientHandshake, ClientReason, ClientResult, ProbeReport } from '../types.js';
import { CLIENT_PROFILES, type ClientId, type ClientProfile } from './profiles.js';

// A verdict per SSTP client: would it connect to this server? A pure function of the evidence the probe
// already has (the main path's steps, the certificate judgement, revocation) plus the TLS evidence for the
// client (the main handshake when it proves the client's TLS, else a handshake of its own). The certificate
// is not judged again: each profile only says which of the judgement's findings apply to it.

export type ClientEvidence = Pick<ProbeReport, 'target' | 'steps' | 'tls' | 'certificateChecks' | 'revocation' | 'cancelled'>;

export interface ClientJudgeInput {
  evidence: ClientEvidence;
  /** The TLS evidence per client, when there is some (none when the main TLS failed, or through a proxy). */
  handshakes: Partial<Record<ClientId, ClientHandshake>>;
  /** The clients the administrator has (--clients). */
  selected: readonly ClientId[];
  /** The probe went through an HTTP proxy: no handshakes of their own were made (docs/causes.md says why). */
  viaProxy: boolean;
}

export function judgeClients(input: ClientJudgeInput): ClientResult[] {
  return (Object.keys(CLIENT_PROFILES) as ClientId[]).map((id) => judgeClient(id, CLIENT_PROFILES[id], input));
}

function judgeClient(id: ClientId, profile: ClientProfile, input: ClientJudgeInput): ClientResult {
  const handshake = input.handshakes[id] ?? null;
  const result = (verdict: ClientResult['verdict'], reasons: ClientReason[], detail: string): ClientResult => ({
    client: id,
    label: profile.label,
    verdict,
    causes: [...new Set(reasons.map((r) => (r.clientSpecific ? 'client-incompatible' : r.cause)).filter((c): c is string => c !== null))],
    detail,
    selected: input.selected.includes(id),
    windows: profile.windows,
    handshake,
    reasons,
  });
  const { evidence } = input;
  const step = (name: string) => evidence.steps.find((s) => s.name === name);
  if (evidence.cancelled || evidence.steps.some((s) => s.code === 'cancelled')) return result('unknown', [], 'the probe was cancelled before it could tell');

  const before = ['dns', 'tcp', 'proxy'].map(step).find((s) => s?.status === 'fail');
  if (before) return fails(result, [serverWide('server-unreachable', null, `the server cannot be reached (${before.name}: ${before.code})`)]);
  const tlsStep = step('tls');
  if (tlsStep?.status === 'fail') return fails(result, [serverWide('tls-failed', 'tls-handshake-failed', `the server's TLS handshake fails for every client (${tlsStep.code})`)]);
  if (evidence.target.scheme === 'http') return result('unknown', [], 'plain HTTP: clients meet the TLS of the balancer in front, so probe its https:// address for their verdicts');
  if (tlsStep?.status !== 'pass') return result('unknown', [], 'no TLS handshake was made');

  const reasons: ClientReason[] = [];
  const unknowns: string[] = [];
  const tls = tlsReason(handshake, input.viaProxy);
  if (tls.reason) reasons.push(tls.reason);
  if (tls.unknown) unknowns.push(tls.unknown);

  const checks = evidence.certificateChecks ?? null;
  if (checks) reasons.push(...certificateReasons(profile, checks));
  else unknowns.push('no certificate judgement');
  if (profile.certificate.checksRevocation) {
    const verdict = evidence.revocation?.verdict ?? 'not-checked';
    // A leaf that names no CRL or OCSP location fails a revocation-checking client even when the probe did not ask.
    const noSources = verdict === 'no-sources' || checks?.revocationSources.leafHasSources === false;
    if (verdict === 'revoked') reasons.push(serverWide('revocation', 'cert-revoked', 'the certificate is revoked'));
    else if (verdict === 'unreachable' || noSources) reasons.push(serverWide('revocation', 'cert-revocation-unreachable', 'the certificate\'s revocation status cannot be checked'));
  }
  const after = ['http', 'sstp', 'ppp', 'auth'].map(step).find((s) => s?.status === 'fail');
  if (after) reasons.push(serverWide('sstp-failed', null, `the SSTP exchange fails for every client (${after.name}: ${after.code})`));

  if (reasons.length > 0) return fails(result, reasons);
  if (unknowns.length > 0) return result('unknown', [], unknowns.join('; '));
  return result('connects', [], handshake ? `${handshake.protocol ?? '?'} ${handshake.cipher ?? '?'}${handshake.basis === 'main' ? ' (seen in the main handshake)' : ''}, certificate accepted` : 'certificate accepted');
}

function fails(result: (verdict: 'fails', reasons: ClientReason[], detail: string) => ClientResult, reasons: ClientReason[]): ClientResult {
  return result('fails', reasons, reasons.map((r) => r.words).join('; '));
}

function serverWide(kind: ClientReason['kind'], cause: string | null, words: string): ClientReason {
  return { kind, clientSpecific: false, cause, words };
}

function clientSpecific(kind: ClientReason['kind'], words: string): ClientReason {
  return { kind, clientSpecific: true, cause: 'client-incompatible', words };
}

/** What the client's TLS evidence says: a reason to fail, a reason the verdict cannot be told, or neither. */
function tlsReason(handshake: ClientHandshake | null, viaProxy: boolean): { reason?: ClientReason; unknown?: string } {
  if (!handshake) {
    return { unknown: viaProxy ? 'its TLS was not tried: no extra handshakes are made through a proxy' : 'its TLS was not tried' };
  }
  switch (handshake.code) {
    case 'connected':
      return {};
    case 'no-common-version':
      return { reason: clientSpecific('no-common-version', 'no TLS version in common') };
    case 'no-common-cipher':
      return { reason: clientSpecific('no-common-cipher', 'no cipher suite in common') };
    case 'alert':
      return { reason: clientSpecific('tls-alert', `the server refused its handshake (TLS alert: ${handshake.alert ?? 'unknown'})`) };
    default:
      return { unknown: `its own handshake did not finish (${handshake.code})` };
  }
}

/** The judgement's certificate findings that apply to this client. */
function certificateReasons(profile: ClientProfile, checks: CertificateChecks): ClientReason[] {
  const reasons: ClientReason[] = [];
  const rules = profile.certificate;
  const fetched = checks.chain.path.some((c) => c.source === 'fetched');
  if (!checks.trust.trusted) {
    reasons.push(serverWide('certificate', 'cert-untrusted', `the certificate chain is not trusted (${checks.trust.verdict})`));
  } else if (fetched && !rules.fetchesAia) {
    reasons.push(clientSpecific('chain-needs-aia', 'certificate chain incomplete for a client that does not fetch AIA (the server does not send its intermediate)'));
  }
  if (checks.validity.verdict === 'expired' || checks.validity.verdict === 'not-yet-valid' || checks.validity.chainProblems.length > 0) {
    reasons.push(serverWide('certificate', 'cert-expired', 'a certificate is outside its validity period'));
  }
  if (rules.names === 'windows' && !checks.name.matches) {
    reasons.push(serverWide('certificate', 'cert-name-mismatch', `the certificate is not valid for ${checks.name.host}`));
  }
  if (!checks.eku.ok) {
    reasons.push(serverWide('certificate', 'cert-eku-invalid', 'the certificate\'s EKU does not allow server authentication'));
  } else if (checks.eku.verdict === 'any-purpose' && !rules.acceptsAnyEku) {
    reasons.push(clientSpecific('any-eku-refused', 'EKU not accepted by this client (anyExtendedKeyUsage without Server Authentication)'));
  }
  return reasons;
}

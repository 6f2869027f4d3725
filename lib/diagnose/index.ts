// The diagnosis: a pure function from a probe report (and what the administrator knows about the
// server) to findings, each naming a catalogued cause, the evidence that raised it, and fix steps with
// the server's own values filled in. No I/O: the clock comes in through the context.

import type { Finding, ProbeReport } from '../types.js';
import { gatherFacts, type DiagnoseContext } from './facts.js';
import { RULES } from './rules.js';

export type { DiagnoseContext, ExpectedHash } from './facts.js';
export { CAUSES, CAUSE_CATEGORIES, CAUSE_IDS, causeSpec, isCauseId, type CauseCategory, type CauseId, type CauseSpec } from './causes.js';
export { bindingFor, NETSH_BINDING_KINDS, parseNetshSslcert, type BindingQuery, type NetshBinding, type NetshBindingKind } from './netsh.js';
export { InvalidThumbprintError, normalizeThumbprint, thumbprintAlgorithm, type ThumbprintAlgorithm } from './thumbprint.js';
export { RULES } from './rules.js';
export type { Rule } from './rule.js';

const SEVERITY_RANK = { error: 0, warning: 1, info: 2 } as const;

/**
 * Findings for a report: errors, then warnings, then notes, each group most fundamental first (the rule
 * table's order). Several can hold at once.
 * Throws InvalidThumbprintError when context.expectedSha1 / expectedSha256 is malformed.
 */
export function diagnose(report: ProbeReport, context: DiagnoseContext): Finding[] {
  const facts = gatherFacts(report, context);
  // Array#sort is stable, so the rule order holds within a severity.
  return RULES.flatMap((rule) => rule.apply(facts)).sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity]);
}

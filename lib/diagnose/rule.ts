// A rule turns facts into zero or more findings. The diagnosis runs an ordered table of rules, most
// fundamental first, and keeps every finding: one run can show a certificate problem and a 404 together.

import type { Finding } from '../types.js';
import type { CauseId } from './causes.js';
import type { Facts } from './facts.js';

export interface Rule {
  /** Short name for tests and debugging. */
  name: string;
  /** The causes this rule can raise. */
  causes: readonly CauseId[];
  apply(facts: Facts): Finding[];
}

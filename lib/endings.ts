// The three ways a wait can end early, kept apart so that none is reported as another: a step ran out of
// time (its own bound, or the probe's overall deadline), or the caller cancelled the probe. A deadline too
// short to mean anything is refused before any I/O (UsageError, lib/errors.ts).

/** The reason the probe's own deadline aborts its signal with; any other abort reason is the caller's. */
export class ProbeDeadlineReached extends Error {
  readonly totalMs: number;
  constructor(totalMs: number) {
    super(`the probe's overall deadline of ${totalMs} ms ran out`);
    this.name = 'ProbeDeadlineReached';
    this.totalMs = totalMs;
  }
}

/** Which deadline bounds a wait: the per-step one, or what is left of the probe's overall one. */
export type DeadlineKind = 'step' | 'probe';

/** How long a step may wait, and which deadline set that. */
export interface StepBound {
  timeoutMs: number;
  bound?: DeadlineKind;
}

export interface Interruption {
  code: 'timeout' | 'cancelled';
  detail: string;
}

/** "within 2991 ms (what was left of the probe's overall deadline)": the words for a step's own timer. */
export function waitedWithin(options: StepBound): string {
  const ms = Math.round(options.timeoutMs);
  return options.bound === 'probe' ? `within ${ms} ms (what was left of the probe's overall deadline)` : `within ${ms} ms (the step deadline)`;
}

/**
 * What an aborted signal means for the step that was waiting: the probe's deadline is a timeout (the same
 * outcome its own timer gives), anything else is a cancellation from outside.
 */
export function interruptionOf(signal: AbortSignal | undefined, startedAt: number, waitingFor: string): Interruption {
  const waited = Math.max(0, Math.round(performance.now() - startedAt));
  if (signal?.reason instanceof ProbeDeadlineReached) {
    return { code: 'timeout', detail: `${waitingFor}: the probe's overall deadline of ${signal.reason.totalMs} ms ran out after ${waited} ms of waiting` };
  }
  return { code: 'cancelled', detail: `cancelled from outside after ${waited} ms, ${waitingFor.replace(/^no /, 'before any ')}` };
}

/** True when the signal was aborted by the caller rather than by the probe's own deadline. */
export function cancelledFromOutside(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true && !(signal.reason instanceof ProbeDeadlineReached);
}

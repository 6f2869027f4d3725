import type { StepCodeOf, StepName, StepResult, StepResultOf, StepStatus } from '../types.js';

// Every step ends in one of these shapes. A step that never ran still appears in the report, so a consumer
// can index steps by name without checking for absence.

export function finishStep<N extends StepName>(
  name: N,
  status: StepStatus,
  code: StepCodeOf<N>,
  startedAt: number,
  detail: string | null = null,
): StepResultOf<N> {
  // A cancelled step says nothing about the server: it is not a failure, and nothing after it runs.
  const shown = code === 'cancelled' ? 'skip' : status;
  return { name, status: shown, durationMs: Math.max(0, Math.round(performance.now() - startedAt)), code, detail };
}

/** A step that did not run because an earlier one failed. */
export function skippedStep(name: StepName, detail: string | null = null): StepResult {
  return { name, status: 'skip', durationMs: 0, code: 'skipped', detail } as StepResult;
}

/** A step that does not apply to this probe (no proxy configured, no credentials given). */
export function notApplicableStep(name: StepName, detail: string): StepResult {
  return { name, status: 'skip', durationMs: 0, code: 'not-applicable', detail } as StepResult;
}

/** Rejects after `ms` with a recognisable timeout error, or when the signal aborts. */
export function withDeadline<T>(work: Promise<T>, ms: number, signal?: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => finish(() => reject(new DeadlineError('timeout'))), Math.max(0, ms));
    const onAbort = (): void => finish(() => reject(new DeadlineError('aborted')));
    if (signal?.aborted) {
      clearTimeout(timer);
      reject(new DeadlineError('aborted'));
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    function finish(action: () => void): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      action();
    }
    work.then(
      (value) => finish(() => resolve(value)),
      (error: unknown) => finish(() => reject(error)),
    );
  });
}

export class DeadlineError extends Error {
  readonly reason: 'timeout' | 'aborted';
  constructor(reason: 'timeout' | 'aborted') {
    super(reason === 'timeout' ? 'deadline passed' : 'probe cancelled');
    this.reason = reason;
  }
}

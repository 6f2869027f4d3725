import type { ProbeReport, StepResult, Target } from './types.js';
import { UsageError } from './errors.js';
import { formatTarget, parseTarget } from './target.js';
import { probe, type ProbeOptions } from './probe.js';
import { prepareTrust } from './trust.js';
import { followAbort } from './endings.js';

// Many targets at once. Each target gets its own probe() with its own sockets, TLS handshake and DNS lookup:
// nothing about a server is shared between targets (no session resumption, no pooled connections, no DNS
// cache), because anything shared could hide the one server whose own handshake or name is broken. What is
// the client's own is prepared once per run and shared: the trust anchors and the TLS client context built
// from them (parsing ~290 roots per target used to cost more CPU and memory than the probing itself).
// Reports come out in the order the probes finish, so a slow or dead server never holds back the others.

export const DEFAULT_CONCURRENCY = 32;

export interface FleetOptions extends Omit<ProbeOptions, 'onStep'> {
  /** How many probes run at once (default 32). */
  concurrency?: number;
  /** Called as each step of each target finishes (for live progress). */
  onStep?: (target: Target, step: StepResult) => void;
  /** The single-target probe; replaceable in tests. */
  probe?: (target: Target, options: ProbeOptions) => Promise<ProbeReport>;
}

/**
 * Probes every target, `concurrency` at a time, and yields each report as soon as its probe finishes.
 *
 * Targets are validated before anything is probed: an invalid one throws a UsageError from this call.
 * Every target given is probed, duplicates included (see dedupeTargets in targets.ts to drop them).
 *
 * At most `concurrency` reports exist at once, running or finished and not yet taken: a consumer that is
 * slower than the probes (a stdout pipe read slowly) holds back new probes instead of letting reports pile up.
 *
 * Cancelling `signal` starts no further probe and cuts the running ones short; their reports (which would
 * describe the cancellation, not the server) are not yielded, and the iteration ends once every socket is
 * released. Leaving the loop early (break, throw) cancels the remaining probes the same way.
 */
export function probeMany(targets: Iterable<string | Target>, options: FleetOptions = {}): AsyncIterable<ProbeReport> {
  const list = [...targets].map((entry) =>
    typeof entry === 'string' ? parseTarget(entry, options.port) : parseTarget(formatTarget(entry)),
  );
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new UsageError(`concurrency must be a whole number of at least 1, not ${String(concurrency)}`);
  }
  return { [Symbol.asyncIterator]: () => run(list, concurrency, options) };
}

async function* run(list: Target[], concurrency: number, options: FleetOptions): AsyncGenerator<ProbeReport> {
  const { concurrency: _limit, onStep, probe: probeOne = probe, signal: outer, ...rest } = options;
  // Read once for the whole run: the CA files, the judge's anchor index and the TLS context.
  const shared: ProbeOptions = { ...rest, trust: rest.trust ?? prepareTrust(rest) };
  const { controller: stop, release } = followAbort(outer);
  const signal = stop.signal;
  let running = 0;
  const finished: ProbeReport[] = [];
  let next = 0;
  // Set from a probe's callback; a holder so the loop below re-reads it after each wait.
  const failure: { error?: unknown; raised: boolean } = { raised: false };
  let wake: (() => void) | null = null;
  const notify = (): void => {
    const resume = wake;
    wake = null;
    resume?.();
  };
  const waitForNews = (): Promise<void> => new Promise<void>((resolve) => (wake = resolve));

  const launch = (): void => {
    while (running + finished.length < concurrency && next < list.length && !signal.aborted && !failure.raised) {
      const target = list[next++]!;
      running++;
      // probe() follows this signal through followAbort: one listener on it for every probe in flight.
      const perTarget: ProbeOptions = { ...shared, signal };
      if (onStep) perTarget.onStep = (step) => onStep(target, step);
      Promise.resolve()
        .then(() => probeOne(target, perTarget))
        .then(
          (report) => {
            if (!signal.aborted) finished.push(report);
          },
          (error: unknown) => {
            // probe() throws only for invalid input, which was ruled out above: stop everything and surface it.
            if (!failure.raised) Object.assign(failure, { error, raised: true });
            stop.abort();
          },
        )
        .finally(() => {
          running--;
          launch();
          notify();
        });
    }
  };

  try {
    launch();
    for (;;) {
      const report = finished.shift();
      if (report) {
        launch();
        yield report;
        continue;
      }
      if (failure.raised) throw failure.error;
      if (running === 0 && (next >= list.length || signal.aborted)) return;
      await waitForNews();
    }
  } finally {
    stop.abort();
    release();
    while (running > 0) await waitForNews();
  }
}

import { setFlagsFromString } from 'node:v8';
import createDebug from 'debug';

const log = createDebug('sstp-probe:cli');

/** What a long run needs of the process it runs in. */
export interface ProcessTuning {
  /** True from the bin: the process is the CLI's own. A process that embeds the CLI keeps its V8 flags. */
  ownsProcess?: boolean;
  env?: Record<string, string | undefined>;
}

/**
 * A fleet or the exporter makes garbage at a steady rate while little stays alive (a probe's state is freed
 * when it ends). V8 lets the old generation grow to up to 4x what survived its last full collection before
 * the next one, so the peak kept growing with the length of a run long after the live size had settled.
 * A factor of 1.5 keeps the peak near the live size for a few per cent more CPU (bench/fleet-scale.mjs).
 * A heap flag of the user's own (on the command line, or --max-old-space-size in NODE_OPTIONS) wins.
 */
export function keepHeapNearLiveSize(tuning: ProcessTuning, execArgv: readonly string[] = process.execArgv): void {
  if (!tuning.ownsProcess) return;
  const given = [...execArgv, tuning.env?.NODE_OPTIONS ?? ''].join(' ').replace(/_/g, '-');
  const own = /--(?:heap-growing-percent|max-old-space-size|max-heap-size)\b/.exec(given);
  if (own) {
    log('heap: left to the flag given (%s)', own[0]);
    return;
  }
  setFlagsFromString('--heap-growing-percent=50');
  log('heap: the old generation grows to at most 1.5 times its live size (--heap-growing-percent=50)');
}

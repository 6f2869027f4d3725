// The live progress line of a fleet run: "412/1000 done, 37 with problems, 58.3/s, 7.1 s". It is drawn on
// stderr and only when stderr is a terminal: piped or redirected output (CI logs, NDJSON files) never sees it.

export interface ProgressState {
  done: number;
  total: number;
  /** Finished targets whose verdict is not ok. */
  failed: number;
  elapsedMs: number;
}

/** The progress text, cut to `width` characters so that it never wraps (a wrapped line cannot be redrawn). */
export function formatProgress(state: ProgressState, width = 80): string {
  const seconds = state.elapsedMs / 1_000;
  const rate = seconds > 0 ? state.done / seconds : 0;
  const text = `${state.done}/${state.total} done, ${state.failed} with problems, ${rate.toFixed(1)}/s, ${seconds.toFixed(1)} s`;
  return text.length > width ? text.slice(0, Math.max(0, width)) : text;
}

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressLine {
  /** Redraws the line (at most every `minIntervalMs`, except for the final state). */
  update(state: ProgressState): void;
  /** Removes the line, runs `write` (which prints to the same terminal), and draws the line again. */
  around(write: () => void): void;
  /** Removes the line for good. */
  clear(): void;
}

const ERASE = '\r\u001b[K';

/** A progress line on `stream`; a no-op unless the stream is a terminal and `enabled` is not false. */
export function createProgressLine(
  stream: ProgressStream,
  options: { enabled?: boolean; minIntervalMs?: number; now?: () => number } = {},
): ProgressLine {
  const active = options.enabled !== false && stream.isTTY === true;
  const now = options.now ?? (() => performance.now());
  const minInterval = options.minIntervalMs ?? 100;
  let shown = '';
  let last: ProgressState | null = null;
  let drawnAt = -Infinity;
  const draw = (): void => {
    if (!last) return;
    shown = formatProgress(last, Math.max(10, (stream.columns ?? 80) - 1));
    stream.write(`${ERASE}${shown}`);
    drawnAt = now();
  };
  const erase = (): void => {
    if (shown === '') return;
    stream.write(ERASE);
    shown = '';
  };
  return {
    update(state) {
      if (!active) return;
      last = state;
      if (state.done < state.total && now() - drawnAt < minInterval) return;
      draw();
    },
    around(write) {
      if (!active || shown === '') {
        write();
        return;
      }
      erase();
      write();
      draw();
    },
    clear() {
      if (active) erase();
    },
  };
}

// The three ways a wait can end early, kept apart so that none is reported as another: a step ran out of
// time (its own bound, or the probe's overall deadline), or the caller cancelled the probe. A deadline too
// short to mean anything is refused before any I/O (UsageError, lib/errors.ts).

import type { ReadFailure } from './net/stream-reader.js';

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

/** A wait that ends once: the first outcome wins, and the timer and the abort listener go with it. */
export interface SingleEnding<T> {
  settle(outcome: T): void;
  readonly settled: boolean;
}

/**
 * Arms a step's timer and listens to its signal; `finish` runs once, with the first outcome: the one the
 * step settles with, `onTimeout()` when the bound passes, or `onAbort()` when the signal aborts (at once
 * when it already has, so check `settled` before starting any I/O).
 */
export function endOnce<T>(
  bound: { timeoutMs: number; signal?: AbortSignal | undefined },
  ends: { onTimeout: () => T; onAbort: () => T; finish: (outcome: T) => void },
): SingleEnding<T> {
  let settled = false;
  const settle = (outcome: T): void => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    bound.signal?.removeEventListener('abort', onAbort);
    ends.finish(outcome);
  };
  const onAbort = (): void => {
    if (!settled) settle(ends.onAbort());
  };
  const timer = setTimeout(() => {
    if (!settled) settle(ends.onTimeout());
  }, bound.timeoutMs);
  if (bound.signal?.aborted) onAbort();
  else bound.signal?.addEventListener('abort', onAbort, { once: true });
  return {
    settle,
    get settled() {
      return settled;
    },
  };
}

/** How a read that got no whole unit ended, for the step that waited on it. */
export interface ReadEnding {
  kind: 'timeout' | 'cancelled' | 'closed' | 'reset' | 'invalid';
  detail: string;
}

/**
 * A failed read in words: `awaited` is what did not come ("no HTTP response"), `instead` what the server
 * did not do when it hung up ("instead of answering Call Connect Request"), `notUnit` what the bytes were
 * not ("an HTTP response"). The step maps the kind to its own code.
 */
export function readEnding(
  read: { reason: ReadFailure; error: Error | null },
  wait: StepBound & { signal?: AbortSignal | undefined; startedAt: number; awaited: string; instead: string; notUnit: string },
): ReadEnding {
  switch (read.reason) {
    case 'timeout':
      return { kind: 'timeout', detail: `${wait.awaited} ${waitedWithin(wait)}` };
    case 'aborted': {
      const ended = interruptionOf(wait.signal, wait.startedAt, wait.awaited);
      return { kind: ended.code, detail: ended.detail };
    }
    case 'invalid':
      return { kind: 'invalid', detail: `the reply is not ${wait.notUnit}: ${read.error?.message ?? 'undecodable'}` };
    case 'reset':
      return { kind: 'reset', detail: `the server reset the connection ${wait.instead}` };
    case 'closed':
      return { kind: 'closed', detail: `the server closed the connection ${wait.instead}` };
  }
}

/** A controller for one piece of work inside a longer one, and how to let go of the longer one's signal. */
export interface ChildAbort {
  /** Aborts when the parent signal does (with its reason), or when aborted itself. */
  readonly controller: AbortController;
  /** Stops following the parent; call it when the work is over. */
  release(): void;
}

/** The controllers following a parent signal, and the one listener on it that aborts them. */
interface Following {
  readonly children: Set<AbortController>;
  readonly onAbort: () => void;
}
const followingByParent = new WeakMap<AbortSignal, Following>();

/**
 * A controller that follows `parent` until released: the same cancellation as AbortSignal.any([parent, own])
 * without its cost on a long-lived parent. Node (20, 22) keeps one entry per AbortSignal.any call on each source
 * signal for as long as that source lives, so a caller's signal shared by a whole fleet or by the exporter grew
 * with every probe. Here all followers of one parent share a single listener (a listener each would trip
 * Node's MaxListeners warning past ten probes at once), removed with the last follower.
 */
export function followAbort(parent: AbortSignal | undefined): ChildAbort {
  const controller = new AbortController();
  if (!parent) return { controller, release: () => {} };
  if (parent.aborted) {
    controller.abort(parent.reason);
    return { controller, release: () => {} };
  }
  let following = followingByParent.get(parent);
  if (!following) {
    const children = new Set<AbortController>();
    const onAbort = (): void => {
      followingByParent.delete(parent);
      for (const child of children) child.abort(parent.reason);
    };
    following = { children, onAbort };
    followingByParent.set(parent, following);
    parent.addEventListener('abort', onAbort, { once: true });
  }
  following.children.add(controller);
  const mine = following;
  return {
    controller,
    release: () => {
      if (!mine.children.delete(controller) || mine.children.size > 0 || followingByParent.get(parent) !== mine) return;
      followingByParent.delete(parent);
      parent.removeEventListener('abort', mine.onAbort);
    },
  };
}

import type { Target } from './types.js';
import { quoteInput, UsageError } from './errors.js';
import { formatTarget, parseTarget } from './target.js';

// Target lists for fleet runs: the file format, duplicate handling and sharding. Pure: the caller reads the
// file (or stdin) and hands the text over, so every rule here is testable without I/O.
//
// Shards: `--shard i/n` keeps the targets at positions i, i+n, i+2n... (1-based) of the de-duplicated list.
// Every job of a CI matrix or a Kubernetes indexed Job runs the same list with its own i, and the n shards
// together cover the list exactly once without any coordination.

/** One target of a list, with where it came from so messages can point at it. */
export interface ListedTarget {
  target: Target;
  /** The text as written (trimmed, comment removed). */
  text: string;
  /** 1-based line number in the list, or the position among the command-line arguments. */
  line: number;
}

export interface Shard {
  /** 1-based index of this shard. */
  index: number;
  count: number;
}

/**
 * Parses a targets file: one `host[:port]` (or `[v6]:port`, or an https URL) per line. Blank lines are skipped,
 * `#` starts a comment when it begins the line or follows whitespace. A bad line is a UsageError that names
 * `source` and the line number, raised before anything is probed.
 */
export function parseTargetList(text: string, options: { port?: number; source?: string } = {}): ListedTarget[] {
  const source = options.source ?? 'targets';
  const listed: ListedTarget[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = index + 1;
    const content = stripComment(raw).trim();
    if (content === '') return;
    if (/\s/.test(content)) {
      throw new UsageError(`${source}: line ${line}: one target per line, found "${quoteInput(content)}"`);
    }
    try {
      listed.push({ target: parseTarget(content, options.port), text: content, line });
    } catch (error) {
      throw new UsageError(`${source}: line ${line}: ${(error as Error).message}`);
    }
  });
  return listed;
}

/** Parses targets given as command-line arguments; a bad one is a UsageError naming it. */
export function parseTargetArgs(args: readonly string[], port?: number): ListedTarget[] {
  return args.map((text, index) => ({ target: parseTarget(text, port), text: text.trim(), line: index + 1 }));
}

function stripComment(line: string): string {
  const match = /(^|\s)#/.exec(line);
  return match ? line.slice(0, match.index) : line;
}

/**
 * Keeps the first occurrence of each host:port (host names compare case-insensitively, as parseTarget lowers
 * them). Probing the same server twice in one run would only double its load and show the same answer twice.
 */
export function dedupeTargets<T extends { target: Target }>(items: readonly T[]): { unique: T[]; duplicates: T[] } {
  const seen = new Set<string>();
  const unique: T[] = [];
  const duplicates: T[] = [];
  for (const item of items) {
    const key = targetKey(item.target);
    if (seen.has(key)) duplicates.push(item);
    else {
      seen.add(key);
      unique.push(item);
    }
  }
  return { unique, duplicates };
}

/** The identity of a target in a fleet run: `host:port`, IPv6 in brackets. */
export function targetKey(target: Target): string {
  return formatTarget(target);
}

/** Parses `i/n` (1 <= i <= n). Anything else is a UsageError. */
export function parseShard(spec: string): Shard {
  const match = /^\s*(\d{1,9})\s*\/\s*(\d{1,9})\s*$/.exec(spec);
  if (!match) throw new UsageError(`--shard takes i/n, e.g. 2/5 for the second of five shards, not "${quoteInput(spec)}"`);
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (count < 1) throw new UsageError(`--shard ${quoteInput(spec)}: the number of shards must be at least 1`);
  if (index < 1 || index > count) throw new UsageError(`--shard ${quoteInput(spec)}: the shard index must be from 1 to ${count}`);
  return { index, count };
}

/** The items at positions index-1, index-1+count, ... (every count-th item, starting with the index-th). */
export function selectShard<T>(items: readonly T[], shard: Shard): T[] {
  return items.filter((_, position) => position % shard.count === shard.index - 1);
}

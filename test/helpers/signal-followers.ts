/**
 * How many AbortSignal.any() results Node keeps on a source signal: an internal set (kDependantSignals) that
 * Node 20 and 22 never shrink while the source lives. 0 where Node keeps no such set.
 */
export function followersKeptBy(signal: AbortSignal): number {
  const key = Object.getOwnPropertySymbols(signal).find((symbol) => symbol.description === 'kDependantSignals');
  const kept = key ? (signal as unknown as Record<symbol, Set<unknown> | undefined>)[key] : undefined;
  return kept?.size ?? 0;
}

import { UsageError } from './errors.js';
import { CLIENT_IDS, isClientId } from './clients/profiles.js';

/** The most connections per address a probe makes (the CLI's --connections, the library's `connections`). */
export const MAX_CONNECTIONS = 32;

// The library checks its numeric options the way the CLI checks its flags, before any I/O: a bad value is a
// UsageError, never a probe that ends at once or runs for ever.

/** Under this, a whole probe cannot reach even a local server: the deadline would say nothing. */
export const MIN_TIMEOUT_MS = 100;

export interface NumericProbeOptions {
  timeoutMs?: number;
  stepTimeoutMs?: number;
  addressConcurrency?: number;
  connections?: number;
}

export function validateProbeOptions(options: NumericProbeOptions): void {
  wholeNumber('timeoutMs', options.timeoutMs, MIN_TIMEOUT_MS, ' ms (under that a probe cannot finish even against a local server)');
  wholeNumber('stepTimeoutMs', options.stepTimeoutMs, 1, ' ms');
  wholeNumber('addressConcurrency', options.addressConcurrency, 1, '');
  wholeNumber('connections', options.connections, 1, '');
  if (options.connections !== undefined && options.connections > MAX_CONNECTIONS) {
    throw new UsageError(`connections must be a whole number from 1 to ${MAX_CONNECTIONS}, not ${String(options.connections)}`);
  }
}

/** Throws unless `value` is absent or a whole number from `min` up; `after` follows the minimum in the message. */
export function wholeNumber(name: string, value: number | undefined, min: number, after: string): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new UsageError(`${name} must be a whole number of at least ${min}${after}, not ${String(value)}`);
  }
}

/** Throws unless every id names a client profile; the message lists the valid ids. */
export function validateClients(ids: readonly string[]): void {
  if (!Array.isArray(ids) || ids.length === 0) throw new UsageError(`clients must name at least one client profile (${CLIENT_IDS.join(', ')})`);
  const unknown = ids.filter((id) => typeof id !== 'string' || !isClientId(id));
  if (unknown.length > 0) {
    throw new UsageError(`unknown client profile ${unknown.map((id) => `"${String(id).slice(0, 64)}"`).join(', ')}: valid ids are ${CLIENT_IDS.join(', ')}`);
  }
}

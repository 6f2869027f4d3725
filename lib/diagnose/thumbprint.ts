// Certificate thumbprints as administrators paste them: from the MMC certificate dialog (lower case,
// spaces, and often an invisible left-to-right mark in front), from `netsh http show sslcert` (lower
// case, no separators), from openssl (colon-separated upper case). Everything is compared in the form
// netsh and the report use: upper-case hex without separators.

export type ThumbprintAlgorithm = 'sha1' | 'sha256';

export class InvalidThumbprintError extends Error {
  readonly code = 'ERR_INVALID_THUMBPRINT';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidThumbprintError';
  }
}

// Separators people paste, plus the invisible marks the Windows certificate dialog copies along.
const SEPARATORS = /[\s:\-\u200e\u200f\u202a-\u202e\ufeff]/g;

/**
 * Upper-case hex of a SHA-1 (40 digits) or SHA-256 (64 digits) thumbprint.
 * Accepts any case, spaces, colons and dashes. Throws InvalidThumbprintError otherwise.
 */
export function normalizeThumbprint(input: string): string {
  const hex = input.replace(SEPARATORS, '');
  if (hex.length === 0) throw new InvalidThumbprintError('Empty certificate thumbprint');
  const bad = /[^0-9a-fA-F]/.exec(hex);
  if (bad) {
    throw new InvalidThumbprintError(
      `Certificate thumbprint contains "${bad[0]}", which is not a hex digit (expected 40 hex digits for SHA-1 or 64 for SHA-256)`,
    );
  }
  if (hex.length !== 40 && hex.length !== 64) {
    throw new InvalidThumbprintError(
      `Certificate thumbprint has ${hex.length} hex digits; a SHA-1 thumbprint has 40 and a SHA-256 one 64`,
    );
  }
  return hex.toUpperCase();
}

/** Which hash a normalised thumbprint is, by its length. */
export function thumbprintAlgorithm(normalized: string): ThumbprintAlgorithm {
  return normalized.length === 40 ? 'sha1' : 'sha256';
}

/** normalizeThumbprint that answers null instead of throwing, for values read from tool output. */
export function tryNormalizeThumbprint(input: string | null | undefined): string | null {
  if (input === null || input === undefined) return null;
  try {
    return normalizeThumbprint(input);
  } catch {
    return null;
  }
}

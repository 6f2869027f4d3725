// The rules for the two certificate facts that depend only on a few fields: where a moment falls in a
// validity period, and whether an EKU list allows server authentication, plus the Windows codes for each
// problem. The judgement applies them to the decoded chain; the diagnosis applies them to a report that
// carries no judgement (an older saved report) and to dates read with its own clock. Either way the fact
// is decided here. Small on purpose: no decoder is loaded with it.

import type { EkuVerdict, ValidityVerdict } from '../types.js';
import { EKU } from './oids.js';

const DAY_MS = 86_400_000;

/** Windows error codes (winerror.h) a client shows for each certificate problem. */
export const WINDOWS_CERT_ERRORS = {
  CERT_E_EXPIRED: '0x800B0101',
  CERT_E_UNTRUSTEDROOT: '0x800B0109',
  CERT_E_CHAINING: '0x800B010A',
  CERT_E_CN_NO_MATCH: '0x800B010F',
  CERT_E_WRONG_USAGE: '0x800B0110',
  CRYPT_E_REVOKED: '0x80092010',
  CRYPT_E_NO_REVOCATION_CHECK: '0x80092012',
  CRYPT_E_REVOCATION_OFFLINE: '0x80092013',
  TRUST_E_CERT_SIGNATURE: '0x80096004',
  TRUST_E_BASIC_CONSTRAINTS: '0x80096019',
} as const;
export type WindowsCertError = keyof typeof WINDOWS_CERT_ERRORS;

/** Where `now` falls in a validity period: the one rule for every certificate, leaf or CA. */
export function validityState(notBefore: Date, notAfter: Date, now: Date): 'expired' | 'not-yet-valid' | null {
  const t = now.getTime();
  return t > notAfter.getTime() ? 'expired' : t < notBefore.getTime() ? 'not-yet-valid' : null;
}

/** The leaf's verdict: out of its period, inside the warning window, or valid; whole days left toward zero. */
export function leafValidity(
  notBefore: Date,
  notAfter: Date,
  now: Date,
  warningDays = 30,
): { verdict: ValidityVerdict; daysRemaining: number } {
  const remainingMs = notAfter.getTime() - now.getTime();
  const verdict = validityState(notBefore, notAfter, now) ?? (remainingMs < warningDays * DAY_MS ? 'expiring-soon' : 'valid');
  return { verdict, daysRemaining: Math.trunc(remainingMs / DAY_MS) || 0 };
}

/** A CA's (or leaf's) EKU list allows server authentication: Server Authentication or Any Purpose. */
export const serverCapable = (eku: readonly string[]): boolean => eku.includes(EKU.serverAuth) || eku.includes(EKU.anyExtendedKeyUsage);

/** The leaf's own EKU verdict (null: no EKU extension, which means any purpose). */
export function ekuVerdictOf(eku: readonly string[] | null): EkuVerdict {
  if (eku === null) return 'no-eku';
  if (eku.includes(EKU.serverAuth)) return 'server-auth';
  if (eku.includes(EKU.anyExtendedKeyUsage)) return 'any-purpose';
  return 'wrong-purpose';
}

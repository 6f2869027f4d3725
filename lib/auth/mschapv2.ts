// MS-CHAPv2 computations (RFC 2759 §8), shared by the client engine and the test server fixture.
// Everything here is a pure function of its inputs: the caller supplies challenges and credentials
// and keeps them out of anything it reports.
import { createHash, timingSafeEqual } from 'node:crypto';
import { desEcbEncrypt } from './des.js';
import { md4 } from './md4.js';

const SERVER_SIGNING_MAGIC = Buffer.from('Magic server to client signing constant', 'ascii');
const ITERATION_PAD = Buffer.from('Pad to make it do more than one iteration', 'ascii');

function sha1(...parts: Uint8Array[]): Buffer {
  const h = createHash('sha1');
  for (const p of parts) h.update(p);
  return h.digest();
}

/**
 * The user name as it enters the challenge hash: any `DOMAIN\` prefix removed (RFC 2759 §8.2 says
 * the name is stripped of a Windows domain), in UTF-8.
 */
export function challengeUserName(userName: string): Buffer {
  const slash = userName.lastIndexOf('\\');
  return Buffer.from(slash >= 0 ? userName.slice(slash + 1) : userName, 'utf8');
}

/** ChallengeHash = SHA1(PeerChallenge ‖ AuthenticatorChallenge ‖ UserName)[0..7] (RFC 2759 §8.2). */
export function challengeHash(peerChallenge: Uint8Array, authChallenge: Uint8Array, userName: string): Buffer {
  if (peerChallenge.length !== 16 || authChallenge.length !== 16) {
    throw new RangeError('MS-CHAPv2 challenges are 16 bytes');
  }
  return sha1(peerChallenge, authChallenge, challengeUserName(userName)).subarray(0, 8);
}

/** NtPasswordHash = MD4(UTF-16LE(password)) (RFC 2759 §8.3). */
export function ntPasswordHash(password: string): Buffer {
  return md4(Buffer.from(password, 'utf16le'));
}

/** PasswordHashHash = MD4(PasswordHash) (RFC 2759 §8.4). */
export function ntPasswordHashHash(passwordHash: Uint8Array): Buffer {
  return md4(passwordHash);
}

/**
 * ChallengeResponse (RFC 2759 §8.5): the password hash zero-padded to 21 bytes is cut into three
 * 7-byte DES keys, each encrypting the 8-byte challenge hash; the three results make 24 bytes.
 */
export function challengeResponse(challengeHashValue: Uint8Array, passwordHash: Uint8Array): Buffer {
  const keys = Buffer.alloc(21);
  Buffer.from(passwordHash).copy(keys, 0, 0, 16);
  return Buffer.concat([0, 7, 14].map((at) => desEcbEncrypt(keys.subarray(at, at + 7), challengeHashValue)));
}

/** GenerateNTResponse (RFC 2759 §8.1): the 24-byte NT-Response for a challenge pair and password. */
export function generateNtResponse(
  authChallenge: Uint8Array,
  peerChallenge: Uint8Array,
  userName: string,
  password: string,
): Buffer {
  return challengeResponse(challengeHash(peerChallenge, authChallenge, userName), ntPasswordHash(password));
}

/**
 * GenerateAuthenticatorResponse (RFC 2759 §8.7): the string the server puts after `S=` in its
 * Success message, "S=" plus 40 uppercase hex digits.
 */
export function generateAuthenticatorResponse(
  password: string,
  ntResponse: Uint8Array,
  peerChallenge: Uint8Array,
  authChallenge: Uint8Array,
  userName: string,
): string {
  const hashHash = ntPasswordHashHash(ntPasswordHash(password));
  const digest = sha1(hashHash, ntResponse, SERVER_SIGNING_MAGIC);
  const auth = sha1(digest, challengeHash(peerChallenge, authChallenge, userName), ITERATION_PAD);
  return `S=${auth.toString('hex').toUpperCase()}`;
}

/**
 * CheckAuthenticatorResponse (RFC 2759 §8.8): whether the server's `S=` string proves it knows the
 * password. Case-insensitive on the hex digits; compared in constant time.
 */
export function checkAuthenticatorResponse(
  received: string,
  password: string,
  ntResponse: Uint8Array,
  peerChallenge: Uint8Array,
  authChallenge: Uint8Array,
  userName: string,
): boolean {
  const expected = Buffer.from(
    generateAuthenticatorResponse(password, ntResponse, peerChallenge, authChallenge, userName),
    'ascii',
  );
  const got = Buffer.from(received.trim().toUpperCase(), 'ascii');
  return got.length === expected.length && timingSafeEqual(got, expected);
}

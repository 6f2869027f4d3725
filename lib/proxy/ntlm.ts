// NTLMv2 client messages for proxy authentication (MS-NLMP), pure: no socket, the clock and the client
// nonce are passed in.
//
// Only NTLMv2 (MS-NLMP §3.3.2) is ever computed: no LM hash, no NTLMv1 response, whatever the server's flags
// say. No signing or sealing follows a proxy handshake, so there is no key exchange and no MIC (both are
// optional for a client, §3.1.5.2.1).
//
// Every message starts with the signature "NTLMSSP\0" and a 32-bit little-endian message type; variable
// fields are (Len u16, MaxLen u16, Offset u32) descriptors into a payload after the fixed part (§2.2).

import { createHmac } from 'node:crypto';
import { md4 } from '../auth/md4.js';

/** NEGOTIATE flags (MS-NLMP §2.2.2.5), only those this client sets or reads. */
export const NTLM_FLAGS = {
  UNICODE: 0x00000001,
  REQUEST_TARGET: 0x00000004,
  NTLM: 0x00000200,
  ALWAYS_SIGN: 0x00008000,
  EXTENDED_SESSIONSECURITY: 0x00080000,
  TARGET_INFO: 0x00800000,
  VERSION: 0x02000000,
  N128: 0x20000000,
  N56: 0x80000000,
} as const;

/** AV_PAIR identifiers (MS-NLMP §2.2.2.1) this module reads. */
export const AV_IDS = {
  EOL: 0,
  NB_COMPUTER_NAME: 1,
  NB_DOMAIN_NAME: 2,
  DNS_COMPUTER_NAME: 3,
  DNS_DOMAIN_NAME: 4,
  TIMESTAMP: 7,
} as const;

const SIGNATURE = Buffer.from('NTLMSSP\0', 'latin1');

/** Flags of the NEGOTIATE message: Unicode, NTLM (the family name; v2 is not negotiated, §3.3), ESS, 128/56. */
const NEGOTIATE_FLAGS =
  NTLM_FLAGS.UNICODE |
  NTLM_FLAGS.REQUEST_TARGET |
  NTLM_FLAGS.NTLM |
  NTLM_FLAGS.ALWAYS_SIGN |
  NTLM_FLAGS.EXTENDED_SESSIONSECURITY |
  NTLM_FLAGS.N128 |
  NTLM_FLAGS.N56;

/** A message that is not what it claims; names the field and offset. */
export class NtlmMessageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NtlmMessageError';
  }
}

export interface NtlmIdentity {
  user: string;
  /** Empty for a user principal name (user@domain), which the server resolves itself. */
  domain: string;
}

/**
 * `DOMAIN\user` splits into domain and user; `user@domain` (a UPN) and a bare `user` go as the user name
 * with an empty domain, as Windows sends a UPN (MS-NLMP §3.1.5.1.2 takes UserDom as given).
 */
export function ntlmIdentity(username: string): NtlmIdentity {
  const slash = username.indexOf('\\');
  if (slash > 0) return { domain: username.slice(0, slash), user: username.slice(slash + 1) };
  return { domain: '', user: username };
}

/**
 * NEGOTIATE_MESSAGE (MS-NLMP §2.2.1.1), without domain, workstation or version:
 *   0  Signature (8)   8  MessageType = 1 (u32)   12  NegotiateFlags (u32)
 *   16 DomainNameFields (8, empty)                24  WorkstationFields (8, empty)
 */
export function negotiateMessage(): Buffer {
  const out = Buffer.alloc(32);
  SIGNATURE.copy(out, 0);
  out.writeUInt32LE(1, 8);
  out.writeUInt32LE(NEGOTIATE_FLAGS >>> 0, 12);
  return out;
}

export interface ChallengeMessage {
  flags: number;
  serverChallenge: Buffer;
  /** The AV_PAIR list as sent, EOL included; empty when the server sent none. */
  targetInfo: Buffer;
  /** MsvAvTimestamp (FILETIME, 8 bytes) when the target info carries one. */
  timestamp: Buffer | null;
  /** MsvAvNbDomainName, decoded, or null. */
  domainName: string | null;
}

/**
 * CHALLENGE_MESSAGE (MS-NLMP §2.2.1.2):
 *   0  Signature (8)   8  MessageType = 2   12  TargetNameFields (8)   20  NegotiateFlags (u32)
 *   24 ServerChallenge (8)   32  Reserved (8)   40  TargetInfoFields (8)   48  Version (8, optional)
 */
export function parseChallengeMessage(message: Buffer): ChallengeMessage {
  if (message.length < 32) throw new NtlmMessageError(`challenge message of ${message.length} bytes is shorter than 32`);
  if (!message.subarray(0, 8).equals(SIGNATURE)) throw new NtlmMessageError('challenge message lacks the NTLMSSP signature at offset 0');
  const type = message.readUInt32LE(8);
  if (type !== 2) throw new NtlmMessageError(`message type at offset 8 is ${type}, not 2 (CHALLENGE)`);
  const flags = message.readUInt32LE(20);
  const serverChallenge = Buffer.from(message.subarray(24, 32));
  const targetInfo = message.length >= 48 ? Buffer.from(field(message, 40, 'TargetInfoFields')) : Buffer.alloc(0);
  const pairs = parseAvPairs(targetInfo);
  const domain = pairs.get(AV_IDS.NB_DOMAIN_NAME);
  return {
    flags,
    serverChallenge,
    targetInfo,
    timestamp: pairs.get(AV_IDS.TIMESTAMP) ?? null,
    domainName: domain === undefined ? null : domain.toString('utf16le'),
  };
}

/** The AV_PAIRs (MS-NLMP §2.2.2.1: AvId u16, AvLen u16, Value) up to MsvAvEOL, by id (first wins). */
export function parseAvPairs(targetInfo: Buffer): Map<number, Buffer> {
  const pairs = new Map<number, Buffer>();
  let offset = 0;
  while (offset < targetInfo.length) {
    if (offset + 4 > targetInfo.length) throw new NtlmMessageError(`AV_PAIR header at offset ${offset} runs past the target info`);
    const id = targetInfo.readUInt16LE(offset);
    const length = targetInfo.readUInt16LE(offset + 2);
    if (id === AV_IDS.EOL) return pairs;
    if (offset + 4 + length > targetInfo.length) throw new NtlmMessageError(`AV_PAIR ${id} at offset ${offset} runs past the target info`);
    if (!pairs.has(id)) pairs.set(id, targetInfo.subarray(offset + 4, offset + 4 + length));
    offset += 4 + length;
  }
  if (targetInfo.length > 0) throw new NtlmMessageError('target info has no MsvAvEOL');
  return pairs;
}

/** NTOWFv2 = HMAC_MD5(MD4(UNICODE(Passwd)), UNICODE(Uppercase(User) || UserDom)) (MS-NLMP §3.3.2). */
export function ntowfV2(password: string, user: string, domain: string): Buffer {
  return hmacMd5(md4(Buffer.from(password, 'utf16le')), Buffer.from(user.toUpperCase() + domain, 'utf16le'));
}

export interface Ntlmv2Input {
  responseKey: Buffer;
  serverChallenge: Buffer;
  clientChallenge: Buffer;
  /** FILETIME, 8 bytes little-endian. */
  time: Buffer;
  targetInfo: Buffer;
}

export interface Ntlmv2Response {
  ntProofStr: Buffer;
  /** NTProofStr || temp: the NtChallengeResponse. */
  ntResponse: Buffer;
  /** LMv2: HMAC_MD5(key, ServerChallenge || ClientChallenge) || ClientChallenge. */
  lmResponse: Buffer;
  sessionBaseKey: Buffer;
}

/**
 * The NTLMv2 responses (MS-NLMP §3.3.2). temp is the NTLMv2_CLIENT_CHALLENGE (§2.2.2.7):
 *   RespType 1, HiRespType 1, Reserved (6), TimeStamp (8), ChallengeFromClient (8), Reserved (4),
 *   AvPairs (the server's target info), then Z(4).
 */
export function ntlmv2Response(input: Ntlmv2Input): Ntlmv2Response {
  const temp = Buffer.concat([
    Buffer.from([1, 1, 0, 0, 0, 0, 0, 0]),
    input.time,
    input.clientChallenge,
    Buffer.alloc(4),
    input.targetInfo,
    Buffer.alloc(4),
  ]);
  const ntProofStr = hmacMd5(input.responseKey, Buffer.concat([input.serverChallenge, temp]));
  return {
    ntProofStr,
    ntResponse: Buffer.concat([ntProofStr, temp]),
    lmResponse: Buffer.concat([hmacMd5(input.responseKey, Buffer.concat([input.serverChallenge, input.clientChallenge])), input.clientChallenge]),
    sessionBaseKey: hmacMd5(input.responseKey, ntProofStr),
  };
}

export interface AuthenticateFields {
  flags: number;
  domain: string;
  user: string;
  workstation: string;
  lmResponse: Buffer;
  ntResponse: Buffer;
  encryptedRandomSessionKey: Buffer;
  /** The 8-byte VERSION structure, or null to leave it out. */
  version: Buffer | null;
}

/**
 * AUTHENTICATE_MESSAGE (MS-NLMP §2.2.1.3), strings in UTF-16LE, payload in the order Windows writes it
 * (domain, user, workstation, LM, NT, session key):
 *   0  Signature (8)   8  MessageType = 3   12  LmChallengeResponseFields   20  NtChallengeResponseFields
 *   28 DomainNameFields   36  UserNameFields   44  WorkstationFields   52  EncryptedRandomSessionKeyFields
 *   60 NegotiateFlags (u32)   64  Version (8, when given)   then the payload
 */
export function authenticateMessage(fields: AuthenticateFields): Buffer {
  const payload = [
    { at: 28, data: Buffer.from(fields.domain, 'utf16le') },
    { at: 36, data: Buffer.from(fields.user, 'utf16le') },
    { at: 44, data: Buffer.from(fields.workstation, 'utf16le') },
    { at: 12, data: fields.lmResponse },
    { at: 20, data: fields.ntResponse },
    { at: 52, data: fields.encryptedRandomSessionKey },
  ];
  const fixed = 64 + (fields.version !== null ? 8 : 0);
  const head = Buffer.alloc(fixed);
  SIGNATURE.copy(head, 0);
  head.writeUInt32LE(3, 8);
  head.writeUInt32LE(fields.flags >>> 0, 60);
  if (fields.version !== null) fields.version.copy(head, 64);
  let offset = fixed;
  for (const { at, data } of payload) {
    head.writeUInt16LE(data.length, at);
    head.writeUInt16LE(data.length, at + 2);
    head.writeUInt32LE(offset, at + 4);
    offset += data.length;
  }
  return Buffer.concat([head, ...payload.map((p) => p.data)]);
}

export interface NtlmAnswerInput {
  identity: NtlmIdentity;
  password: string;
  challenge: ChallengeMessage;
  /** 8 random bytes. */
  clientChallenge: Buffer;
  /** Used when the challenge carries no MsvAvTimestamp. */
  now: Date;
}

/**
 * The AUTHENTICATE_MESSAGE answering `challenge` with NTLMv2. The LMv2 response is replaced by Z(24) when
 * the server sent a timestamp (MS-NLMP §3.1.5.2.1), and the time is the server's then.
 */
export function answerChallenge(input: NtlmAnswerInput): Buffer {
  const { challenge } = input;
  const time = challenge.timestamp ?? filetime(input.now);
  const response = ntlmv2Response({
    responseKey: ntowfV2(input.password, input.identity.user, input.identity.domain),
    serverChallenge: challenge.serverChallenge,
    clientChallenge: input.clientChallenge,
    time,
    targetInfo: challenge.targetInfo,
  });
  const kept = NTLM_FLAGS.UNICODE | NTLM_FLAGS.NTLM | NTLM_FLAGS.ALWAYS_SIGN | NTLM_FLAGS.EXTENDED_SESSIONSECURITY | NTLM_FLAGS.TARGET_INFO | NTLM_FLAGS.N128 | NTLM_FLAGS.N56;
  return authenticateMessage({
    flags: (challenge.flags & kept) | NTLM_FLAGS.UNICODE | NTLM_FLAGS.NTLM,
    domain: input.identity.domain,
    user: input.identity.user,
    workstation: '',
    lmResponse: challenge.timestamp !== null ? Buffer.alloc(24) : response.lmResponse,
    ntResponse: response.ntResponse,
    encryptedRandomSessionKey: Buffer.alloc(0),
    version: null,
  });
}

/** Windows FILETIME: 100 ns ticks since 1601-01-01, as 8 bytes little-endian. */
export function filetime(date: Date): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE((BigInt(date.getTime()) + 11_644_473_600_000n) * 10_000n);
  return out;
}

function hmacMd5(key: Buffer, data: Buffer): Buffer {
  return createHmac('md5', key).update(data).digest();
}

function field(message: Buffer, at: number, name: string): Buffer {
  const length = message.readUInt16LE(at);
  const offset = message.readUInt32LE(at + 4);
  if (offset + length > message.length) throw new NtlmMessageError(`${name} at offset ${at} points past the end of the message`);
  return message.subarray(offset, offset + length);
}

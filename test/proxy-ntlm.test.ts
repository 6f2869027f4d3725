// The NTLMv2 messages against the worked example of MS-NLMP §4.2.4: user "User", domain "Domain", password
// "Password", server challenge 0123456789abcdef, client challenge aa * 8, time zero, and the target info
// NbDomainName "Domain", NbComputerName "Server".
import t from 'tap';
import {
  answerChallenge,
  authenticateMessage,
  negotiateMessage,
  ntlmIdentity,
  ntlmv2Response,
  ntowfV2,
  parseChallengeMessage,
  NtlmMessageError,
  NTLM_FLAGS,
} from '../lib/proxy/ntlm.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const utf16 = (s: string): string => Buffer.from(s, 'utf16le').toString('hex');

// §4.2.4.1.3 / §4.2.4.3: the target info, AV pairs NbDomainName, NbComputerName, MsvAvEOL.
const TARGET_INFO = hex(`0200 0c00 ${utf16('Domain')} 0100 0c00 ${utf16('Server')} 0000 0000`);

// §4.2.4.3: the CHALLENGE_MESSAGE. Flags e28a8233; version 6.0 build 6000, NTLM revision 15; target name "Server".
const CHALLENGE = hex(`
  4e544c4d53535000 02000000   0c000c00 38000000   33828ae2   0123456789abcdef   0000000000000000
  24002400 44000000   060070170000000f
  ${utf16('Server')} ${TARGET_INFO.toString('hex')}`);

// §4.2.4.3: the AUTHENTICATE_MESSAGE, 232 bytes.
const AUTHENTICATE = hex(`
  4e544c4d53535000 03000000
  18001800 6c000000   54005400 84000000   0c000c00 48000000   08000800 54000000
  10001000 5c000000   10001000 d8000000   358288e2   0501280a0000000f
  ${utf16('Domain')} ${utf16('User')} ${utf16('COMPUTER')}
  86c35097ac9cec102554764a57cccc19 aaaaaaaaaaaaaaaa
  68cd0ab851e51c96aabc927bebef6a1c
  0101000000000000 0000000000000000 aaaaaaaaaaaaaaaa 00000000 ${TARGET_INFO.toString('hex')} 00000000
  c5dad2544fc9799094ce1ce90bc9d03e`);

const SERVER_CHALLENGE = hex('0123456789abcdef');
const CLIENT_CHALLENGE = hex('aaaaaaaaaaaaaaaa');
const TIME_ZERO = Buffer.alloc(8);
const FILETIME_EPOCH = new Date(Date.UTC(1601, 0, 1));

t.test('§4.2.4.1.1 NTOWFv2 and the §4.2.4.2 results', async (t) => {
  const key = ntowfV2('Password', 'User', 'Domain');
  t.equal(key.toString('hex'), '0c868a403bfd7a93a3001ef22ef02e3f', 'ResponseKeyNT');
  t.equal(ntowfV2('Password', 'user', 'Domain').toString('hex'), key.toString('hex'), 'the user name is upper-cased');
  t.not(ntowfV2('Password', 'User', 'DOMAIN').toString('hex'), key.toString('hex'), 'the domain is not');

  const r = ntlmv2Response({ responseKey: key, serverChallenge: SERVER_CHALLENGE, clientChallenge: CLIENT_CHALLENGE, time: TIME_ZERO, targetInfo: TARGET_INFO });
  t.equal(r.lmResponse.toString('hex'), '86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa', '§4.2.4.2.1 LMv2 response');
  t.equal(r.ntProofStr.toString('hex'), '68cd0ab851e51c96aabc927bebef6a1c', '§4.2.4.2.2 NTProofStr');
  t.equal(r.sessionBaseKey.toString('hex'), '8de40ccadbc14a82f15cb0ad0de95ca3', '§4.2.4.1.2 session base key');
  t.equal(r.ntResponse.length, 0x54);
  t.same(r.ntResponse, AUTHENTICATE.subarray(0x84, 0x84 + 0x54), 'the NtChallengeResponse as in the §4.2.4.3 message');
});

t.test('§4.2.4.3 CHALLENGE_MESSAGE parses to the documented challenge and target info', async (t) => {
  t.equal(CHALLENGE.length, 104);
  const c = parseChallengeMessage(CHALLENGE);
  t.equal(c.flags >>> 0, 0xe28a8233);
  t.same(c.serverChallenge, SERVER_CHALLENGE);
  t.same(c.targetInfo, TARGET_INFO);
  t.equal(c.timestamp, null);
  t.equal(c.domainName, 'Domain');
});

t.test('§4.2.4.3 AUTHENTICATE_MESSAGE byte for byte', async (t) => {
  const key = ntowfV2('Password', 'User', 'Domain');
  const r = ntlmv2Response({ responseKey: key, serverChallenge: SERVER_CHALLENGE, clientChallenge: CLIENT_CHALLENGE, time: TIME_ZERO, targetInfo: TARGET_INFO });
  // The example negotiates key exchange: its EncryptedRandomSessionKey (RC4 of 0x55 * 16, §4.2.4.2.3) is taken
  // as given, since a proxy handshake never signs or seals and this client sends no key.
  const message = authenticateMessage({
    flags: 0xe2888235,
    domain: 'Domain',
    user: 'User',
    workstation: 'COMPUTER',
    lmResponse: r.lmResponse,
    ntResponse: r.ntResponse,
    encryptedRandomSessionKey: hex('c5dad2544fc9799094ce1ce90bc9d03e'),
    version: hex('0501280a0000000f'),
  });
  t.equal(message.length, 232);
  t.equal(message.toString('hex'), AUTHENTICATE.toString('hex'));
});

t.test('answerChallenge: what the proxy hop sends to the §4.2.4 challenge', async (t) => {
  const message = answerChallenge({
    identity: { user: 'User', domain: 'Domain' },
    password: 'Password',
    challenge: parseChallengeMessage(CHALLENGE),
    clientChallenge: CLIENT_CHALLENGE,
    now: FILETIME_EPOCH,
  });
  const field = (at: number): Buffer => message.subarray(message.readUInt32LE(at + 4), message.readUInt32LE(at + 4) + message.readUInt16LE(at));
  t.equal(message.readUInt32LE(8), 3);
  t.equal(field(20).toString('hex'), AUTHENTICATE.subarray(0x84, 0x84 + 0x54).toString('hex'), 'the documented NTLMv2 response');
  t.equal(field(12).toString('hex'), '86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa', 'LMv2 (no server timestamp)');
  t.equal(field(28).toString('utf16le'), 'Domain');
  t.equal(field(36).toString('utf16le'), 'User');
  t.equal(field(52).length, 0, 'no session key: no key exchange');
  const flags = message.readUInt32LE(60);
  t.ok(flags & NTLM_FLAGS.UNICODE && flags & NTLM_FLAGS.NTLM, 'Unicode, NTLM');
  t.notOk(flags & 0x40000000, 'KEY_EXCH is never echoed');
  t.notOk(flags & 0x00000080, 'LM_KEY is never echoed');

  // With MsvAvTimestamp the server's time is used and LmChallengeResponse is Z(24) (§3.1.5.2.1).
  const stamp = hex('0090d336b734d801');
  const info = Buffer.concat([hex(`0700 0800 ${stamp.toString('hex')}`), TARGET_INFO]);
  const withTime = answerChallenge({
    identity: { user: 'User', domain: 'Domain' },
    password: 'Password',
    challenge: { ...parseChallengeMessage(CHALLENGE), targetInfo: info, timestamp: stamp },
    clientChallenge: CLIENT_CHALLENGE,
    now: new Date(),
  });
  const lmAt = withTime.readUInt32LE(16);
  t.same(withTime.subarray(lmAt, lmAt + 24), Buffer.alloc(24));
  const ntAt = withTime.readUInt32LE(24);
  t.same(withTime.subarray(ntAt + 24, ntAt + 32), stamp, 'the blob carries the server time');
});

t.test('the NEGOTIATE message asks for NTLM with extended session security, never LM', async (t) => {
  const m = negotiateMessage();
  t.equal(m.subarray(0, 8).toString('latin1'), 'NTLMSSP\0');
  t.equal(m.readUInt32LE(8), 1);
  const flags = m.readUInt32LE(12);
  t.ok(flags & NTLM_FLAGS.EXTENDED_SESSIONSECURITY);
  t.notOk(flags & 0x00000080, 'no LM_KEY');
  t.notOk(flags & 0x00000002, 'no OEM');
});

t.test('user names: DOMAIN\\user splits, a UPN goes whole', async (t) => {
  t.same(ntlmIdentity('CONTOSO\\alice'), { domain: 'CONTOSO', user: 'alice' });
  t.same(ntlmIdentity('alice@contoso.com'), { domain: '', user: 'alice@contoso.com' });
  t.same(ntlmIdentity('alice'), { domain: '', user: 'alice' });
});

t.test('a malformed challenge is a clear error naming the field', async (t) => {
  t.throws(() => parseChallengeMessage(Buffer.from('not ntlm at all, but long enough to read')), NtlmMessageError);
  t.throws(() => parseChallengeMessage(Buffer.alloc(10)), /shorter than 32/);
  const typeOne = Buffer.concat([negotiateMessage(), Buffer.alloc(16)]);
  t.throws(() => parseChallengeMessage(typeOne), /type at offset 8 is 1/);
  const pastEnd = Buffer.from(CHALLENGE);
  pastEnd.writeUInt32LE(200, 44);
  t.throws(() => parseChallengeMessage(pastEnd), /TargetInfoFields.*past the end/);
  const badPair = Buffer.from(CHALLENGE);
  badPair.writeUInt16LE(0x40, 0x44 + 2);
  t.throws(() => parseChallengeMessage(badPair), /AV_PAIR 2 at offset 0 runs past/);
});

t.test('any bytes from a proxy parse or fail with NtlmMessageError, never another exception', async (t) => {
  let seed = 0x2545f491;
  const next = (): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return seed >>> 0;
  };
  let other = 0;
  for (let i = 0; i < 3000; i++) {
    const message = Buffer.from(CHALLENGE.subarray(0, next() % (CHALLENGE.length + 1)));
    for (let flips = next() % 4; flips > 0 && message.length > 0; flips--) message[next() % message.length] = next() & 0xff;
    try {
      parseChallengeMessage(message);
    } catch (error) {
      if (!(error instanceof NtlmMessageError)) other++;
    }
  }
  t.equal(other, 0);
});

import t from 'tap';
import {
  challengeHash,
  challengeResponse,
  challengeUserName,
  checkAuthenticatorResponse,
  generateAuthenticatorResponse,
  generateNtResponse,
  ntPasswordHash,
  ntPasswordHashHash,
} from '../lib/auth/mschapv2.js';
import { chapMd5Response } from '../lib/auth/chap-md5.js';

// RFC 2759 §9.2 sample data.
const userName = 'User';
const password = 'clientPass';
const authChallenge = Buffer.from('5B5D7C7D7B3F2F3E3C2C602132262628', 'hex');
const peerChallenge = Buffer.from('21402324255E262A28295F2B3A337C7E', 'hex');
const hex = (b: Buffer): string => b.toString('hex').toUpperCase();

t.test('RFC 2759 §9.2 vectors', async (t) => {
  t.equal(hex(challengeHash(peerChallenge, authChallenge, userName)), 'D02E4386BCE91226', 'ChallengeHash');
  t.equal(hex(ntPasswordHash(password)), '44EBBA8D5312B8D611474411F56989AE', 'PasswordHash');
  t.equal(hex(ntPasswordHashHash(ntPasswordHash(password))), '41C00C584BD2D91C4017A2A12FA59F3F', 'PasswordHashHash');
  const ntResponse = generateNtResponse(authChallenge, peerChallenge, userName, password);
  t.equal(hex(ntResponse), '82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF', 'NT-Response');
  t.same(
    challengeResponse(Buffer.from('D02E4386BCE91226', 'hex'), ntPasswordHash(password)),
    ntResponse,
    'ChallengeResponse from the printed hash',
  );
  t.equal(
    generateAuthenticatorResponse(password, ntResponse, peerChallenge, authChallenge, userName),
    'S=407A5589115FD0D6209F510FE9C04566932CDA56',
    'AuthenticatorResponse',
  );
});

t.test('the client verifies the server authenticator response', async (t) => {
  const nt = Buffer.from('82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF', 'hex');
  const good = 'S=407A5589115FD0D6209F510FE9C04566932CDA56';
  t.ok(checkAuthenticatorResponse(good, password, nt, peerChallenge, authChallenge, userName));
  t.ok(checkAuthenticatorResponse(good.toLowerCase().replace('s=', 'S='), password, nt, peerChallenge, authChallenge, userName), 'hex case ignored');
  t.notOk(checkAuthenticatorResponse(good, 'wrongPass', nt, peerChallenge, authChallenge, userName), 'other password');
  t.notOk(checkAuthenticatorResponse('S=407A', password, nt, peerChallenge, authChallenge, userName), 'truncated');
  t.notOk(checkAuthenticatorResponse(good.replace('407A', '407B'), password, nt, peerChallenge, authChallenge, userName));
});

t.test('a DOMAIN\\ prefix does not enter the challenge hash', async (t) => {
  t.equal(challengeUserName('CONTOSO\\User').toString(), 'User');
  t.equal(challengeUserName('user@contoso.com').toString(), 'user@contoso.com', 'UPN kept whole');
  t.same(challengeHash(peerChallenge, authChallenge, 'CONTOSO\\User'), challengeHash(peerChallenge, authChallenge, 'User'));
  t.same(
    generateNtResponse(authChallenge, peerChallenge, 'CONTOSO\\User', password),
    Buffer.from('82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF', 'hex'),
  );
});

t.test('challenges of the wrong size are refused', async (t) => {
  t.throws(() => challengeHash(Buffer.alloc(8), authChallenge, userName), RangeError);
});

t.test('CHAP-MD5 response is MD5 over Identifier ‖ secret ‖ challenge (RFC 1994 §4.1)', async (t) => {
  // Identifier 0x61 'a', secret "b", challenge "c": MD5("abc") from RFC 1321 A.5.
  t.equal(chapMd5Response(0x61, 'b', Buffer.from('c')).toString('hex'), '900150983cd24fb0d6963f7d28e17f72');
  t.not(
    chapMd5Response(1, 'secret', Buffer.alloc(16)).toString('hex'),
    chapMd5Response(2, 'secret', Buffer.alloc(16)).toString('hex'),
    'the identifier is part of the hash',
  );
});

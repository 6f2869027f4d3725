// The client engine against hand-built server frames (RFC 1661, RFC 2759 §9.2 sample data).
import t from 'tap';
import { PppClient, type PppClientOptions } from '../lib/engine/ppp-client.js';

const h = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const hexOf = (frames: Buffer[]): string[] => frames.map((f) => f.toString('hex').toUpperCase());
/** Expected frame written with spaces between fields. */
const x = (s: string): string => s.replace(/\s+/g, '').toUpperCase();

// RFC 2759 §9.2 sample data.
const AUTH_CHALLENGE = '5B5D7C7D7B3F2F3E3C2C602132262628';
const PEER_CHALLENGE = '21402324255E262A28295F2B3A337C7E';
const NT_RESPONSE = '82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF';
const AUTHENTICATOR = 'S=407A5589115FD0D6209F510FE9C04566932CDA56';

/** Magic 0x11223344; peer challenge from RFC 2759 §9.2. */
const random = (size: number): Buffer => (size === 16 ? h(PEER_CHALLENGE) : h('11223344').subarray(0, size));

function client(options: PppClientOptions = {}): PppClient {
  return new PppClient({ randomBytes: random, ...options });
}

// Server Configure-Request asking for MS-CHAPv2 (id 1): MRU 4091, auth C223/81, magic.
const SERVER_REQ_MSCHAPV2 = h('FF03 C021  01 01 0013  01 04 0FFB  03 05 C22381  05 06 AABBCCDD');
// Server Configure-Ack of our first request (id 1): MRU 1500, magic 11223344.
const SERVER_ACK = h('FF03 C021  02 01 000E  01 04 05DC  05 06 11223344');

t.test('first frame: our Configure-Request with MRU and magic, never PFC/ACFC', async (t) => {
  // Reference §4.3: FF03 C021 01 01 000E 01 04 05DC 05 06 <magic>
  t.same(hexOf(client().start()), [x('FF03 C021 01 01 000E 01 04 05DC 05 06 11223344')]);
  t.same(hexOf(client({ mru: 4091 }).start()), [x('FF03 C021 01 01 000E 01 04 0FFB 05 06 11223344')]);
  const c = client();
  c.start();
  t.same(c.start(), [], 'start() is idempotent');
  t.throws(() => client().receive(SERVER_ACK), 'receive() before start() is a programming error');
});

t.test('without credentials the engine stops after reading the offer, then leaves', async (t) => {
  const c = client();
  c.start();
  const step = c.receive(SERVER_REQ_MSCHAPV2);
  t.same(step.send, [], 'nothing acked, nothing answered');
  t.equal(step.done, true);
  t.same(
    step.events.find((e) => e.type === 'auth-offered'),
    { type: 'auth-offered', method: 'mschapv2', round: 0 },
  );
  t.same(hexOf(c.terminate()), [x('FF03 C021 05 02 0004')], 'LCP Terminate-Request, next id');
  t.same(c.terminate(), [], 'only once');
  const r = c.result();
  t.same(r.ppp, {
    authProtocols: ['mschapv2'],
    mru: 4091,
    options: [
      { type: 1, name: 'MRU', value: '4091' },
      { type: 3, name: 'Auth-Protocol', value: 'mschapv2 (0xc22381)' },
      { type: 5, name: 'Magic-Number', value: '0xaabbccdd' },
    ],
    terminated: null,
  });
});

t.test('a credential-less client never answers a Challenge', async (t) => {
  const c = client({ enumerateAuth: true });
  c.start();
  c.receive(SERVER_REQ_MSCHAPV2);
  const step = c.receive(h(`FF03 C223  01 02 0015 10 ${AUTH_CHALLENGE}`));
  t.same(step.send, []);
  t.match(step.events, [{ type: 'ignored', protocol: 'CHAP' }]);
});

t.test('enumeration Naks the auth option with a method not yet seen', async (t) => {
  const c = client({ enumerateAuth: true });
  c.start();
  const step = c.receive(h('FF03 C021  01 07 000C  01 04 0FFB  03 04 C227'));
  // Conf-Nak, same id 7, proposing MS-CHAPv2: 03 05 C2 23 81.
  t.same(hexOf(step.send), [x('FF03 C021 03 07 0009 03 05 C22381')]);
  t.equal(step.done, false);
  const again = c.receive(h('FF03 C021  01 08 000C  01 04 0FFB  03 04 C227'));
  t.equal(again.done, true, 'a repeated offer ends enumeration');
  t.equal(c.result().stop, 'server-repeated');
  t.same(c.result().offers, ['eap', 'eap']);
  t.same(c.result().ppp.authProtocols, ['eap']);
});

t.test('MS-CHAPv2 end to end with the RFC 2759 §9.2 sample', async (t) => {
  const c = client({ credentials: { userName: 'User', password: 'clientPass' } });
  c.start();
  const ack = c.receive(SERVER_REQ_MSCHAPV2);
  t.same(ack.send, [Buffer.concat([h('FF03C021 02 01 0013'), SERVER_REQ_MSCHAPV2.subarray(8)])], 'Ack echoes the options');
  const opened = c.receive(SERVER_ACK);
  t.match(opened.events, [{ type: 'lcp-opened', method: 'mschapv2' }]);
  t.same(opened.send, []);

  const challenge = h(`FF03 C223  01 2A 0019 10 ${AUTH_CHALLENGE} 52524153`);
  const response = c.receive(challenge);
  // CHAP Response: id 2A, length 4+1+49+4, value-size 31, peer challenge, 8 zero, NT-Response, flags 0, "User".
  t.same(hexOf(response.send), [x(`FF03 C223 02 2A 003A 31 ${PEER_CHALLENGE} 0000000000000000 ${NT_RESPONSE} 00 55736572`)]);
  t.same(c.receive(challenge).send, response.send, 'a retransmitted challenge gets the same response');
  t.same(c.receive(h(`FF03 C223  01 2B 0015 10 ${AUTH_CHALLENGE}`)).send, [], 'a new challenge is not answered');
  t.equal(c.hlak(), null, 'no keys before Success');

  const success = Buffer.concat([h('FF03C223 03 2A 0033'), Buffer.from(`${AUTHENTICATOR} M=OK`)]);
  const done = c.receive(success);
  t.equal(done.done, true);
  t.match(done.events, [{ type: 'authenticated', method: 'mschapv2' }]);
  // Reference §3.6: HLAK from the RFC 2759/3079 sample = client send ‖ client receive.
  t.equal(c.hlak()!.toString('hex'), 'd5f0e9521e3ea9589645e86051c822268b7cdc149b993a1ba118cb153f56dccb');
  t.same(c.result().auth, { protocol: 'mschapv2', result: 'success', errorCode: null, message: 'OK', cryptoBinding: null });
});

function authenticatedUpToChallenge(): PppClient {
  const c = client({ credentials: { userName: 'User', password: 'clientPass' } });
  c.start();
  c.receive(SERVER_REQ_MSCHAPV2);
  c.receive(SERVER_ACK);
  c.receive(h(`FF03 C223  01 2A 0015 10 ${AUTH_CHALLENGE}`));
  return c;
}

t.test('a Success whose authenticator does not verify gives no keys', async (t) => {
  const c = authenticatedUpToChallenge();
  const forged = Buffer.concat([h('FF03C223 03 2A 002E'), Buffer.from('S=0000000000000000000000000000000000000000')]);
  const step = c.receive(forged);
  t.equal(step.done, true);
  t.notOk(step.events.some((e) => e.type === 'authenticated'));
  t.equal(c.hlak(), null);
  t.equal(c.result().auth?.result, 'error');
  t.equal(c.result().stop, 'auth-error');
});

t.test('a Failure reports the E= code and message', async (t) => {
  const c = authenticatedUpToChallenge();
  const text = 'E=649 R=0 C=00112233445566778899AABBCCDDEEFF V=3 M=No dial-in permission';
  const failure = Buffer.concat([h('FF03C223 04 2A'), Buffer.from([0, 4 + text.length]), Buffer.from(text)]);
  const step = c.receive(failure);
  t.match(step.events, [{ type: 'auth-failed', method: 'mschapv2', errorCode: 649, message: 'No dial-in permission' }]);
  t.same(c.result().auth, { protocol: 'mschapv2', result: 'failure', errorCode: 649, message: 'No dial-in permission', cryptoBinding: null });
});

t.test('LCP housekeeping: Nak/Reject of our request, Echo, Terminate, unknown codes and protocols', async (t) => {
  const c = client({ credentials: { userName: 'User', password: 'clientPass' } });
  c.start();
  // Conf-Nak suggesting MRU 1400: a new request (id 2) with that MRU.
  t.same(hexOf(c.receive(h('FF03 C021 03 01 0008 01 04 0578')).send), [x('FF03 C021 01 02 000E 01 04 0578 05 06 11223344')]);
  // Conf-Reject of the magic number: a new request (id 3) without it.
  t.same(hexOf(c.receive(h('FF03 C021 04 02 000A 05 06 11223344')).send), [x('FF03 C021 01 03 0008 01 04 0578')]);
  // Echo before LCP is open is discarded (RFC 1661 §5.8).
  t.same(c.receive(h('FF03 C021 09 05 0008 AABBCCDD')).send, []);
  c.receive(SERVER_REQ_MSCHAPV2);
  c.receive(h('FF03 C021 02 03 0008 01 04 0578'));
  // Echo-Reply with our magic: zero, since the server rejected it.
  t.same(hexOf(c.receive(h('FF03 C021 09 05 000A AABBCCDD 0102')).send), [x('FF03 C021 0A 05 000A 00000000 0102')]);
  // Unknown LCP code 0x0E: Code-Reject carrying the packet.
  t.same(hexOf(c.receive(h('FF03 C021 0E 09 0004')).send), [x('FF03 C021 07 04 0008 0E090004')]);
  // An unknown protocol once open: Protocol-Reject.
  t.same(hexOf(c.receive(h('FF03 8281 01 01 0004')).send), [x('FF03 C021 08 05 000A 8281 01010004')]);
  // IPCP is recorded, not answered.
  const ipcp = c.receive(h('FF03 8021 01 01 000A 03 06 C0000201'));
  t.same(ipcp.send, []);
  t.match(ipcp.events, [{ type: 'ncp', protocol: 'IPCP', code: 'CONFIGURE_REQUEST', options: [{ name: 'IP-Address', value: '192.0.2.1' }] }]);
  // The server ends LCP: Term-Ack with its id; authentication was in progress.
  const term = c.receive(Buffer.concat([h('FF03 C021 05 07 000A'), Buffer.from('policy')]));
  t.same(hexOf(term.send), [x('FF03 C021 06 07 0004')]);
  t.equal(term.done, true);
  t.equal(c.result().ppp.terminated, 'terminate-request: policy');
  t.same(c.result().auth, { protocol: 'mschapv2', result: 'failure', errorCode: null, message: 'server ended LCP during authentication', cryptoBinding: null });
  t.same(c.terminate(), [], 'nothing more to send once the server ended LCP');
});

t.test('undecodable frames are reported, never thrown', async (t) => {
  const c = client();
  c.start();
  t.match(c.receive(h('FF 05 C0 21')).events, [{ type: 'malformed' }]);
  t.match(c.receive(h('FF03 C021 01 01 0010 01')).events, [{ type: 'malformed' }]);
  t.equal(c.done, false);
});

t.test('the caller owns time: expire() marks what was pending as a timeout', async (t) => {
  const c = client({ credentials: { userName: 'User', password: 'clientPass' } });
  c.start();
  c.receive(SERVER_REQ_MSCHAPV2);
  c.receive(SERVER_ACK);
  const step = c.expire();
  t.equal(step.done, true);
  t.equal(c.result().stop, 'timeout');
  t.same(c.result().auth, { protocol: 'mschapv2', result: 'timeout', errorCode: null, message: 'no answer to authentication', cryptoBinding: null });
  t.equal(c.terminate().length, 1, 'still leaves with Terminate-Request');
});

t.test('configure rounds are bounded', async (t) => {
  const c = client({ maxConfigure: 2 });
  c.start();
  t.equal(c.receive(h('FF03 C021 03 01 0008 01 04 0578')).send.length, 1);
  const step = c.receive(h('FF03 C021 03 02 0008 01 04 0578'));
  t.same(step.send, []);
  t.equal(c.result().stop, 'configure-failed');
});

t.test('a server that asks for no authentication: authenticated with a zero HLAK', async (t) => {
  const c = client({ credentials: { userName: 'User', password: 'clientPass' } });
  c.start();
  c.receive(h('FF03 C021 01 01 0008 01 04 0FFB'));
  const step = c.receive(SERVER_ACK);
  t.match(step.events, [{ type: 'lcp-opened', method: null }, { type: 'authenticated', method: null }]);
  t.same(c.hlak(), Buffer.alloc(32));
  t.same(c.result().auth, { protocol: null, result: 'success', errorCode: null, message: 'server requested no authentication', cryptoBinding: null });
});

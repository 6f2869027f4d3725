// The client engine against the fixture server, in memory: no sockets, no timers.
import t from 'tap';
import { buildCallConnected, certificateHash } from '../lib/auth/crypto-binding.js';
import { PppClient, type PppClientOptions, type PppEvent } from '../lib/engine/ppp-client.js';
import { PppServer, type PppServerOptions } from '../fixtures/ppp-server.js';
import { issueCertificate } from '../fixtures/certs.js';

const leaf = issueCertificate({ subjectCN: 'vpn.contoso.test', dnsNames: ['vpn.contoso.test'], key: { type: 'ec' } });
const offloadLeaf = issueCertificate({ subjectCN: 'offload.contoso.test', key: { type: 'ec' } });
const nonce = Buffer.from('00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff', 'hex');
const realHashes = { sha1: certificateHash(leaf.der, 'sha1'), sha256: certificateHash(leaf.der, 'sha256') };

interface Conversation {
  client: PppClient;
  server: PppServer;
  events: PppEvent[];
  /** Call-Connected the client side would send, built when the engine says "authenticated". */
  callConnected: Buffer | null;
}

/** Shuttle frames both ways until both sides are quiet, then leave the way the probe does. */
function converse(clientOptions: PppClientOptions, serverOptions: PppServerOptions, hashProtocol: 'sha1' | 'sha256' = 'sha256'): Conversation {
  const client = new PppClient(clientOptions);
  const server = new PppServer(serverOptions);
  const events: PppEvent[] = [];
  let callConnected: Buffer | null = null;
  let toServer = client.start();
  let toClient = server.start();
  for (let turn = 0; turn < 50 && (toServer.length > 0 || toClient.length > 0); turn++) {
    const nextToClient = toServer.flatMap((f) => server.receive(f));
    const nextToServer: Buffer[] = [];
    for (const frame of toClient) {
      if (client.done) break; // the I/O glue stops reading once the engine is done
      const step = client.receive(frame);
      events.push(...step.events);
      if (step.events.some((e) => e.type === 'authenticated')) {
        callConnected = buildCallConnected({ hashProtocol, nonce, certDer: leaf.der, hlak: client.hlak()! });
      }
      nextToServer.push(...step.send);
    }
    toServer = nextToServer;
    toClient = nextToClient;
  }
  for (const frame of client.terminate().flatMap((f) => server.receive(f))) client.receive(frame);
  return { client, server, events, callConnected };
}

const users = { alice: 'Correct horse 1!', bob: 'hunter2' };

t.test('without credentials: each offered method is reported, nothing secret is sent', async (t) => {
  for (const offer of ['eap', 'mschapv2', 'chap-md5', 'pap'] as const) {
    const { client, server } = converse({}, { offer: [offer], users });
    const r = client.result();
    t.same(r.ppp.authProtocols, [offer], `${offer}: offered method`);
    t.equal(r.ppp.mru, 4091, `${offer}: server MRU`);
    t.same(r.ppp.options.map((o) => o.name), ['MRU', 'Auth-Protocol', 'Magic-Number', 'PFC', 'ACFC', 'Endpoint-Discriminator']);
    t.equal(r.stop, 'offer-read');
    t.equal(r.auth, null, 'no auth section without credentials');
    t.equal(server.received.chapResponse, false, `${offer}: no CHAP response`);
    t.equal(server.received.papRequest, false, `${offer}: no PAP request`);
    t.equal(server.received.terminateRequest, true, `${offer}: left with LCP Terminate-Request`);
    t.equal(client.hlak(), null);
  }
});

t.test('enumeration learns every allowed method', async (t) => {
  const { client, server } = converse({ enumerateAuth: true }, { offer: ['eap', 'mschapv2', 'pap'], users });
  const r = client.result();
  t.same(r.ppp.authProtocols, ['eap', 'mschapv2', 'pap']);
  t.same(server.offered, ['eap', 'mschapv2', 'pap']);
  t.equal(r.stop, 'server-terminated', 'the server gave up when nothing was left');
  t.equal(r.ppp.terminated, 'terminate-request: no acceptable authentication method');
  t.same(server.received.authNaks, ['mschapv2', 'mschap', 'mschap'], 'each round proposed a method not yet seen');
  t.equal(server.received.chapResponse || server.received.papRequest, false);
});

t.test('enumeration against a server that ignores proposals and waits for the client (SoftEther-like)', async (t) => {
  const { client } = converse(
    { enumerateAuth: true },
    { offer: ['eap', 'mschapv2', 'pap'], users, followNakProposal: false, waitForPeer: true, windowsOptions: false },
  );
  const r = client.result();
  t.same(r.ppp.authProtocols, ['eap', 'mschapv2', 'pap']);
  t.same(r.ppp.options.map((o) => o.name), ['MRU', 'Auth-Protocol', 'Magic-Number']);
});

t.test('enumeration is bounded', async (t) => {
  const { client } = converse({ enumerateAuth: true, maxAuthRounds: 1 }, { offer: ['eap', 'mschapv2', 'pap'], users });
  const r = client.result();
  t.same(r.ppp.authProtocols, ['eap', 'mschapv2']);
  t.equal(r.stop, 'auth-rounds-exhausted');
});

t.test('MS-CHAPv2 with the right password: success, same HLAK both sides, binding verifies', async (t) => {
  for (const hash of ['sha256', 'sha1'] as const) {
    const { client, server, events, callConnected } = converse(
      { credentials: { userName: 'CONTOSO\\alice', password: users.alice } },
      { offer: ['mschapv2'], users },
      hash,
    );
    const r = client.result();
    t.same(r.auth, { protocol: 'mschapv2', result: 'success', errorCode: null, message: 'Access granted', cryptoBinding: null });
    t.equal(r.stop, 'authenticated');
    t.ok(events.some((e) => e.type === 'authenticated' && e.method === 'mschapv2'));
    t.equal(server.received.userName, 'CONTOSO\\alice', 'the full name goes on the wire');
    t.same(client.hlak(), server.hlak(), 'client send‖recv = server recv‖send');
    t.notSame(client.hlak(), Buffer.alloc(32), 'MS-CHAPv2 HLAK is keyed');
    t.same(server.verifyBinding(callConnected!, { nonce, certHashes: realHashes }), { ok: true, hashProtocol: hash }, `${hash} binding`);
    t.same(
      server.verifyBinding(callConnected!, { nonce, certHashes: { sha1: certificateHash(offloadLeaf.der, 'sha1'), sha256: certificateHash(offloadLeaf.der, 'sha256') } }),
      { ok: false, reason: 'cert-hash-mismatch', attribId: 3, status: 4 },
      `${hash}: a server configured with the offload certificate's hash rejects the binding`,
    );
    t.equal(server.received.terminateRequest, true);
  }
});

t.test('MS-CHAPv2 with a wrong password: failure E=691, no keys, one attempt', async (t) => {
  const { client, server, events, callConnected } = converse(
    { credentials: { userName: 'alice', password: 'wrong' } },
    { offer: ['mschapv2'], users },
  );
  const r = client.result();
  t.same(r.auth, { protocol: 'mschapv2', result: 'failure', errorCode: 691, message: 'Access denied', cryptoBinding: null });
  t.equal(r.stop, 'auth-failed');
  t.equal(client.hlak(), null);
  t.equal(callConnected, null, 'no Call-Connected without authentication');
  t.equal(events.filter((e) => e.type === 'auth-response-sent').length, 1, 'a single response');
  t.equal(server.outcome, 'failure');
  t.same(server.verifyBinding(Buffer.alloc(112), { nonce, certHashes: realHashes }), { ok: false, reason: 'not-authenticated', attribId: 0, status: 5 });
});

t.test('unknown user fails like a wrong password', async (t) => {
  const { client } = converse({ credentials: { userName: 'mallory', password: 'x' } }, { offer: ['mschapv2'], users });
  t.equal(client.result().auth?.errorCode, 691);
});

t.test('PAP and CHAP-MD5: success with a zero HLAK that the server binds with; failure reported', async (t) => {
  for (const method of ['pap', 'chap-md5'] as const) {
    const ok = converse({ credentials: { userName: 'bob', password: users.bob } }, { offer: [method], users });
    t.equal(ok.client.result().auth?.result, 'success', `${method}: success`);
    t.equal(ok.client.result().auth?.protocol, method);
    t.same(ok.client.hlak(), Buffer.alloc(32), `${method}: zero HLAK`);
    t.same(ok.server.verifyBinding(ok.callConnected!, { nonce, certHashes: realHashes }), { ok: true, hashProtocol: 'sha256' });

    const bad = converse({ credentials: { userName: 'bob', password: 'nope' } }, { offer: [method], users });
    const auth = bad.client.result().auth;
    t.equal(auth?.result, 'failure', `${method}: failure`);
    t.equal(auth?.errorCode, method === 'chap-md5' ? 691 : null, `${method}: error code as the server sent it`);
    t.equal(bad.client.hlak(), null);
  }
  const pap = converse({ credentials: { userName: 'bob', password: 'nope' } }, { offer: ['pap'], users, papNakMessage: 'E=691 R=0 V=3' });
  t.equal(pap.client.result().auth?.errorCode, 691, 'PAP Nak text with E= is parsed');
});

t.test('credentials and an EAP-only server: refused without sending any credential', async (t) => {
  const { client, server } = converse({ credentials: { userName: 'alice', password: users.alice } }, { offer: ['eap'], users });
  const r = client.result();
  t.equal(r.auth?.result, 'refused');
  t.equal(r.auth?.protocol, null);
  t.same(r.ppp.authProtocols, ['eap']);
  t.equal(r.stop, 'auth-refused');
  t.same(server.received.authNaks, ['mschapv2'], 'the client proposed MS-CHAPv2');
  t.equal(server.received.chapResponse || server.received.papRequest, false);
});

t.test('credentials: EAP first, then MS-CHAPv2 after a Nak', async (t) => {
  const { client } = converse({ credentials: { userName: 'alice', password: users.alice } }, { offer: ['eap', 'mschapv2'], users });
  const r = client.result();
  t.same(r.ppp.authProtocols, ['eap', 'mschapv2']);
  t.equal(r.auth?.result, 'success');
});

t.test('the caller can forbid PAP: a PAP-only server is refused and never sees the password', async (t) => {
  const { client, server } = converse(
    { credentials: { userName: 'bob', password: users.bob }, authMethods: ['mschapv2'] },
    { offer: ['pap'], users },
  );
  t.equal(client.result().auth?.result, 'refused');
  t.equal(server.received.papRequest, false);
});

t.test('options we do not implement are rejected, then the login proceeds', async (t) => {
  const callback = { type: 13, data: Buffer.from([6]) };
  const mrru = { type: 17, data: Buffer.from([0x06, 0x4e]) };
  const { client, server, events } = converse(
    { credentials: { userName: 'alice', password: users.alice } },
    { offer: ['mschapv2'], users, extraOptions: [callback, mrru] },
  );
  t.same(server.received.rejectedOptions, [13, 17]);
  const rejected = events.find((e) => e.type === 'lcp-rejected-options');
  t.same(rejected && rejected.type === 'lcp-rejected-options' ? rejected.options.map((o) => o.name) : [], ['Callback', 'MRRU']);
  t.equal(client.result().auth?.result, 'success');
  t.same(client.result().ppp.options.map((o) => o.name).slice(-2), ['Callback', 'MRRU'], 'the first request is what the report shows');
});

t.test('events and results carry no secrets', async (t) => {
  const password = 'S3cret-Passw0rd';
  const { client, events } = converse({ credentials: { userName: 'alice', password } }, { offer: ['mschapv2'], users: { alice: password } });
  const text = JSON.stringify({ events, result: client.result() });
  t.notMatch(text, password);
  t.notMatch(text, client.hlak()!.toString('hex'));
});

// The NTLM handshake of the proxy hop against a proxy that really checks NTLMv2 (fixtures/ntlm-proxy.ts).
import type { Duplex } from 'node:stream';
import net from 'node:net';
import t, { type Test } from 'tap';
import { startNtlmProxy } from '../fixtures/ntlm-proxy.js';
import { openTunnel, type ProxyTunnelResult } from '../lib/proxy/connect.js';
import { parseProxyUrl } from '../lib/proxy/select.js';
import { startTlsEcho, tlsHandshake } from './helpers/proxy-tls-target.js';

const TIMEOUT_MS = 5000;
const ACCOUNT = { domain: 'CONTOSO', user: 'alice', password: 'Ntlm-Pa55word!' };


function visible(result: ProxyTunnelResult): string {
  const { socket: _socket, ...rest } = result;
  return JSON.stringify(rest);
}

for (const mode of ['ntlm', 'negotiate'] as const) {
  t.test(`${mode}: the right password opens the tunnel on one TCP connection`, async (t) => {
    const echo = await startTlsEcho();
    const proxy = await startNtlmProxy({ mode, accounts: [ACCOUNT] });
    t.teardown(() => Promise.all([echo.close(), proxy.close()]));

    const config = parseProxyUrl(proxy.url, 'test', { user: 'CONTOSO\\alice', password: ACCOUNT.password });
    const result = await openTunnel(config, echo, { timeoutMs: TIMEOUT_MS });
    t.equal(result.code, 'connected', result.detail ?? '');
    t.equal(result.evidence.authSent, mode === 'ntlm' ? 'ntlm' : 'negotiate-ntlm');
    t.equal(result.evidence.attempts, 3, 'no credentials, negotiate, authenticate');
    t.equal(proxy.connections(), 1, 'exactly one TCP connection to the proxy');
    t.same(proxy.requests.map((r) => r.scheme), [null, mode === 'ntlm' ? 'NTLM' : 'Negotiate', mode === 'ntlm' ? 'NTLM' : 'Negotiate']);
    t.same(proxy.authenticated, ['CONTOSO\\alice']);
    t.match(result.detail, mode === 'ntlm' ? /NTLMv2 on one connection/ : /offers Negotiate without NTLM: authenticated with NTLMv2 messages inside Negotiate/);
    t.match(await tlsHandshake(result.socket as Duplex, echo), /^TLSv1\.[23]$/, 'the tunnel carries TLS to the target');
    for (const token of proxy.tokens) t.notOk(visible(result).includes(token), 'no NTLM message in the result');
  });

  t.test(`${mode}: a wrong password is refused after the authenticate message`, async (t) => {
    const proxy = await startNtlmProxy({ mode, accounts: [ACCOUNT] });
    t.teardown(() => proxy.close());
    const config = parseProxyUrl(proxy.url, 'test', { user: 'CONTOSO\\alice', password: 'wrong-Pa55word' });
    const result = await openTunnel(config, { host: '127.0.0.1', port: 443 }, { timeoutMs: TIMEOUT_MS });
    t.equal(result.code, 'auth-rejected');
    t.equal(result.evidence.status, 407);
    t.equal(result.evidence.attempts, 3);
    t.match(result.detail, mode === 'ntlm' ? /refused the credentials of CONTOSO\\alice sent with NTLMv2 \(407/ : /NTLMv2 inside Negotiate \(Kerberos is not supported\)/);
    t.same(proxy.authenticated, []);
    t.equal(proxy.connections(), 1);
    t.notOk(visible(result).includes('wrong-Pa55word'));
    for (const token of proxy.tokens) t.notOk(visible(result).includes(token), 'no NTLM message in the result');
  });
}

t.test('a user principal name (user@domain) authenticates too', async (t) => {
  const proxy = await startNtlmProxy({ mode: 'ntlm', accounts: [ACCOUNT] });
  const echo = await startTlsEcho();
  t.teardown(() => Promise.all([echo.close(), proxy.close()]));
  const config = parseProxyUrl(proxy.url, 'test', { user: 'alice@contoso.test', password: ACCOUNT.password });
  const result = await openTunnel(config, echo, { timeoutMs: TIMEOUT_MS });
  t.equal(result.code, 'connected', result.detail ?? '');
  t.same(proxy.authenticated, ['alice@contoso.test']);
  result.socket?.destroy();
});

t.test('an unknown user is refused; no credentials at all is auth-required naming NTLM', async (t) => {
  const proxy = await startNtlmProxy({ mode: 'ntlm', accounts: [ACCOUNT] });
  t.teardown(() => proxy.close());
  const target = { host: '127.0.0.1', port: 443 };
  const unknown = await openTunnel(parseProxyUrl(proxy.url, 'test', { user: 'CONTOSO\\mallory', password: ACCOUNT.password }), target, { timeoutMs: TIMEOUT_MS });
  t.equal(unknown.code, 'auth-rejected');
  const none = await openTunnel(parseProxyUrl(proxy.url, 'test'), target, { timeoutMs: TIMEOUT_MS });
  t.equal(none.code, 'auth-required');
  t.equal(none.evidence.authSent, 'none');
  t.same(none.evidence.authSchemes, ['NTLM', 'Basic']);
  t.match(none.detail, /accepts NTLM, Basic; no proxy credentials were given/);
});

t.test('NTLM is preferred to Basic when both are offered: the password never travels', async (t) => {
  const proxy = await startNtlmProxy({ mode: 'ntlm', accounts: [ACCOUNT] });
  t.teardown(() => proxy.close());
  const result = await openTunnel(parseProxyUrl(proxy.url, 'test', { user: 'CONTOSO\\alice', password: ACCOUNT.password }), { host: '127.0.0.1', port: 9 }, { timeoutMs: TIMEOUT_MS });
  t.equal(result.evidence.authSent, 'ntlm');
  t.notOk(proxy.requests.some((r) => r.scheme === 'Basic'), 'no Basic credentials sent');
});

/** A proxy that answers the n-th request of each connection with `answers[n]`, counting connections. */
async function scriptedProxy(t: Test, answers: string[]): Promise<{ url: string; connections: () => number }> {
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = net.createServer((s) => {
    connections++;
    sockets.add(s);
    s.on('error', () => s.destroy());
    let head = '';
    let n = 0;
    s.on('data', (chunk: Buffer) => {
      head += chunk.toString('latin1');
      while (head.includes('\r\n\r\n')) {
        head = head.slice(head.indexOf('\r\n\r\n') + 4);
        const answer = answers[n++];
        if (answer === undefined) s.destroy();
        else if (answer.endsWith('<close>')) s.end(answer.slice(0, -'<close>'.length));
        else s.write(answer);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  t.teardown(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, connections: () => connections };
}

const NTLM_407 = 'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: NTLM\r\n';
const CREDENTIALS = { user: 'CONTOSO\\alice', password: ACCOUNT.password };
// A minimal CHALLENGE_MESSAGE: flags Unicode | NTLM, server challenge 0123456789abcdef, empty target info.
const SMALL_CHALLENGE = 'TlRMTVNTUAACAAAAAAAAADAAAAABAgAAASNFZ4mrze8AAAAAAAAAAAAAAAAwAAAAAAAAAA==';

t.test('a chunked 407 body is read and the connection kept for the handshake', async (t) => {
  const challenge = SMALL_CHALLENGE;
  const proxy = await scriptedProxy(t, [
    `${NTLM_407}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n`,
    `HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: NTLM ${challenge}\r\nContent-Length: 3\r\n\r\nabc`,
    'HTTP/1.1 200 Connection established\r\n\r\n',
  ]);
  const result = await openTunnel(parseProxyUrl(proxy.url, 'test', CREDENTIALS), { host: 'vpn', port: 443 }, { timeoutMs: TIMEOUT_MS });
  t.equal(result.code, 'connected', result.detail ?? '');
  t.equal(proxy.connections(), 1);
  result.socket?.destroy();
});

t.test('a proxy that closes the connection after its challenge: closed, saying NTLM needs keep-alive', async (t) => {
  const challenge = SMALL_CHALLENGE;
  const proxy = await scriptedProxy(t, [
    `${NTLM_407}Content-Length: 0\r\n\r\n`,
    `HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: NTLM ${challenge}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n<close>`,
  ]);
  const result = await openTunnel(parseProxyUrl(proxy.url, 'test', CREDENTIALS), { host: 'vpn', port: 443 }, { timeoutMs: TIMEOUT_MS });
  t.equal(result.code, 'closed');
  t.match(result.detail, /closed the connection after its NTLM challenge: NTLM needs the answer on the same connection/);
  t.equal(result.evidence.headers['proxy-authenticate'], 'NTLM ***', 'the challenge token is not shown');
  t.notOk(JSON.stringify({ ...result, socket: null }).includes(challenge));
});

t.test('a malformed challenge is bad-response; a 407 without one is auth-required', async (t) => {
  const garbled = Buffer.from('NTLMSSP\0\x02\0\0\0 too short?').toString('base64');
  const bad = await scriptedProxy(t, [
    `${NTLM_407}Content-Length: 0\r\n\r\n`,
    `HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: NTLM ${garbled}\r\nContent-Length: 0\r\n\r\n`,
  ]);
  const r1 = await openTunnel(parseProxyUrl(bad.url, 'test', CREDENTIALS), { host: 'vpn', port: 443 }, { timeoutMs: TIMEOUT_MS });
  t.equal(r1.code, 'bad-response');
  t.match(r1.detail, /NTLM challenge is malformed/);

  const bare = await scriptedProxy(t, [`${NTLM_407}Content-Length: 0\r\n\r\n`, `${NTLM_407}Content-Length: 0\r\n\r\n`]);
  const r2 = await openTunnel(parseProxyUrl(bare.url, 'test', CREDENTIALS), { host: 'vpn', port: 443 }, { timeoutMs: TIMEOUT_MS });
  t.equal(r2.code, 'auth-required');
  t.match(r2.detail, /without a challenge/);
  t.equal(bare.connections(), 1, 'the first 407 kept the connection');
});

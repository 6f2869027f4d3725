// The NTLM handshake of the proxy hop against a proxy that really checks NTLMv2 (fixtures/ntlm-proxy.ts).
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import t from 'tap';
import { startNtlmProxy } from '../fixtures/ntlm-proxy.js';
import { openTunnel, type ProxyTunnelResult } from '../lib/proxy/connect.js';
import { parseProxyUrl } from '../lib/proxy/select.js';
import { startTlsEcho, type TlsEchoServer } from './helpers/proxy-tls-target.js';

const TIMEOUT_MS = 5000;
const ACCOUNT = { domain: 'CONTOSO', user: 'alice', password: 'Ntlm-Pa55word!' };

async function handshake(socket: Duplex, echo: TlsEchoServer): Promise<string | false> {
  const secure = tls.connect({ socket, servername: 'localhost', ca: [echo.certPem] });
  try {
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', () => resolve());
      secure.once('error', reject);
    });
    return secure.getProtocol() ?? false;
  } finally {
    secure.destroy();
  }
}

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
    t.match(await handshake(result.socket as Duplex, echo), /^TLSv1\.[23]$/, 'the tunnel carries TLS to the target');
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

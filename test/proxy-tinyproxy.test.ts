// Against a real proxy: tinyproxy, started per test on a loopback port.
import http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import t from 'tap';
import { request } from 'undici';
import { openTunnel, proxyDispatcher } from '../lib/proxy/connect.js';
import { parseProxyUrl } from '../lib/proxy/select.js';
import { startTlsEcho, tlsHandshake } from './helpers/proxy-tls-target.js';
import { startTinyproxy } from './helpers/tinyproxy.js';
import { requireProgram } from './helpers/programs.js';

const TIMEOUT_MS = 5000;
const USER = 'sstp-user';
const PASSWORD = 'Tiny.Proxy-Pass_9';


t.test('with the right credentials the tunnel reaches a TLS server', async (t) => {
  if (!requireProgram(t, 'tinyproxy')) return;
  const echo = await startTlsEcho();
  const proxy = await startTinyproxy({ basicAuth: { user: USER, password: PASSWORD } });
  t.teardown(() => Promise.all([echo.close(), proxy.close()]));

  const config = parseProxyUrl(proxy.url, 'test', { user: USER, password: PASSWORD });
  const result = await openTunnel(config, echo, { timeoutMs: TIMEOUT_MS });
  t.equal(result.code, 'connected', result.detail ?? '');
  t.equal(result.evidence.attempts, 2, 'first without credentials, then Basic');
  t.equal(result.evidence.authSent, 'basic');
  t.equal(result.evidence.httpVersion, '1.0', 'tinyproxy answers CONNECT in HTTP/1.0');
  t.match(result.evidence.headers['proxy-agent'], /^tinyproxy\//);
  t.match(await tlsHandshake(result.socket as Duplex, echo), /^TLSv1\.[23]$/);
});

t.test('without credentials tinyproxy asks for Basic (407)', async (t) => {
  if (!requireProgram(t, 'tinyproxy')) return;
  const proxy = await startTinyproxy({ basicAuth: { user: USER, password: PASSWORD } });
  t.teardown(() => proxy.close());

  const result = await openTunnel(parseProxyUrl(proxy.url, 'test'), { host: '127.0.0.1', port: 443 }, { timeoutMs: TIMEOUT_MS });
  t.equal(result.code, 'auth-required');
  t.equal(result.evidence.status, 407);
  t.same(result.evidence.authSchemes, ['Basic']);
  t.match(result.detail, /Basic/);
});

t.test('with wrong credentials tinyproxy answers 401: auth-rejected', async (t) => {
  if (!requireProgram(t, 'tinyproxy')) return;
  const proxy = await startTinyproxy({ basicAuth: { user: USER, password: PASSWORD } });
  t.teardown(() => proxy.close());

  const config = parseProxyUrl(proxy.url, 'test', { user: USER, password: 'not-the-password' });
  const result = await openTunnel(config, { host: '127.0.0.1', port: 443 }, { timeoutMs: TIMEOUT_MS });
  t.equal(result.code, 'auth-rejected');
  t.equal(result.evidence.status, 401);
  t.equal(result.evidence.attempts, 2);
  t.match(result.detail, /wrong user name or password/);
  t.notMatch(JSON.stringify({ ...result, socket: null }), /not-the-password/);
});

t.test('a port outside ConnectPort is refused (403): rejected', async (t) => {
  if (!requireProgram(t, 'tinyproxy')) return;
  const proxy = await startTinyproxy({ connectPorts: [443] });
  t.teardown(() => proxy.close());

  const result = await openTunnel(parseProxyUrl(proxy.url, 'test'), { host: '127.0.0.1', port: 8443 }, { timeoutMs: TIMEOUT_MS });
  t.equal(result.code, 'rejected');
  t.equal(result.evidence.status, 403);
});

t.test('a target the proxy cannot reach is rejected with the proxy\'s status', async (t) => {
  if (!requireProgram(t, 'tinyproxy')) return;
  const proxy = await startTinyproxy();
  const closed = net.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', () => resolve()));
  const { port } = closed.address() as net.AddressInfo;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  t.teardown(() => proxy.close());

  const result = await openTunnel(parseProxyUrl(proxy.url, 'test'), { host: '127.0.0.1', port }, { timeoutMs: TIMEOUT_MS });
  t.equal(result.code, 'rejected');
  t.equal(result.evidence.status, 500, 'tinyproxy says "500 Unable to connect"');
  t.match(result.detail, /could not open a connection/);
});

t.test('proxyDispatcher fetches a plain http:// URL (a CRL) through the proxy with Basic credentials', async (t) => {
  if (!requireProgram(t, 'tinyproxy')) return;
  const crl = http.createServer((_req, res) => {
    res.setHeader('content-type', 'application/pkix-crl');
    res.end('crl-bytes');
  });
  await new Promise<void>((resolve) => crl.listen(0, '127.0.0.1', () => resolve()));
  const { port } = crl.address() as net.AddressInfo;
  // Only 443 may be tunnelled, as on many corporate proxies: the fetch must be forwarded, not CONNECTed.
  const proxy = await startTinyproxy({ basicAuth: { user: USER, password: PASSWORD }, connectPorts: [443] });
  const good = proxyDispatcher(parseProxyUrl(proxy.url, 'test', { user: USER, password: PASSWORD }));
  const anonymous = proxyDispatcher(parseProxyUrl(proxy.url, 'test'));
  t.teardown(async () => {
    await Promise.all([good.close(), anonymous.close(), proxy.close()]);
    await new Promise<void>((resolve) => crl.close(() => resolve()));
  });

  const res = await request(`http://127.0.0.1:${port}/pki/contoso.crl`, { dispatcher: good });
  t.equal(res.statusCode, 200);
  t.equal(await res.body.text(), 'crl-bytes');
  // undici turns the proxy's 407 into an error rather than a response.
  await t.rejects(
    request(`http://127.0.0.1:${port}/pki/contoso.crl`, { dispatcher: anonymous }),
    /Proxy Authentication Required \(407\)/,
    'without credentials the proxy refuses',
  );
});

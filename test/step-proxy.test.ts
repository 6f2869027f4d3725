import t from 'tap';
import { proxyStep } from '../lib/steps/proxy.js';
import { parseProxyUrl } from '../lib/proxy/select.js';
import { startFixtureProxy } from '../fixtures/proxy-server.js';
import { createTlsClientContext, tlsStep } from '../lib/steps/tls.js';
import { fixtureStarter } from './helpers/fixture.js';

// The proxy step alone: CONNECT through the fixture proxy to a fixture SSTP server, then TLS in the tunnel.

const start = fixtureStarter();

t.test('a proxy that says 200: connected, and the tunnel carries TLS to the server', async (t) => {
  const server = await start(t, 'healthy');
  const proxy = await startFixtureProxy('ok');
  t.teardown(() => proxy.close());
  const out = await proxyStep(parseProxyUrl(proxy.url, 'test'), { host: '127.0.0.1', port: server.port }, { timeoutMs: 5_000 });
  t.match(out.step, { name: 'proxy', status: 'pass', code: 'connected' });
  t.match(out.evidence, { status: 200, proxyConnected: true });
  const tls = await tlsStep(out.socket!, { timeoutMs: 5_000, sni: 'sstp.test', dialled: 'sstp.test', secureContext: createTlsClientContext(server.trustedCaPems) });
  t.equal(tls.step.code, 'established', 'TLS with the server through the tunnel');
  t.ok(tls.chain[0]?.equals(server.certificate!.der));
  tls.socket?.destroy();
});

t.test('a silent proxy: proxy-timeout in whole milliseconds; a cancel reads cancelled with status skip', async (t) => {
  const proxy = await startFixtureProxy('silent');
  t.teardown(() => proxy.close());
  const timedOut = await proxyStep(parseProxyUrl(proxy.url, 'test'), { host: 'vpn.contoso.com', port: 443 }, { timeoutMs: 250.5 });
  t.match(timedOut.step, { status: 'fail', code: 'proxy-timeout', detail: /within 251 ms$/ });
  t.equal(timedOut.socket, null);
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 100);
  const cancelled = await proxyStep(parseProxyUrl(proxy.url, 'test'), { host: 'vpn.contoso.com', port: 443 }, { timeoutMs: 10_000, signal: controller.signal });
  t.match(cancelled.step, { status: 'skip', code: 'cancelled' });
});

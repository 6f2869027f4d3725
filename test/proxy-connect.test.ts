import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import util from 'node:util';
import createDebug from 'debug';
import t from 'tap';
import { startFixtureProxy, type FixtureProxyBehaviour } from '../fixtures/proxy-server.js';
import { openTunnel, type ProxyTunnelResult } from '../lib/proxy/connect.js';
import { parseProxyUrl } from '../lib/proxy/select.js';
import { selfSignedLocalhost, startTlsEcho, type TlsEchoServer } from './helpers/proxy-tls-target.js';

const TIMEOUT_MS = 3000;

/** Runs a TLS handshake through the tunnel to the echo server and echoes one message. */
async function echoOverTls(socket: Duplex, echo: TlsEchoServer, message: string): Promise<string> {
  const secure = tls.connect({ socket, servername: 'localhost', ca: [echo.certPem] });
  try {
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', () => resolve());
      secure.once('error', reject);
    });
    secure.write(message);
    return await new Promise<string>((resolve, reject) => {
      let got = '';
      secure.on('data', (chunk: Buffer) => {
        got += chunk.toString();
        if (got.length >= message.length) resolve(got);
      });
      secure.once('error', reject);
    });
  } finally {
    secure.destroy();
  }
}

/** Everything a user or a log could see of a result. */
function visible(result: ProxyTunnelResult): string {
  const { socket: _socket, ...rest } = result;
  return JSON.stringify(rest);
}

t.test('through a working proxy the tunnel carries a TLS handshake to the target', async (t) => {
  const echo = await startTlsEcho();
  const fixture = await startFixtureProxy('ok');
  t.teardown(() => Promise.all([echo.close(), fixture.close()]));

  const result = await openTunnel(parseProxyUrl(fixture.url, 'test'), echo, { timeoutMs: TIMEOUT_MS });
  t.equal(result.status, 'pass');
  t.equal(result.code, 'connected');
  t.equal(result.detail, null);
  t.equal(result.evidence.status, 200);
  t.equal(result.evidence.statusLine, 'HTTP/1.1 200 Connection established');
  t.equal(result.evidence.httpVersion, '1.1');
  t.equal(result.evidence.headers.via, '1.1 fixture-proxy');
  t.equal(result.evidence.attempts, 1);
  t.equal(result.evidence.authSent, 'none');
  t.equal(result.evidence.proxy, `http://127.0.0.1:${fixture.port}`);
  t.ok(result.socket, 'a socket is handed over');
  t.equal(await echoOverTls(result.socket as Duplex, echo, 'hello through the tunnel'), 'hello through the tunnel');
});

t.test('an HTTP/1.0 "200" is accepted and its version recorded', async (t) => {
  const echo = await startTlsEcho();
  const fixture = await startFixtureProxy('http10-ok');
  t.teardown(() => Promise.all([echo.close(), fixture.close()]));

  const result = await openTunnel(parseProxyUrl(fixture.url, 'test'), echo, { timeoutMs: TIMEOUT_MS });
  t.equal(result.code, 'connected');
  t.equal(result.evidence.httpVersion, '1.0');
  t.equal(result.evidence.statusLine, 'HTTP/1.0 200 Connection established');
  t.match(result.detail, /HTTP\/1\.0/);
  t.equal(await echoOverTls(result.socket as Duplex, echo, 'ping'), 'ping');
});

t.test('through an https:// proxy the tunnel runs TLS inside TLS', async (t) => {
  const echo = await startTlsEcho();
  const proxyCert = selfSignedLocalhost();
  const fixture = await startFixtureProxy('ok', { tls: { cert: proxyCert.certPem, key: proxyCert.keyPem } });
  t.teardown(() => Promise.all([echo.close(), fixture.close()]));
  const proxy = parseProxyUrl(fixture.url, 'test');
  t.equal(proxy.protocol, 'https:');

  const result = await openTunnel(proxy, echo, { timeoutMs: TIMEOUT_MS, caCertificates: [proxyCert.certPem] });
  t.equal(result.code, 'connected', result.detail ?? '');
  t.equal(await echoOverTls(result.socket as Duplex, echo, 'inner TLS'), 'inner TLS');

  const untrusted = await openTunnel(proxy, echo, { timeoutMs: TIMEOUT_MS });
  t.equal(untrusted.code, 'proxy-tls-failed', 'the proxy certificate is verified by default');
  t.match(untrusted.detail, /self.signed|SELF_SIGNED/i);
  const unchecked = await openTunnel(proxy, echo, { timeoutMs: TIMEOUT_MS, rejectUnauthorizedProxy: false });
  t.equal(unchecked.code, 'connected', 'unless verification is turned off');
  unchecked.socket?.destroy();
});

t.test('the CONNECT request names host:port in the request line and in Host, whatever the port', async (t) => {
  const fixture = await startFixtureProxy('status:403');
  t.teardown(() => fixture.close());
  const proxy = parseProxyUrl(fixture.url, 'test');

  await openTunnel(proxy, { host: 'vpn.contoso.com', port: 8443 }, { timeoutMs: TIMEOUT_MS });
  await openTunnel(proxy, { host: '2001:db8::5', port: 443 }, { timeoutMs: TIMEOUT_MS });
  await openTunnel(proxy, { host: '[2001:db8::6]', port: 4433 }, { timeoutMs: TIMEOUT_MS });

  t.equal(fixture.connects[0]?.requestLine, 'CONNECT vpn.contoso.com:8443 HTTP/1.1');
  t.equal(fixture.connects[0]?.headers.host, 'vpn.contoso.com:8443');
  t.equal(fixture.connects[0]?.headers.sstpversion, '1.0', 'as Windows clients send it (MS-SSTP §4)');
  t.equal(fixture.connects[1]?.requestLine, 'CONNECT [2001:db8::5]:443 HTTP/1.1');
  t.equal(fixture.connects[1]?.headers.host, '[2001:db8::5]:443');
  t.equal(fixture.connects[2]?.requestLine, 'CONNECT [2001:db8::6]:4433 HTTP/1.1');
  t.equal(fixture.connects[0]?.headers['proxy-authorization'], undefined, 'no credentials without a 407');
});

t.test('each way a proxy can fail gives its own code and evidence', async (t) => {
  const target = { host: 'vpn.contoso.com', port: 443 };
  const cases: Array<{
    behaviour: FixtureProxyBehaviour;
    code: string;
    status: number | null;
    schemes?: string[];
    statusLine?: string | null;
    detail: RegExp;
  }> = [
    { behaviour: 'ntlm', code: 'auth-required', status: 407, schemes: ['NTLM', 'Negotiate'], detail: /accepts NTLM, Negotiate; no proxy credentials were given/ },
    { behaviour: 'digest', code: 'auth-required', status: 407, schemes: ['Digest'], detail: /Digest.*does not support/ },
    { behaviour: 'status:401', code: 'auth-rejected', status: 401, detail: /401/ },
    { behaviour: 'status:403', code: 'rejected', status: 403, statusLine: 'HTTP/1.1 403 Forbidden', detail: /forbids a tunnel to vpn\.contoso\.com:443/ },
    { behaviour: 'status:502', code: 'rejected', status: 502, detail: /could not open a connection to vpn\.contoso\.com:443 \(502\)/ },
    { behaviour: 'status:504', code: 'rejected', status: 504, detail: /timed out connecting/ },
    { behaviour: 'garbage', code: 'bad-response', status: null, statusLine: 'SSH-2.0-OpenSSH_9.2p1 Debian-2', detail: /not answer in HTTP/ },
    { behaviour: 'close', code: 'closed', status: null, statusLine: null, detail: /closed the connection without answering/ },
  ];
  for (const c of cases) {
    const fixture = await startFixtureProxy(c.behaviour);
    const result = await openTunnel(parseProxyUrl(fixture.url, 'test'), target, { timeoutMs: TIMEOUT_MS });
    await fixture.close();
    t.equal(result.status, 'fail', `${c.behaviour}: fails`);
    t.equal(result.code, c.code, `${c.behaviour}: code`);
    t.equal(result.evidence.status, c.status, `${c.behaviour}: status`);
    t.equal(result.socket, null, `${c.behaviour}: no socket`);
    t.equal(result.evidence.proxyConnected, true, `${c.behaviour}: the proxy itself was reached`);
    t.match(result.detail, c.detail, `${c.behaviour}: detail`);
    if (c.schemes !== undefined) t.same(result.evidence.authSchemes, c.schemes, `${c.behaviour}: schemes`);
    if (c.statusLine !== undefined) t.equal(result.evidence.statusLine, c.statusLine, `${c.behaviour}: status line`);
  }
});

t.test('a proxy that never answers is a timeout, distinct from an unreachable one', async (t) => {
  const fixture = await startFixtureProxy('silent');
  t.teardown(() => fixture.close());
  const result = await openTunnel(parseProxyUrl(fixture.url, 'test'), { host: 'vpn.contoso.com', port: 443 }, { timeoutMs: 300 });
  t.equal(result.code, 'proxy-timeout');
  t.equal(result.evidence.proxyConnected, true);
  t.equal(result.evidence.statusLine, null);
  t.match(result.detail, /accepted the connection but did not answer CONNECT within 300 ms/);
  t.equal(fixture.connects.length, 1, 'the proxy did receive the CONNECT');
});

t.test('the wait a proxy timeout names is in whole milliseconds', async (t) => {
  // What is left of the overall deadline is rarely a whole number of milliseconds.
  const fixture = await startFixtureProxy('silent');
  t.teardown(() => fixture.close());
  const result = await openTunnel(parseProxyUrl(fixture.url, 'test'), { host: 'vpn.contoso.com', port: 443 }, { timeoutMs: 299.6180339 });
  t.equal(result.code, 'proxy-timeout');
  t.match(result.detail, /did not answer CONNECT within 300 ms$/);
});

t.test('a proxy that never completes its connection is a timeout before the proxy was reached', async (t) => {
  // An https:// proxy whose TLS never starts: TCP is accepted, the handshake gets no answer.
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => sockets.add(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  t.teardown(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const { port } = server.address() as net.AddressInfo;
  const result = await openTunnel(parseProxyUrl(`https://127.0.0.1:${port}`, 'test'), { host: 'vpn', port: 443 }, {
    timeoutMs: 300,
  });
  t.equal(result.code, 'proxy-timeout');
  t.equal(result.evidence.proxyConnected, false);
  t.match(result.detail, /did not complete TLS within 300 ms/);
});

t.test('nothing listening on the proxy port is proxy-unreachable', async (t) => {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));

  const result = await openTunnel(parseProxyUrl(`http://127.0.0.1:${port}`, 'test'), { host: 'vpn.contoso.com', port: 443 }, {
    timeoutMs: TIMEOUT_MS,
  });
  t.equal(result.code, 'proxy-unreachable');
  t.equal(result.evidence.proxyConnected, false);
  t.match(result.detail, /refused the connection/);
});

t.test('cancelling through the AbortSignal gives "cancelled"', async (t) => {
  const fixture = await startFixtureProxy('silent');
  t.teardown(() => fixture.close());
  const controller = new AbortController();
  const pending = openTunnel(parseProxyUrl(fixture.url, 'test'), { host: 'vpn.contoso.com', port: 443 }, {
    timeoutMs: 10_000,
    signal: controller.signal,
  });
  setTimeout(() => controller.abort(), 50);
  const result = await pending;
  t.equal(result.code, 'cancelled');
  t.equal(result.status, 'fail');
  const already = await openTunnel(parseProxyUrl(fixture.url, 'test'), { host: 'x', port: 443 }, {
    timeoutMs: 1000,
    signal: AbortSignal.abort(),
  });
  t.equal(already.code, 'cancelled', 'an already-aborted signal makes no connection');
});

t.test('Basic authentication: one retry (here on a fresh connection: the proxy closes after its 407), never a loop', async (t) => {
  const echo = await startTlsEcho();
  const fixture = await startFixtureProxy('ok', { basicAuth: { user: 'alice', password: 'Corr3ct-Horse' } });
  t.teardown(() => Promise.all([echo.close(), fixture.close()]));

  const none = await openTunnel(parseProxyUrl(fixture.url, 'test'), echo, { timeoutMs: TIMEOUT_MS });
  t.equal(none.code, 'auth-required', 'no credentials configured');
  t.same(none.evidence.authSchemes, ['Basic']);
  t.equal(none.evidence.attempts, 1);
  t.match(none.detail, /accepts Basic; no proxy credentials were given/);

  fixture.connects.length = 0;
  const good = await openTunnel(parseProxyUrl(`http://alice:Corr3ct-Horse@127.0.0.1:${fixture.port}`, 'test'), echo, {
    timeoutMs: TIMEOUT_MS,
  });
  t.equal(good.code, 'connected');
  t.equal(good.evidence.attempts, 2);
  t.equal(good.evidence.authSent, 'basic');
  t.equal(fixture.connects.length, 2);
  t.equal(fixture.connects[0]?.headers['proxy-authorization'], undefined, 'the first CONNECT carries no credentials');
  t.equal(fixture.connects[1]?.headers['proxy-authorization'], `Basic ${Buffer.from('alice:Corr3ct-Horse').toString('base64')}`);
  t.equal(await echoOverTls(good.socket as Duplex, echo, 'authenticated'), 'authenticated');

  fixture.connects.length = 0;
  const bad = await openTunnel(parseProxyUrl(`http://alice:wrong-one@127.0.0.1:${fixture.port}`, 'test'), echo, {
    timeoutMs: TIMEOUT_MS,
  });
  t.equal(bad.code, 'auth-rejected');
  t.equal(bad.evidence.status, 407);
  t.equal(bad.evidence.attempts, 2);
  t.equal(fixture.connects.length, 2, 'exactly one retry');
});

t.test('credentials are never sent to a proxy offering only schemes sstp-probe cannot answer (Digest)', async (t) => {
  const fixture = await startFixtureProxy('digest');
  t.teardown(() => fixture.close());
  const result = await openTunnel(parseProxyUrl(`http://bob:S3cret-ntlm@127.0.0.1:${fixture.port}`, 'test'), { host: 'vpn', port: 443 }, {
    timeoutMs: TIMEOUT_MS,
  });
  t.equal(result.code, 'auth-required');
  t.equal(result.evidence.authSent, 'none');
  t.equal(fixture.connects.length, 1);
  t.equal(fixture.connects[0]?.headers['proxy-authorization'], undefined);
});

t.test('the password and the Authorization value appear nowhere: results, details, evidence, debug log', async (t) => {
  const password = 'Xyzzy-Plugh-42';
  const token = Buffer.from(`alice:${password}`).toString('base64');
  // A hostile proxy: asks for Basic, then reflects the credentials it got in its status line and a header.
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => s.destroy());
    connections++;
    let head = '';
    s.on('data', (chunk: Buffer) => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      if (connections === 1) {
        s.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="x"\r\n\r\n');
        return;
      }
      const auth = /proxy-authorization: ([^\r\n]*)/i.exec(head)?.[1] ?? '';
      s.end(`HTTP/1.1 403 ${auth}\r\nVia: 1.1 ${auth} ${password}\r\nServer: echo ${head.replace(/\r\n/g, ' | ')}\r\n\r\n`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as net.AddressInfo;

  const logged: string[] = [];
  const previousLog = createDebug.log;
  createDebug.enable('sstp-probe:*');
  createDebug.log = (...args: unknown[]) => {
    logged.push(util.format(...args));
  };
  t.teardown(async () => {
    createDebug.disable();
    createDebug.log = previousLog;
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const proxy = parseProxyUrl(`http://alice:${password}@127.0.0.1:${port}`, 'test');
  const result = await openTunnel(proxy, { host: 'vpn.contoso.com', port: 443 }, { timeoutMs: TIMEOUT_MS });
  t.equal(result.code, 'rejected');
  t.equal(result.evidence.authSent, 'basic');
  t.equal(result.evidence.statusLine, 'HTTP/1.1 403 Basic ***', 'a reflected credential is masked');
  t.ok(logged.length > 0, 'the debug log was written');

  const everything = [visible(result), util.inspect(result.evidence), result.detail ?? '', ...logged].join('\n');
  t.notOk(everything.includes(password), 'no password');
  t.notOk(everything.includes(token), 'no Authorization value');
  t.notOk(everything.includes(encodeURIComponent(password)), 'no encoded password');
});

t.test('invalid input is refused before any connection', async (t) => {
  const proxy = parseProxyUrl('http://127.0.0.1:9', 'test');
  await t.rejects(openTunnel(proxy, { host: 'evil\r\nX-Injected: 1', port: 443 }, { timeoutMs: 1000 }), TypeError);
  await t.rejects(openTunnel(proxy, { host: 'vpn', port: 70000 }, { timeoutMs: 1000 }), RangeError);
  await t.rejects(openTunnel(proxy, { host: 'vpn', port: 443 }, { timeoutMs: 0 }), RangeError);
});

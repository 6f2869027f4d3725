import t from 'tap';
import { createServer, type Socket } from 'node:net';
import { fetchBounded } from '../lib/cert-online/fetch.js';

// CRL / OCSP / AIA fetches without a proxy go through Node's HTTP client with kept-alive connections. A server
// that closes an idle connection just as it is reused must not turn into an "unreachable" verdict.

t.test('a kept-alive connection the server drops on reuse is retried once on a new connection', async (t) => {
  const body = 'crl bytes';
  let connections = 0;
  const server = createServer((socket: Socket) => {
    connections++;
    let requests = 0;
    socket.on('data', (chunk) => {
      if (!chunk.includes('\r\n\r\n')) return;
      requests++;
      // The first request on a connection is answered and the connection kept; a second one on the same
      // connection finds it closed, as when the server's idle timer fires while the request is on its way.
      if (requests === 1) socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\nConnection: keep-alive\r\n\r\n${body}`);
      else socket.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as { port: number };
  const url = `http://127.0.0.1:${port}/issuing.crl`;

  const first = await fetchBounded(url, { timeoutMs: 5_000 });
  t.same([first.outcome, first.body?.toString()], ['ok', body]);
  const second = await fetchBounded(url, { timeoutMs: 5_000 });
  t.same([second.outcome, second.body?.toString()], ['ok', body], 'the second fetch is answered, not reported as a reset');
  t.equal(connections, 2, 'the retry opened a new connection');
});

t.test('a server that resets a fresh connection is still a reset', async (t) => {
  const server = createServer((socket: Socket) => socket.on('data', () => socket.destroy()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as { port: number };
  const result = await fetchBounded(`http://127.0.0.1:${port}/a.crl`, { timeoutMs: 5_000 });
  t.equal(result.outcome, 'reset');
});

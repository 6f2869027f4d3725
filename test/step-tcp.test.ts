import t from 'tap';
import { createServer } from 'node:net';
import { tcpStep } from '../lib/steps/tcp.js';
import { silentListener } from './helpers/silent-listener.js';

// The tcp step alone, against real loopback listeners.

t.test('a listener: connected, and the socket is handed over', async (t) => {
  const port = await silentListener(t);
  const out = await tcpStep('127.0.0.1', port, { timeoutMs: 5_000 });
  t.match(out.step, { name: 'tcp', status: 'pass', code: 'connected', detail: `connected to 127.0.0.1:${port}` });
  t.ok(out.socket && !out.socket.destroyed, 'an open socket');
  out.socket?.destroy();
});

t.test('a closed port: refused (TCP RST), no socket', async (t) => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const out = await tcpStep('127.0.0.1', port, { timeoutMs: 5_000 });
  t.match(out.step, { status: 'fail', code: 'refused', detail: `127.0.0.1:${port} refused the connection (TCP RST)` });
  t.equal(out.socket, null);
});

t.test('IPv6 loopback is written in brackets', async (t) => {
  const server = createServer();
  const listening = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(0, '::1', () => resolve(true));
  });
  if (!listening) {
    t.pass('no IPv6 loopback here');
    return;
  }
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const out = await tcpStep('::1', port, { timeoutMs: 5_000 });
  t.match(out.step.detail, new RegExp(`^\\[::1\\]:${port} refused`));
});

t.test('a signal aborted before the call: cancelled, no connection attempt', async (t) => {
  let connections = 0;
  const server = createServer((s) => {
    connections += 1;
    s.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  const port = (server.address() as { port: number }).port;
  const out = await tcpStep('127.0.0.1', port, { timeoutMs: 5_000, signal: AbortSignal.abort() });
  t.match(out.step, { status: 'skip', code: 'cancelled' });
  t.equal(out.socket, null);
  await new Promise((resolve) => setTimeout(resolve, 100));
  t.equal(connections, 0, 'the listener saw no connection');
});

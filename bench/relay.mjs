// A user-space TCP relay on loopback that holds every chunk for `delayMs` in each direction, so that a
// request/response exchange through it costs 2 x delayMs: an emulated round trip, for machines whose kernel
// has no netem. What it cannot delay is the TCP handshake itself (the kernel completes it before the relay
// sees the connection), so a TCP connect through it costs no emulated round trip: benchmarks add that one
// by hand. Ordering is kept: chunks leave in the order they arrived, each exactly delayMs later.
import { createServer, connect } from 'node:net';

export async function startDelayRelay({ targetHost = '127.0.0.1', targetPort, delayMs = 25, host = '127.0.0.1' }) {
  const sockets = new Set();
  const track = (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
  };
  const forward = (from, to) => {
    from.on('data', (chunk) => setTimeout(() => { if (!to.destroyed) to.write(chunk); }, delayMs));
    from.on('end', () => setTimeout(() => { if (!to.destroyed) to.end(); }, delayMs));
    from.on('close', () => setTimeout(() => to.destroy(), delayMs + 1));
  };
  const server = createServer({ allowHalfOpen: true }, (client) => {
    const upstream = connect({ host: targetHost, port: targetPort, allowHalfOpen: true });
    track(client);
    track(upstream);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    forward(client, upstream);
    forward(upstream, client);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const { port } = server.address();
  return {
    port,
    address: `${host}:${port}`,
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

import { createServer, type Socket } from 'node:net';
import type { Test } from 'tap';

/**
 * A loopback TCP listener that accepts and never writes: a port where TCP works and nothing answers. Closed,
 * with every accepted socket, when the test ends. Resolves with its port.
 */
export async function silentListener(t: Test): Promise<number> {
  const accepted = new Set<Socket>();
  const server = createServer((socket) => accepted.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    for (const socket of accepted) socket.destroy();
    server.close();
  });
  return (server.address() as { port: number }).port;
}

import net from 'node:net';
import type { ChildProcess } from 'node:child_process';

// Shared by the helpers that run Debian daemons (tinyproxy, haproxy) on a free loopback port: neither can
// bind port 0 and report it, so a free port is picked first and the daemon is polled until it accepts.

export { unusedPort as freePort } from '../../lib/demo.js';

const START_TIMEOUT_MS = 5000;

export async function waitUntilAccepting(name: string, port: number, child: ChildProcess, output: () => string): Promise<void> {
  const until = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < until) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${name} exited during start-up (${child.exitCode ?? child.signalCode}): ${output().trim()}`);
    }
    if (await accepts(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${name} did not accept connections on 127.0.0.1:${port} within ${START_TIMEOUT_MS} ms: ${output().trim()}`);
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { unusedPort } from '../../fixtures/ports.js';

// Runs a Debian daemon (tinyproxy, haproxy) for a test: in the foreground, on a free loopback port, with a
// config generated into a temp dir. Neither daemon can bind port 0 and report it, so a free port is picked
// first and the daemon is polled until it accepts. close() stops it and removes the temp dir; a daemon is
// also killed if the test process exits first.

const START_TIMEOUT_MS = 5000;
const ATTEMPTS = 3;

export interface DaemonSpec {
  /** The program, also used in messages and the temp dir's name. */
  program: string;
  /** Writes the config for `port` into `dir` and returns the program's arguments. */
  prepare(port: number, dir: string): string[];
  /**
   * A port found free can be taken before the daemon binds it, so start-up is retried on a fresh port:
   * for every failure by default, or only those this says are about the port.
   */
  retryWhen?: (error: Error) => boolean;
}

export interface Daemon {
  port: number;
  pid: number;
  close(): Promise<void>;
}

export async function startDaemon(spec: DaemonSpec): Promise<Daemon> {
  let lastError: Error | null = null;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    try {
      return await startOnce(spec, await unusedPort());
    } catch (error) {
      lastError = error as Error;
      if (spec.retryWhen && !spec.retryWhen(lastError)) break;
    }
  }
  throw lastError;
}

async function startOnce(spec: DaemonSpec, port: number): Promise<Daemon> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `sstp-probe-${spec.program}-`));
  let child: ChildProcess;
  try {
    child = spawn(spec.program, spec.prepare(port, dir), { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  let output = '';
  const keep = (chunk: Buffer): void => {
    if (output.length < 8192) output += chunk.toString();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const spawnFailed = new Promise<never>((_, reject) =>
    child.once('error', (error) => reject(new Error(`${spec.program} could not be started: ${error.message}`))),
  );
  const killAtExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killAtExit);
  const close = async (): Promise<void> => {
    process.off('exit', killAtExit);
    await stop(child);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await Promise.race([waitUntilAccepting(spec.program, port, child, () => output), spawnFailed]);
  } catch (error) {
    await close();
    throw error;
  }
  return { port, pid: child.pid!, close };
}

async function waitUntilAccepting(name: string, port: number, child: ChildProcess, output: () => string): Promise<void> {
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

/** SIGTERM (haproxy's hard stop, tinyproxy's normal one), then SIGKILL after 2 s. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
  await exited;
  clearTimeout(timer);
}

// A real HTTP proxy for tests: tinyproxy (Debian package "tinyproxy"), run in the foreground on a free
// loopback port with a generated config. tinyproxy answers 407 to a CONNECT without credentials and 401
// to wrong ones, 403 to a port outside its ConnectPort list, and 500 when it cannot reach the target.

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { freePort, waitUntilAccepting } from './daemon.js';
import os from 'node:os';
import path from 'node:path';

export interface TinyproxyOptions {
  /** tinyproxy's config grammar allows only [-A-Za-z0-9._] in user and password. */
  basicAuth?: { user: string; password: string };
  /** Ports CONNECT may reach; tinyproxy allows every port when none is listed. */
  connectPorts?: number[];
}

export interface Tinyproxy {
  url: string;
  port: number;
  close(): Promise<void>;
}


export async function startTinyproxy(options: TinyproxyOptions = {}): Promise<Tinyproxy> {
  const auth = options.basicAuth;
  if (auth !== undefined && !/^[-A-Za-z0-9._]+$/.test(auth.user + auth.password)) {
    throw new Error('tinyproxy BasicAuth accepts only letters, digits, "-", "." and "_"');
  }
  let lastError: unknown = null;
  // A port found free can be taken before tinyproxy binds it: try a few.
  for (let i = 0; i < 3; i++) {
    try {
      return await startOnce(await freePort(), options);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

async function startOnce(port: number, options: TinyproxyOptions): Promise<Tinyproxy> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sstp-probe-tinyproxy-'));
  const lines = [
    `Port ${port}`,
    'Listen 127.0.0.1',
    'Timeout 30',
    'MaxClients 16',
    'LogLevel Warning',
    'Allow 127.0.0.1',
    ...(options.basicAuth !== undefined ? [`BasicAuth ${options.basicAuth.user} ${options.basicAuth.password}`] : []),
    ...(options.connectPorts ?? []).map((p) => `ConnectPort ${p}`),
  ];
  const configPath = path.join(dir, 'tinyproxy.conf');
  fs.writeFileSync(configPath, `${lines.join('\n')}\n`);

  const child = spawn('tinyproxy', ['-d', '-c', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer): void => {
    if (output.length < 8192) output += chunk.toString();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const killAtExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killAtExit);

  const cleanup = async (): Promise<void> => {
    process.off('exit', killAtExit);
    await stop(child);
    fs.rmSync(dir, { recursive: true, force: true });
  };

  try {
    await waitUntilAccepting('tinyproxy', port, child, () => output);
  } catch (error) {
    await cleanup();
    throw error;
  }
  return { url: `http://127.0.0.1:${port}`, port, close: cleanup };
}


async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
  await exited;
  clearTimeout(timer);
}

// A real TLS-terminating reverse proxy for tests: haproxy (Debian package "haproxy", 2.6 in bookworm), run
// in the foreground on a free loopback port with a generated config. It ends the client's TLS with its own
// certificate and opens a second TLS connection to the server behind it, as a load balancer or web
// application proxy in front of RRAS does: the client sees the proxy's certificate, never the server's.
// In `mode tcp` haproxy relays the bytes inside TLS untouched, so SSTP_DUPLEX_POST and the SSTP/PPP
// exchange that follows pass through unchanged.

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { freePort, waitUntilAccepting } from './daemon.js';
import os from 'node:os';
import path from 'node:path';

export interface HaproxyOptions {
  /** The certificate haproxy presents, leaf first; any intermediates after it are sent too. */
  frontendCertPem: string;
  /** The frontend certificate's private key (PEM). */
  frontendKeyPem: string;
  /** Loopback port of the TLS server haproxy forwards to (re-encrypted, its certificate not verified). */
  backendPort: number;
}

export interface Haproxy {
  /** Loopback port haproxy listens on (127.0.0.1). */
  port: number;
  /** `127.0.0.1:<port>`, a probe target. */
  address: string;
  /** haproxy's process id, gone once close() resolves. */
  pid: number;
  close(): Promise<void>;
}


export async function startHaproxy(options: HaproxyOptions): Promise<Haproxy> {
  let lastError: unknown = null;
  // haproxy refuses `bind ...:0`, so a free port is found first; another process can take it before haproxy
  // binds it: try a few times, but only for that reason.
  for (let i = 0; i < 3; i++) {
    try {
      return await startOnce(await freePort(), options);
    } catch (error) {
      lastError = error;
      if (!/cannot bind|address already in use/i.test((error as Error).message)) break;
    }
  }
  throw lastError;
}

/** One haproxy instance: TLS in on the frontend, TLS out to the backend, bytes relayed untouched between. */
function haproxyConfig(port: number, backendPort: number, crtPath: string): string {
  return [
    'global',
    '  maxconn 64',
    'defaults',
    '  mode tcp',
    '  timeout connect 5s',
    // An SSTP call is one long-lived connection: idle gaps between PPP frames must not end it.
    '  timeout client 60s',
    '  timeout server 60s',
    'frontend sstp',
    `  bind 127.0.0.1:${port} ssl crt ${crtPath}`,
    '  default_backend rras',
    'backend rras',
    `  server s1 127.0.0.1:${backendPort} ssl verify none`,
    '',
  ].join('\n');
}

async function startOnce(port: number, options: HaproxyOptions): Promise<Haproxy> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sstp-probe-haproxy-'));
  // haproxy's `crt` reads one file holding the certificate chain and its key.
  const crtPath = path.join(dir, 'frontend.pem');
  fs.writeFileSync(crtPath, `${options.frontendCertPem.trim()}\n${options.frontendKeyPem.trim()}\n`, { mode: 0o600 });
  const configPath = path.join(dir, 'haproxy.cfg');
  fs.writeFileSync(configPath, haproxyConfig(port, options.backendPort, crtPath));

  // -db: stay in the foreground and do not fork, so killing this child ends haproxy.
  const child = spawn('haproxy', ['-db', '-f', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer): void => {
    if (output.length < 8192) output += chunk.toString();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const spawnFailed = new Promise<Error>((resolve) => child.once('error', resolve));
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
    await Promise.race([
      waitUntilAccepting('haproxy', port, child, () => output),
      spawnFailed.then((error) => {
        throw new Error(`haproxy could not be started: ${error.message}`);
      }),
    ]);
  } catch (error) {
    await cleanup();
    throw error;
  }
  return { port, address: `127.0.0.1:${port}`, pid: child.pid!, close: cleanup };
}


async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // SIGTERM is haproxy's hard stop: it closes every connection at once rather than draining them.
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
  await exited;
  clearTimeout(timer);
}

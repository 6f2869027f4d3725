// haproxy (Debian 2.6) as the load balancer of a large SSTP deployment, for tests: several RRAS stand-ins
// behind one address, and TLS offload to an RRAS that speaks SSTP over plain HTTP. In `mode tcp` haproxy
// relays the bytes untouched, so SSTP_DUPLEX_POST and the SSTP / PPP exchange pass through unchanged.

import fs from 'node:fs';
import path from 'node:path';
import { startDaemon } from './daemon.js';

export interface Balancer {
  /** Loopback port haproxy listens on (127.0.0.1). */
  port: number;
  /** `127.0.0.1:<port>`, a probe target. */
  address: string;
  pid: number;
  close(): Promise<void>;
}

const DEFAULTS = [
  'global',
  '  maxconn 256',
  'defaults',
  '  mode tcp',
  '  timeout connect 2s',
  // An SSTP call is one long-lived connection: idle gaps between PPP frames must not end it.
  '  timeout client 60s',
  '  timeout server 60s',
];

/**
 * TCP pass-through, round robin over `backendPorts` (each a TLS server of its own) and no health checks: a
 * member whose port is closed stays in the pool, as it does on a balancer without checks configured.
 */
export function startRoundRobin(backendPorts: number[]): Promise<Balancer> {
  return start((port) => [
    ...DEFAULTS,
    'frontend sstp',
    `  bind 127.0.0.1:${port}`,
    '  default_backend rras',
    'backend rras',
    '  balance roundrobin',
    ...backendPorts.map((backend, i) => `  server member${i + 1} 127.0.0.1:${backend}`),
    '',
  ]);
}

export interface OffloadOptions {
  /** The certificate clients see (leaf first, then intermediates) and its key, PEM. */
  certPem: string;
  keyPem: string;
  /** Loopback port of the RRAS stand-in speaking SSTP over plain HTTP. */
  backendPort: number;
}

/** TLS ends on haproxy; the bytes inside go on as plain HTTP to the offloaded RRAS. */
export function startTlsOffload(options: OffloadOptions): Promise<Balancer> {
  return start((port, dir) => {
    // haproxy's `crt` reads one file holding the certificate chain and its key.
    const crtPath = path.join(dir, 'frontend.pem');
    fs.writeFileSync(crtPath, `${options.certPem.trim()}\n${options.keyPem.trim()}\n`, { mode: 0o600 });
    return [
      ...DEFAULTS,
      'frontend sstp',
      `  bind 127.0.0.1:${port} ssl crt ${crtPath}`,
      '  default_backend rras',
      'backend rras',
      `  server offloaded 127.0.0.1:${options.backendPort}`,
      '',
    ];
  });
}

async function start(config: (port: number, dir: string) => string[]): Promise<Balancer> {
  const daemon = await startDaemon({
    program: 'haproxy',
    prepare(port, dir) {
      const configPath = path.join(dir, 'haproxy.cfg');
      fs.writeFileSync(configPath, config(port, dir).join('\n'));
      // -db: stay in the foreground and do not fork, so stopping this child ends haproxy.
      return ['-db', '-f', configPath];
    },
    retryWhen: (error) => /cannot bind|address already in use/i.test(error.message),
  });
  return { ...daemon, address: `127.0.0.1:${daemon.port}` };
}

// A real TLS-terminating reverse proxy for tests: haproxy (Debian package "haproxy", 2.6 in bookworm), run
// in the foreground on a free loopback port with a generated config. It ends the client's TLS with its own
// certificate and opens a second TLS connection to the server behind it, as a load balancer or web
// application proxy in front of RRAS does: the client sees the proxy's certificate, never the server's.
// In `mode tcp` haproxy relays the bytes inside TLS untouched, so SSTP_DUPLEX_POST and the SSTP/PPP
// exchange that follows pass through unchanged.

import fs from 'node:fs';
import { startDaemon } from './daemon.js';
import path from 'node:path';

export interface HaproxyOptions {
  /** The certificate haproxy presents, leaf first; any intermediates after it are sent too. */
  frontendCertPem: string;
  /** The frontend certificate's private key (PEM). */
  frontendKeyPem: string;
  /** Loopback port of the TLS server haproxy forwards to (re-encrypted, its certificate not verified). */
  backendPort: number;
  /**
   * The frontend's TLS policy on the `bind` line, which decides which clients get through, as on a load
   * balancer in front of RRAS: e.g. ['ssl-min-ver TLSv1.3'] or ['ssl-max-ver TLSv1.2', 'ciphers ECDHE-RSA-CHACHA20-POLY1305'].
   */
  bindPolicy?: string[];
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
  const daemon = await startDaemon({
    program: 'haproxy',
    prepare(port, dir) {
      // haproxy's `crt` reads one file holding the certificate chain and its key.
      const crtPath = path.join(dir, 'frontend.pem');
      fs.writeFileSync(crtPath, `${options.frontendCertPem.trim()}\n${options.frontendKeyPem.trim()}\n`, { mode: 0o600 });
      const configPath = path.join(dir, 'haproxy.cfg');
      fs.writeFileSync(configPath, haproxyConfig(port, options.backendPort, crtPath, options.bindPolicy ?? []));
      // -db: stay in the foreground and do not fork, so stopping this child ends haproxy.
      return ['-db', '-f', configPath];
    },
    // Any other start-up failure (a bad key, a config error) would fail again on another port.
    retryWhen: (error) => /cannot bind|address already in use/i.test(error.message),
  });
  return { ...daemon, address: `127.0.0.1:${daemon.port}` };
}

/** One haproxy instance: TLS in on the frontend, TLS out to the backend, bytes relayed untouched between. */
function haproxyConfig(port: number, backendPort: number, crtPath: string, bindPolicy: string[]): string {
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
    `  bind 127.0.0.1:${port} ssl crt ${[crtPath, ...bindPolicy].join(' ')}`,
    '  default_backend rras',
    'backend rras',
    `  server s1 127.0.0.1:${backendPort} ssl verify none`,
    '',
  ].join('\n');
}

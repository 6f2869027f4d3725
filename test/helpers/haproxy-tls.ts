import fs from 'node:fs';
import path from 'node:path';
import { startDaemon } from './daemon.js';

// haproxy as the TLS front end of an SSTP server with its own TLS policy: the `bind` line's ssl-min-ver,
// ssl-max-ver and ciphers decide which clients get through, as on a load balancer in front of RRAS. The
// bytes inside TLS are relayed untouched (mode tcp) to the server behind it, re-encrypted.

export interface TlsFrontOptions {
  /** The certificate haproxy presents, leaf first, intermediates after it. */
  certPem: string;
  keyPem: string;
  /** Loopback port of the TLS server behind it (its certificate is not verified). */
  backendPort: number;
  /** haproxy `bind` TLS settings, e.g. ['ssl-min-ver TLSv1.3'] or ['ssl-max-ver TLSv1.2', 'ciphers ECDHE-RSA-CHACHA20-POLY1305']. */
  policy: string[];
}

export interface TlsFront {
  port: number;
  /** `127.0.0.1:<port>`, a probe target. */
  address: string;
  close(): Promise<void>;
}

export async function startTlsFront(options: TlsFrontOptions): Promise<TlsFront> {
  const daemon = await startDaemon({
    program: 'haproxy',
    prepare(port, dir) {
      const crtPath = path.join(dir, 'front.pem');
      fs.writeFileSync(crtPath, `${options.certPem.trim()}\n${options.keyPem.trim()}\n`, { mode: 0o600 });
      const configPath = path.join(dir, 'haproxy.cfg');
      fs.writeFileSync(configPath, [
        'global',
        '  maxconn 64',
        'defaults',
        '  mode tcp',
        '  timeout connect 5s',
        '  timeout client 60s',
        '  timeout server 60s',
        'frontend sstp',
        `  bind 127.0.0.1:${port} ssl crt ${crtPath} ${options.policy.join(' ')}`,
        '  default_backend rras',
        'backend rras',
        `  server s1 127.0.0.1:${options.backendPort} ssl verify none`,
        '',
      ].join('\n'));
      return ['-db', '-f', configPath];
    },
    retryWhen: (error) => /cannot bind|address already in use/i.test(error.message),
  });
  return { port: daemon.port, address: `127.0.0.1:${daemon.port}`, close: () => daemon.close() };
}

import fs from 'node:fs';
import path from 'node:path';
import { startDaemon } from './daemon.js';
import type { Haproxy } from './haproxy.js';

// haproxy as the TLS front end of an SSTP server with its own TLS policy: the `bind` line's ssl-min-ver,
// ssl-max-ver and ciphers decide which clients get through, as on a load balancer in front of RRAS. The
// bytes inside TLS are relayed untouched (mode tcp) to the server behind it, re-encrypted. Like haproxy.ts's
// relay, with a TLS policy on the bind line (that helper takes none).

export interface TlsFrontOptions {
  /** The certificate haproxy presents, leaf first, intermediates after it. */
  certPem: string;
  keyPem: string;
  /** Loopback port of the TLS server behind it (its certificate is not verified). */
  backendPort: number;
  /** haproxy `bind` TLS settings, e.g. ['ssl-min-ver TLSv1.3'] or ['ssl-max-ver TLSv1.2', 'ciphers ECDHE-RSA-CHACHA20-POLY1305']. */
  policy: string[];
}

export async function startTlsFront(options: TlsFrontOptions): Promise<Haproxy> {
  const daemon = await startDaemon({
    program: 'haproxy',
    prepare(port, dir) {
      const crtPath = path.join(dir, 'front.pem');
      fs.writeFileSync(crtPath, `${options.certPem.trim()}\n${options.keyPem.trim()}\n`, { mode: 0o600 });
      const configPath = path.join(dir, 'haproxy.cfg');
      // One long-lived SSTP connection per client: idle gaps between PPP frames must not end it.
      const config = `defaults
  mode tcp
  timeout connect 5s
  timeout client 60s
  timeout server 60s
listen sstp
  bind 127.0.0.1:${port} ssl crt ${crtPath} ${options.policy.join(' ')}
  server rras 127.0.0.1:${options.backendPort} ssl verify none
`;
      fs.writeFileSync(configPath, config);
      return ['-db', '-f', configPath];
    },
    retryWhen: (error) => /cannot bind|address already in use/i.test(error.message),
  });
  return { ...daemon, address: `127.0.0.1:${daemon.port}` };
}

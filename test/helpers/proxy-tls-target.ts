// A loopback TLS echo server: the far end of a proxy tunnel in tests. It proves the tunnel carries a
// real TLS handshake (the SSTP server's place in a real run). Self-signed for "localhost" and 127.0.0.1,
// made per run; the same kind of certificate serves an https:// fixture proxy.

import crypto from 'node:crypto';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import forge from 'node-forge';

export interface TlsEchoServer {
  host: string;
  port: number;
  /** The server certificate, to trust it explicitly. */
  certPem: string;
  close(): Promise<void>;
}

export async function startTlsEcho(): Promise<TlsEchoServer> {
  const { certPem, keyPem } = selfSignedLocalhost();
  const open = new Set<net.Socket>();
  const server = tls.createServer({ cert: certPem, key: keyPem }, (socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as net.AddressInfo;
  return {
    host: '127.0.0.1',
    port,
    certPem,
    close: async () => {
      for (const s of open) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A self-signed serverAuth certificate for "localhost" and 127.0.0.1. */
export function selfSignedLocalhost(): { certPem: string; keyPem: string } {
  const name = 'localhost';
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  cert.serialNumber = `01${crypto.randomBytes(8).toString('hex')}`;
  cert.validity.notBefore = new Date(Date.now() - 86_400_000);
  cert.validity.notAfter = new Date(Date.now() + 86_400_000);
  const attrs = [{ name: 'commonName', value: name }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [{ type: 2, value: name }, { type: 7, ip: '127.0.0.1' }] },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(keyPem), forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem };
}

/** A TLS handshake with the echo server through a tunnel: the negotiated protocol, or false. */
export async function tlsHandshake(socket: Duplex, echo: TlsEchoServer): Promise<string | false> {
  const secure = tls.connect({ socket, servername: 'localhost', ca: [echo.certPem] });
  try {
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', () => resolve());
      secure.once('error', reject);
    });
    return secure.getProtocol() ?? false;
  } finally {
    secure.destroy();
  }
}

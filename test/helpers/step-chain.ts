import type { TLSSocket } from 'node:tls';
import { tcpStep } from '../../lib/steps/tcp.js';
import { createTlsClientContext, tlsStep } from '../../lib/steps/tls.js';
import type { FixtureServer } from '../../fixtures/server.js';

// The steps before the one a test is about, run for real against a fixture: TCP, then TLS.

export async function handshake(server: FixtureServer): Promise<TLSSocket> {
  const tcp = await tcpStep(server.host, server.port, { timeoutMs: 10_000 });
  if (!tcp.socket) throw new Error(`no TCP connection to the fixture: ${tcp.step.detail ?? tcp.step.code}`);
  const tls = await tlsStep(tcp.socket, { timeoutMs: 10_000, sni: null, dialled: server.host, secureContext: createTlsClientContext(server.trustedCaPems) });
  if (!tls.socket) throw new Error(`no TLS with the fixture: ${tls.step.detail ?? tls.step.code}`);
  return tls.socket;
}

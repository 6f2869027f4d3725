import t from 'tap';
import { silentListener } from './helpers/silent-listener.js';
import { tcpStep } from '../lib/steps/tcp.js';
import { createTlsClientContext, tlsStep, type TlsStepOutcome } from '../lib/steps/tls.js';
import { fixtureStarter } from './helpers/fixture.js';
import { findScenario } from '../fixtures/scenarios/index.js';

// The tls step alone, after a real tcp step: what the handshake saw is evidence, nothing is enforced.

const start = fixtureStarter();

async function handshakeWith(port: number, options: { timeoutMs?: number; sni?: string | null; dialled?: string; ca?: string[]; signal?: AbortSignal } = {}): Promise<TlsStepOutcome> {
  const tcp = await tcpStep('127.0.0.1', port, { timeoutMs: 5_000 });
  if (!tcp.socket) throw new Error(tcp.step.detail ?? tcp.step.code);
  return tlsStep(tcp.socket, {
    timeoutMs: options.timeoutMs ?? 5_000,
    sni: options.sni ?? null,
    dialled: options.dialled ?? options.sni ?? '127.0.0.1',
    secureContext: createTlsClientContext(options.ca ?? []),
    ...(options.signal ? { signal: options.signal } : {}),
  });
}

t.test('a TLS server: established, with protocol, cipher and the chain as sent', async (t) => {
  const server = await start(t, 'healthy');
  const out = await handshakeWith(server.port, { sni: 'sstp.test', ca: server.trustedCaPems });
  t.match(out.step, { name: 'tls', status: 'pass', code: 'established' });
  t.match(out.info, { sni: 'sstp.test', protocol: /^TLSv1\.[23]$/, authorizationError: null, failure: null });
  t.ok(out.chain.length >= 1 && out.chain[0]!.equals(server.certificate!.der), 'the leaf the server sent comes first');
  out.socket?.destroy();
});

t.test('an untrusted certificate is recorded, not refused', async (t) => {
  const server = await start(t, 'healthy');
  const out = await handshakeWith(server.port);
  t.equal(out.step.code, 'established');
  t.match(out.info.authorizationError, /^[A-Z_]+$/, "Node's verdict kept as evidence");
  out.socket?.destroy();
});

t.test("Node's verdict checks the name dialled: an address when no SNI is sent, never \"localhost\"", async (t) => {
  const byAddressOnly = await start(t, { ...findScenario('healthy')!, certificate: { subjectCN: 'vpn.sstp.test', dnsNames: ['vpn.sstp.test'], ipAddresses: ['127.0.0.1'] } });
  const dialledByAddress = await handshakeWith(byAddressOnly.port, { ca: byAddressOnly.trustedCaPems });
  t.equal(dialledByAddress.info.authorizationError, null, 'the certificate names 127.0.0.1, the address dialled');
  dialledByAddress.socket?.destroy();

  const localhostOnly = await start(t, { ...findScenario('healthy')!, certificate: { subjectCN: 'localhost', dnsNames: ['localhost'], ipAddresses: [] } });
  const notNamed = await handshakeWith(localhostOnly.port, { ca: localhostOnly.trustedCaPems });
  t.equal(notNamed.info.authorizationError, 'ERR_TLS_CERT_ALTNAME_INVALID', 'a certificate for "localhost" does not name 127.0.0.1');
  t.match(notNamed.step.detail, /not trusted by Node \(ERR_TLS_CERT_ALTNAME_INVALID\)/);
  notNamed.socket?.destroy();

  const byName = await handshakeWith(byAddressOnly.port, { sni: 'vpn.sstp.test', ca: byAddressOnly.trustedCaPems });
  t.equal(byName.info.authorizationError, null, 'dialled by the name it carries');
  byName.socket?.destroy();
});

t.test('a server that resets after the ClientHello: reset', async (t) => {
  const server = await start(t, 'tls-reset');
  const out = await handshakeWith(server.port);
  t.match(out.step, { status: 'fail' });
  t.match(out.info.failure, /^(reset|closed)$/);
  t.equal(out.socket, null);
});

t.test('a listener that never speaks TLS: timeout in whole milliseconds; a cancel reads cancelled', async (t) => {
  const port = await silentListener(t);
  const timedOut = await handshakeWith(port, { timeoutMs: 300.7 });
  t.match(timedOut.step, { status: 'fail', code: 'timeout', detail: 'no TLS handshake within 301 ms (the step deadline)' });
  t.equal(timedOut.info.failure, 'timeout');

  const controller = new AbortController();
  setTimeout(() => controller.abort(), 100);
  const cancelled = await handshakeWith(port, { timeoutMs: 10_000, signal: controller.signal });
  t.match(cancelled.step, { status: 'skip', code: 'cancelled' });
  t.equal(cancelled.info.failure, 'cancelled');
});

import t from 'tap';
import fc from 'fast-check';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { probe } from '../lib/probe.js';
import { createCertFactory } from '../fixtures/certs.js';
import { validateReport } from './helpers/schema.js';

// A hostile or broken server: whatever bytes it sends, at whatever stage, the probe resolves within its
// deadline with a report of the usual shape, and nothing escapes as an exception or unhandled rejection.

const factory = createCertFactory();
const pki = factory.createPki();
const leaf = pki.leaf({ subjectCN: 'sstp.test', dnsNames: ['sstp.test'], ipAddresses: ['127.0.0.1'] });
const DEADLINE_MS = 2_000;

type Reply = { afterRequest: Buffer[]; afterConnect: Buffer[]; close: boolean };

/** A TLS server that answers the first request with `reply.afterRequest` chunks, then SSTP with `afterConnect`. */
async function hostileServer(reply: Reply): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<TLSSocket>();
  const server = createTlsServer({ key: leaf.keyPem, cert: `${leaf.certPem}\n${pki.intermediate.certPem}` }, (socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    let stage = 0;
    socket.on('data', () => {
      const chunks = stage === 0 ? reply.afterRequest : stage === 1 ? reply.afterConnect : [];
      stage++;
      for (const chunk of chunks) socket.write(chunk);
      if (reply.close && stage >= 2) socket.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

const OK_HEAD = Buffer.from('HTTP/1.1 200\r\nContent-Length: 18446744073709551615\r\n\r\n');
const bytes = fc.uint8Array({ minLength: 0, maxLength: 600 }).map((a) => Buffer.from(a));
// Bytes that look like SSTP: a valid version byte and a plausible length, then anything.
const sstpish = fc
  .tuple(fc.constantFrom(0x00, 0x01), fc.integer({ min: 0, max: 0x0fff }), fc.uint8Array({ maxLength: 120 }))
  .map(([c, length, rest]) => Buffer.concat([Buffer.from([0x10, c, length >> 8, length & 0xff]), Buffer.from(rest)]));
const headish = fc
  .tuple(fc.constantFrom('HTTP/1.1 ', 'HTTP/1.0 ', 'HTTP/2 ', 'ICY ', ''), fc.string({ maxLength: 80 }), fc.constantFrom('\r\n\r\n', '\n\n', '\r\n', ''))
  .map(([start, middle, end]) => Buffer.from(`${start}${middle}${end}`, 'latin1'));

async function probeHostile(reply: Reply): Promise<void> {
  const server = await hostileServer(reply);
  try {
    const started = Date.now();
    const report = await probe(`127.0.0.1:${server.port}`, { stepTimeoutMs: 400, timeoutMs: DEADLINE_MS, trustedCaPems: [pki.root.certPem], revocation: false, env: {} });
    const elapsed = Date.now() - started;
    if (elapsed > DEADLINE_MS + 1_500) throw new Error(`the probe outlived its deadline: ${elapsed} ms`);
    if (!validateReport(JSON.parse(JSON.stringify(report)))) throw new Error(`report off schema: ${JSON.stringify(validateReport.errors)}`);
    if (report.steps.length !== 8) throw new Error('a step is missing');
  } finally {
    await server.close();
  }
}

t.test('garbage in answer to SSTP_DUPLEX_POST', async (t) => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.oneof(bytes, headish), { minLength: 1, maxLength: 3 }), fc.boolean(), async (afterRequest, close) => {
      await probeHostile({ afterRequest, afterConnect: [], close });
    }),
    { numRuns: 25 },
  );
  t.pass('every probe resolved with a well-formed report within its deadline');
});

t.test('garbage after a good 200, where SSTP packets should be', async (t) => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.oneof(sstpish, bytes), { minLength: 1, maxLength: 4 }), fc.boolean(), async (afterConnect, close) => {
      await probeHostile({ afterRequest: [OK_HEAD], afterConnect, close });
    }),
    { numRuns: 25 },
  );
  t.pass('every probe resolved with a well-formed report within its deadline');
});

t.test('an HTTP head that never ends is cut at the cap, not buffered forever', async (t) => {
  const endless = Buffer.from(`HTTP/1.1 200 OK\r\n${'X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n'.repeat(2_000)}`);
  const server = await hostileServer({ afterRequest: [endless], afterConnect: [], close: false });
  t.teardown(() => server.close());
  const report = await probe(`127.0.0.1:${server.port}`, { stepTimeoutMs: 1_000, timeoutMs: 5_000, trustedCaPems: [pki.root.certPem], revocation: false, env: {} });
  t.match(report.steps.find((s) => s.name === 'http'), { status: 'fail', code: 'malformed' });
});

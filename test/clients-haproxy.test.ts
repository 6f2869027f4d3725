import t, { type Test } from 'tap';
import { createCertFactory } from '../fixtures/certs.js';
import { startFixtureServer } from '../fixtures/server.js';
import { startPkiServer } from '../fixtures/pki-server.js';
import { findScenario } from '../fixtures/scenarios/index.js';
import { probe } from '../lib/probe.js';
import type { ClientResult, ProbeReport } from '../lib/types.js';
import { requireProgram } from './helpers/programs.js';
import { startHaproxy } from './helpers/haproxy.js';
import type { Haproxy } from './helpers/haproxy.js';

// A real TLS stack on the server side: haproxy's OpenSSL, configured the way admins restrict a front end
// (ssl-min-ver TLSv1.3; a ChaCha20-only cipher list), in front of a healthy fixture server. The probe must
// tell which clients that front end turns away, from the alerts haproxy really sends.

const factory = createCertFactory();
const NAMES = { subjectCN: 'sstp.test', dnsNames: ['localhost', 'sstp.test'], ipAddresses: ['127.0.0.1'] };

async function behindHaproxy(t: Test, policy: string[]): Promise<{ front: Haproxy; trustedCaPems: string[] }> {
  const server = await startFixtureServer(findScenario('healthy')!, { factory });
  t.teardown(() => server.close());
  // The front end's certificate comes from a CA whose CRL is published on loopback, as an enterprise CA's is.
  const publication = await startPkiServer();
  t.teardown(() => publication.close());
  const pki = factory.createPki({ leafCrlUrls: [`${publication.url}/front.crl`] });
  publication.setCrl('/front.crl', factory.createCrl(pki.intermediate, []));
  const leaf = pki.leaf({ ...NAMES, keyPem: factory.keyFor(undefined, 'haproxy front') });
  const front = await startHaproxy({ frontendCertPem: leaf.certPem + pki.intermediate.certPem, frontendKeyPem: leaf.keyPem, backendPort: server.port, bindPolicy: policy });
  t.teardown(() => front.close());
  return { front, trustedCaPems: [pki.root.certPem] };
}

async function probeFront(front: Haproxy, trustedCaPems: string[]): Promise<ProbeReport> {
  return probe(front.address, { stepTimeoutMs: 5_000, timeoutMs: 20_000, trustedCaPems });
}

function client(report: ProbeReport, id: string): ClientResult | undefined {
  return report.clients?.find((c) => c.client === id);
}

t.test('haproxy with ssl-min-ver TLSv1.3: Windows 10 is refused, Windows 11 and sstpc get through', async (t) => {
  if (!requireProgram(t, 'haproxy')) return;
  const { front, trustedCaPems } = await behindHaproxy(t, ['ssl-min-ver TLSv1.3']);
  const report = await probeFront(front, trustedCaPems);
  t.equal(report.sstp?.result, 'ack', 'SSTP itself works through the front end');
  t.equal(report.tls?.protocol, 'TLSv1.3');
  t.match(client(report, 'windows-10'), { verdict: 'fails', handshake: { basis: 'own', code: 'no-common-version', alert: 'protocol version' } });
  t.match(client(report, 'windows-11'), { verdict: 'connects' });
  t.match(client(report, 'sstpc'), { verdict: 'connects' });
  t.match(report.findings.find((f) => f.cause === 'client-incompatible'), { severity: 'error', summary: /windows-10 cannot connect: no TLS version in common/ });
  t.equal(report.ok, false, 'the green that was false before: Windows 10 clients cannot connect');
});

t.test('haproxy with TLS 1.2 and ChaCha20-Poly1305 only: both Windows profiles find no cipher suite in common', async (t) => {
  if (!requireProgram(t, 'haproxy')) return;
  const { front, trustedCaPems } = await behindHaproxy(t, ['ssl-max-ver TLSv1.2', 'ciphers ECDHE-RSA-CHACHA20-POLY1305']);
  const report = await probeFront(front, trustedCaPems);
  t.equal(report.sstp?.result, 'ack');
  t.equal(report.tls?.cipher, 'ECDHE-RSA-CHACHA20-POLY1305');
  for (const id of ['windows-11', 'windows-10']) {
    t.match(client(report, id), { verdict: 'fails', detail: /no cipher suite in common/, handshake: { code: 'no-common-cipher', alert: 'handshake failure' } }, id);
  }
  t.match(client(report, 'sstpc'), { verdict: 'connects' });
  t.match(report.findings.find((f) => f.cause === 'client-incompatible'), { severity: 'error', summary: /windows-11, windows-10 cannot connect: no cipher suite in common/ });
});

t.test('control: haproxy with its default policy serves every client', async (t) => {
  if (!requireProgram(t, 'haproxy')) return;
  const { front, trustedCaPems } = await behindHaproxy(t, []);
  const report = await probeFront(front, trustedCaPems);
  t.same(report.clients?.map((c) => c.verdict), ['connects', 'connects', 'connects']);
  t.equal(report.ok, true, JSON.stringify(report.findings.map((f) => f.cause)));
});

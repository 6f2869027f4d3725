import t, { type Test } from 'tap';
import http from 'node:http';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { probe } from '../lib/probe.js';
import { walkPath } from '../lib/path.js';
import { osTrustStore, prepareTrust } from '../lib/trust.js';
import type { ProbeReport } from '../lib/types.js';
import { createCertFactory } from '../fixtures/certs.js';
import { startFixtureServer, type FixtureServer } from '../fixtures/server.js';
import { startFixtureProxy } from '../fixtures/proxy-server.js';
import { findScenario } from '../fixtures/scenarios/index.js';
import type { Scenario } from '../fixtures/scenario.js';
import { runBin } from './helpers/cli.js';

// The certificate judgement inside a real probe: revocation beside the other steps and bounded by their
// deadline, through the proxy when there is one, switched off on request; the trust anchors a user's own
// client would have (NODE_EXTRA_CA_CERTS, the system bundle); and what the PPP step can read.

const factory = createCertFactory();
const STEP_MS = 1_000;
const DEBIAN_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

async function serve(t: Test, scenario: Scenario | string): Promise<FixtureServer> {
  const chosen = typeof scenario === 'string' ? findScenario(scenario)! : scenario;
  const server = await startFixtureServer(chosen, { factory });
  t.teardown(() => server.close());
  return server;
}

/** A scenario whose leaf names only `crlUrl` (filled in once the PKI server's address is known). */
function crlScenario(name: string, crlUrl: (pkiUrl: string) => string, publish?: (pki: NonNullable<FixtureServer['pki']>) => void): Scenario {
  return {
    name,
    summary: name,
    expectCause: null,
    pki: (f, server) => {
      const pki = f.createPki({ leafCrlUrls: [crlUrl(server.url)] });
      publish?.(server);
      return { leaf: pki.leaf({ subjectCN: 'sstp.test', dnsNames: ['sstp.test'], ipAddresses: ['127.0.0.1'] }), chain: [pki.intermediate], trustedCaPems: [pki.root.certPem] };
    },
  };
}

const step = (report: ProbeReport, name: string) => report.steps.find((s) => s.name === name);

t.test('a CRL location that never answers: the other steps all run, and the check ends at the step deadline', async (t) => {
  const server = await serve(t, crlScenario('crl-hangs', (url) => `${url}/hang.crl`, (pki) => pki.setHang('/hang.crl')));
  const report = await probe(server.address, { stepTimeoutMs: STEP_MS, timeoutMs: 8_000, trustedCaPems: server.trustedCaPems, env: {} });
  for (const name of ['tls', 'http', 'sstp', 'ppp'] as const) t.equal(step(report, name)?.status, 'pass', `${name} ran beside the revocation check`);
  t.equal(report.revocation?.verdict, 'unreachable');
  t.match(report.revocation?.sources, [{ url: `${server.pki!.url}/hang.crl`, outcome: 'timeout' }]);
  const waited = Number(/no answer within (\d+) ms/.exec(report.revocation?.sources[0]?.detail ?? '')?.[1]);
  t.ok(waited > 0 && waited <= STEP_MS, `the download was given the step deadline at most (${waited} ms)`);
  t.same(report.findings.filter((f) => f.severity === 'error').map((f) => f.cause), ['cert-revocation-unreachable']);
  t.same(server.pki!.requests, ['GET /hang.crl']);
});

t.test('a CRL server that trickles its answer forever is cut off the same way', async (t) => {
  const sockets = new Set<Socket>();
  const trickle = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/pkix-crl' });
    const timer = setInterval(() => res.write(Buffer.from([0x30])), 50);
    res.on('close', () => clearInterval(timer));
  });
  trickle.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  trickle.listen(0, '127.0.0.1');
  await once(trickle, 'listening');
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    trickle.close();
  });
  const port = (trickle.address() as AddressInfo).port;
  const server = await serve(t, crlScenario('crl-trickles', () => `http://127.0.0.1:${port}/slow.crl`));
  const report = await probe(server.address, { stepTimeoutMs: STEP_MS, timeoutMs: 8_000, trustedCaPems: server.trustedCaPems, env: {} });
  t.match(report.revocation, { verdict: 'unreachable', sources: [{ outcome: 'timeout', httpStatus: null }] });
  t.equal(step(report, 'sstp')?.status, 'pass');
});

t.test('revocation: false asks no CRL, and the report says why nothing was checked', async (t) => {
  const server = await serve(t, 'healthy');
  const report = await probe(server.address, { stepTimeoutMs: STEP_MS, trustedCaPems: server.trustedCaPems, env: {}, revocation: false });
  t.same(report.revocation, { verdict: 'not-checked', sources: [], revoked: null, detail: 'turned off (--no-revocation)' });
  t.same(server.pki!.requests, [], 'the CRL location was not contacted');
  t.equal(report.ok, true);

  const checked = await probe(server.address, { stepTimeoutMs: STEP_MS, trustedCaPems: server.trustedCaPems, env: {} });
  t.equal(checked.revocation?.verdict, 'good');
  t.same(server.pki!.requests, ['GET /issuing.crl'], 'by default it is');
});

t.test('through a proxy, the CRL is fetched through the same proxy', async (t) => {
  const server = await serve(t, 'healthy');
  // The fixture proxy only tunnels CONNECT: a plain GET reaching it proves the path, and gets a 400.
  const proxy = await startFixtureProxy('ok');
  t.teardown(() => proxy.close());
  const report = await probe(`localhost:${server.port}`, { stepTimeoutMs: STEP_MS, trustedCaPems: server.trustedCaPems, env: {}, proxy: proxy.url });
  t.equal(report.sstp?.result, 'ack', 'the SSTP path went through the proxy');
  t.ok(proxy.connects.some((c) => c.requestLine === `GET ${server.pki!.url}/issuing.crl HTTP/1.1`), 'the CRL request reached the proxy');
  t.same(server.pki!.requests, [], 'and never went around it');
  t.match(report.revocation?.sources, [{ url: `${server.pki!.url}/issuing.crl`, outcome: 'http-status', httpStatus: 400 }]);
});

t.test('NODE_EXTRA_CA_CERTS: the CA file Node trusts is trusted by the judgement too', async (t) => {
  const server = await serve(t, 'healthy');
  const dir = mkdtempSync(join(tmpdir(), 'sstp-probe-extra-ca-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'corp-root.pem');
  writeFileSync(file, server.trustedCaPems.join('\n'));

  const without = await probe(server.address, { stepTimeoutMs: STEP_MS, env: {} });
  t.match(without.findings.find((f) => f.cause === 'cert-untrusted')?.evidence, { trustVerdict: 'missing-intermediate' }, 'the test root is unknown by default');

  const withExtra = await probe(server.address, { stepTimeoutMs: STEP_MS, env: { NODE_EXTRA_CA_CERTS: file } });
  t.equal(withExtra.ok, true);
  t.equal(withExtra.certificate?.chainTrusted, true);
  t.equal(withExtra.tls?.authorizationError, null, 'the TLS step trusts it too, though this process started with another NODE_EXTRA_CA_CERTS');
  t.same(withExtra.certificateChecks?.trustAnchors, { bundled: rootCertificates.length, extra: 0, system: null, nodeExtraCaCerts: { path: file, certificates: 1, detail: null } });
});

t.test('systemCa: the platform store (or, before Node 22.15, its bundle file) is read and named in the report', { skip: existsSync(DEBIAN_BUNDLE) ? false : `no ${DEBIAN_BUNDLE} here` }, async (t) => {
  const server = await serve(t, 'healthy');
  const report = await probe(server.address, { stepTimeoutMs: STEP_MS, env: {}, trustedCaPems: server.trustedCaPems, systemCa: true });
  if (osTrustStore() !== null) {
    t.match(report.certificateChecks?.trustAnchors.system, { source: 'os-store', path: null, detail: null });
    t.ok((report.certificateChecks?.trustAnchors.system?.certificates ?? 0) > 0, 'the OS store has roots');
  } else {
    const inFile = readFileSync(DEBIAN_BUNDLE, 'latin1').split('-----BEGIN CERTIFICATE-----').length - 1;
    t.match(report.certificateChecks?.trustAnchors.system, { source: 'bundle-file', path: DEBIAN_BUNDLE, certificates: inFile, detail: /not available on Node/ });
  }
  t.equal(report.ok, true);
});

t.test('the walk tells the PPP step whether credentials may go: trusted, right name, valid, usable EKU', async (t) => {
  for (const [name, acceptable] of [['healthy', true], ['cert-client-auth-eku', false], ['cert-expired', false], ['cert-self-signed', false]] as const) {
    const server = await serve(t, name);
    const trust = prepareTrust({ trustedCaPems: server.trustedCaPems, env: {} });
    const outcome = await walkPath({ host: 'sstp.test', port: server.port }, { kind: 'direct', address: '127.0.0.1' }, 'sstp.test', {
      signal: new AbortController().signal,
      trust,
      revocation: true,
      certificateChecks: new Map(),
      stepBound: () => ({ timeoutMs: STEP_MS, bound: 'step' }),
    }, () => {});
    t.equal(outcome.certificateAcceptable, acceptable, `${name}: ${acceptable ? 'acceptable' : 'not acceptable'}`);
    t.equal(outcome.certificateChecks?.acceptable, acceptable, `${name}: the report says the same`);
    t.not(outcome.revocation, undefined, `${name}: the revocation answer is in when the walk returns`);
  }
});

t.test('CLI: --ca, --ca-system and --no-revocation', { skip: existsSync(DEBIAN_BUNDLE) ? false : `no ${DEBIAN_BUNDLE} here` }, async (t) => {
  const server = await serve(t, 'healthy');
  const dir = mkdtempSync(join(tmpdir(), 'sstp-probe-cli-ca-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const ca = join(dir, 'root.pem');
  writeFileSync(ca, server.trustedCaPems.join('\n'));
  const run = await runBin([server.address, '--ca', ca, '--ca-system', '--no-revocation', '--json', '--step-timeout', '2000']);
  t.equal(run.code, 0, run.stderr.slice(-400));
  const report = JSON.parse(run.stdout) as ProbeReport;
  t.match(report.revocation, { verdict: 'not-checked', detail: 'turned off (--no-revocation)' });
  t.match(report.certificateChecks?.trustAnchors, { extra: 1, system: osTrustStore() !== null ? { source: 'os-store' } : { source: 'bundle-file', path: DEBIAN_BUNDLE } });
  t.same(server.pki!.requests, []);

  const checked = await runBin([server.address, '--ca', ca, '--json', '--step-timeout', '2000']);
  t.equal((JSON.parse(checked.stdout) as ProbeReport).revocation?.verdict, 'good', 'revocation is on by default');
});

t.test('two addresses presenting the same chain share one judgement and one CRL download', async (t) => {
  let setup: ReturnType<NonNullable<Scenario['pki']>> | null = null;
  let crlServer: NonNullable<FixtureServer['pki']> | null = null;
  const scenario: Scenario = {
    name: 'dual-stack-same-certificate',
    summary: '',
    expectCause: null,
    // Both servers present the same chain, whose CRL lives on the first server's PKI server.
    pki: (f, server) => {
      if (!setup) {
        const pki = f.createPki({ leafCrlUrls: [`${server.url}/shared.crl`] });
        server.setCrl('/shared.crl', f.createCrl(pki.intermediate, []));
        crlServer = server;
        setup = { leaf: pki.leaf({ subjectCN: 'sstp.test', dnsNames: ['sstp.test'], ipAddresses: ['127.0.0.1', '::1'] }), chain: [pki.intermediate], trustedCaPems: [pki.root.certPem] };
      }
      return setup;
    },
  };
  const v4 = await startFixtureServer(scenario, { factory });
  t.teardown(() => v4.close());
  const v6 = await startFixtureServer(scenario, { factory, host: '::1', port: v4.port });
  t.teardown(() => v6.close());
  const report = await probe(`sstp.test:${v4.port}`, {
    stepTimeoutMs: STEP_MS,
    trustedCaPems: v4.trustedCaPems,
    env: {},
    resolver: async () => [{ address: '127.0.0.1', family: 4 }, { address: '::1', family: 6 }],
  });
  t.match(report.addresses, [{ address: '127.0.0.1', ok: true }, { address: '::1', ok: true }], 'both addresses were probed through TLS and judged');
  t.equal(report.addresses[0]?.sha256, report.addresses[1]?.sha256, 'the same certificate on both');
  t.equal(report.revocation?.verdict, 'good');
  t.same(crlServer!.requests, ['GET /shared.crl'], 'the CRL was asked once, not once per address');
});

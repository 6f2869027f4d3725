// Several RRAS servers behind one load-balanced address: haproxy (Debian) in `mode tcp`, `balance roundrobin`,
// no health checks, in front of two fixture servers. One connection sees one member; --connections n sees
// them all and names the one that differs.
import t, { type Test } from 'tap';
import net from 'node:net';
import { createCertFactory, type IssuedCert, type Pki } from '../fixtures/certs.js';
import { startPkiServer } from '../fixtures/pki-server.js';
import { startFixtureServer, type FixtureServer } from '../fixtures/server.js';
import type { HttpBehaviour, Scenario } from '../fixtures/scenario.js';
import { unusedPort } from '../fixtures/ports.js';
import { startFixtureProxy } from '../fixtures/proxy-server.js';
import { probe, type ProbeOptions } from '../lib/probe.js';
import { probeMany } from '../lib/fleet.js';
import { renderText } from '../lib/report/text.js';
import { compactConnection } from '../lib/connections.js';
import { requireProgram } from './helpers/programs.js';
import { startRoundRobin, type Balancer } from './helpers/haproxy-pool.js';
import { runBin } from './helpers/cli.js';
import { validateReport } from './helpers/schema.js';

const factory = createCertFactory();
const NAMES = { dnsNames: ['localhost', 'sstp.test'], ipAddresses: ['127.0.0.1', '::1'] };
const FAST: ProbeOptions = { stepTimeoutMs: 3_000, timeoutMs: 20_000 };

interface Pool {
  pki: Pki;
  /** The certificate every healthy member is bound to, and another one of the same CA. */
  shared: IssuedCert;
  other: IssuedCert;
  trustedCaPems: string[];
}

/** One enterprise CA with its CRL on loopback, and two leaves for the members. */
async function pool(t: Test): Promise<Pool> {
  const publication = await startPkiServer();
  t.teardown(() => publication.close());
  const pki = factory.createPki({ leafCrlUrls: [`${publication.url}/issuing.crl`] });
  publication.setCrl('/issuing.crl', factory.createCrl(pki.intermediate, []));
  const shared = pki.leaf({ subjectCN: 'sstp.test', ...NAMES });
  const other = pki.leaf({ subjectCN: 'sstp.test', ...NAMES, keyPem: factory.keyFor(undefined, 'other member') });
  return { pki, shared, other, trustedCaPems: [pki.root.certPem] };
}

async function member(t: Test, p: Pool, name: string, leaf: IssuedCert, http?: HttpBehaviour): Promise<FixtureServer> {
  const scenario: Scenario = {
    name,
    summary: 'one RRAS of a load-balanced pool',
    expectCause: null,
    certificate: () => ({ leaf, chain: [p.pki.intermediate], trustedCaPems: p.trustedCaPems }),
    ...(http ? { http } : {}),
  };
  const server = await startFixtureServer(scenario, { factory });
  t.teardown(() => server.close());
  return server;
}

async function balance(t: Test, ports: number[]): Promise<Balancer> {
  const balancer = await startRoundRobin(ports);
  t.teardown(() => balancer.close());
  return balancer;
}

const tcpConnections = (server: FixtureServer): number => server.events.filter((e) => e.type === 'connection').length;

t.test('haproxy round robin over two members, --connections 6', async (t) => {
  if (!requireProgram(t, 'haproxy')) return;

  t.test('(a) both healthy with the same certificate: consistent, ok, and the text says they agreed', async (t) => {
    const p = await pool(t);
    const one = await member(t, p, 'member-1', p.shared);
    const two = await member(t, p, 'member-2', p.shared);
    const balancer = await balance(t, [one.port, two.port]);
    const report = await probe(balancer.address, { ...FAST, trustedCaPems: p.trustedCaPems, connections: 6 });
    t.equal(report.ok, true, JSON.stringify(report.findings.map((f) => f.cause)));
    t.equal(report.connections?.length, 6, 'six connections recorded');
    t.same(report.connections!.map((c) => c.index), [0, 1, 2, 3, 4, 5]);
    t.ok(report.connections!.every((c) => c.certificateSha256 === report.certificate!.sha256 && c.sstpResult === 'ack' && c.failedStep === null));
    t.ok(report.connections!.every((c) => c.httpStatus === 200 && c.tlsVersion !== null && c.timings.tcp !== null));
    t.ok(tcpConnections(one) >= 2 && tcpConnections(two) >= 2, `both members were reached (${tcpConnections(one)} + ${tcpConnections(two)})`);
    const ppp = [one, two].flatMap((s) => s.events.filter((e) => e.type === 'ppp'));
    t.ok(ppp.length > 0 && ppp.length <= 3, 'PPP ran on one connection only');
    t.ok(validateReport(report), JSON.stringify(validateReport.errors));
    const text = renderText(report, { color: false });
    t.match(text, /Connections\n.*6 connections to 127\.0\.0\.1:\d+ agreed: all presented SHA-256 /);
  });

  t.test('(b) one member bound to another certificate: backend-inconsistent with the shares', async (t) => {
    const p = await pool(t);
    const one = await member(t, p, 'member-1', p.shared);
    const two = await member(t, p, 'member-2', p.other);
    const balancer = await balance(t, [one.port, two.port]);
    const run = await runBin([balancer.address, '--connections', '6', '--json', '--ca', await caFile(t, p)]);
    t.equal(run.code, 1, run.stderr);
    const report = JSON.parse(run.stdout);
    const finding = report.findings.find((f: { cause: string }) => f.cause === 'backend-inconsistent');
    t.ok(finding, JSON.stringify(report.findings.map((f: { cause: string }) => f.cause)));
    t.equal(finding.severity, 'error');
    const shaOne = one.certificate!.sha256;
    const shaTwo = two.certificate!.sha256;
    t.equal(finding.evidence.connections, 6);
    t.same(new Set(finding.evidence.variants.map((v: { certificateSha256: string }) => v.certificateSha256)), new Set([shaOne, shaTwo]), 'both certificates are named');
    t.equal(finding.evidence.variants.reduce((sum: number, v: { count: number }) => sum + v.count, 0), 6);
    t.match(finding.summary, new RegExp(`\\d of 6 presented SHA-256 ${shaOne.slice(0, 16)}`));
    t.match(finding.summary, new RegExp(`\\d of 6 presented SHA-256 ${shaTwo.slice(0, 16)}`));
    const steps = finding.remediation.join('\n');
    t.match(steps, /sstp-probe <member address>:\d+/, 'the probe\'s own command line for each member');
    t.match(steps, /netsh http show sslcert ipport=0\.0\.0\.0:\d+/);
    t.match(steps, /SSL session ID or source-IP persistence/);
    t.match(steps, /statistics/);
    const text = await runBin([balancer.address, '--connections', '6', '--ca', await caFile(t, p)]);
    t.equal(text.code, 1);
    t.match(text.stdout, /Connections\n.*6 connections to 127\.0\.0\.1:\d+ disagreed:\n\s+\d of 6 presented SHA-256/);
  });

  t.test('(b) with --connections 1: one member seen as today, and the text suggests --connections', async (t) => {
    const p = await pool(t);
    const one = await member(t, p, 'member-1', p.shared);
    const two = await member(t, p, 'member-2', p.other);
    const balancer = await balance(t, [one.port, two.port]);
    // The administrator expects the renewed certificate, which neither member serves yet.
    const renewed = p.pki.leaf({ subjectCN: 'sstp.test', ...NAMES });
    const renewedSha256 = new (await import('node:crypto')).X509Certificate(renewed.certPem).fingerprint256.replace(/:/g, '');
    const run = await runBin([balancer.address, '--connections', '1', '--expect-sha256', renewedSha256, '--ca', await caFile(t, p)]);
    t.equal(run.code, 1);
    t.match(run.stdout, /cert-hash-mismatch/);
    t.match(run.stdout, new RegExp(`sstp-probe ${balancer.address.replace(/\./g, '\\.')} --connections 6`), 'the text suggests --connections');
    t.notMatch(run.stdout, /\nConnections\n/, 'no Connections section for one connection');
    const shown = /SHA-256\s+([0-9A-F]{64})/.exec(run.stdout)?.[1];
    t.ok(shown === one.certificate!.sha256 || shown === two.certificate!.sha256, 'the certificate of one member, as today');
  });

  t.test('(c) one member answering 404 on the SSTP URL: backend-inconsistent', async (t) => {
    const p = await pool(t);
    const one = await member(t, p, 'member-1', p.shared);
    const two = await member(t, p, 'member-2', p.shared, { behaviour: 'status', status: 404, reason: 'Not Found' });
    const balancer = await balance(t, [one.port, two.port]);
    const report = await probe(balancer.address, { ...FAST, trustedCaPems: p.trustedCaPems, connections: 6 });
    t.equal(report.ok, false);
    const finding = report.findings.find((f) => f.cause === 'backend-inconsistent');
    t.ok(finding, JSON.stringify(report.findings.map((f) => f.cause)));
    t.match(finding?.summary, /\d of 6 presented SHA-256 \S+ and were answered HTTP 404 by Microsoft-HTTPAPI\/2\.0/);
    t.match(finding?.summary, /\d of 6 presented SHA-256 \S+ and reached the Call Connect Ack/);
    const failing = report.connections!.filter((c) => c.failedStep === 'http');
    t.ok(failing.length >= 1 && failing.length <= 5 && failing.every((c) => c.httpStatus === 404));
    t.equal(finding?.evidence.failing, failing.length);
  });

  t.test('(d) one member with its port closed (no health checks): backend-inconsistent naming the failing share', async (t) => {
    const p = await pool(t);
    const one = await member(t, p, 'member-1', p.shared);
    const closedPort = await unusedPort();
    const balancer = await balance(t, [one.port, closedPort]);
    const run = await runBin([balancer.address, '--connections', '6', '--json', '--ca', await caFile(t, p)]);
    t.equal(run.code, 1, run.stderr);
    const report = JSON.parse(run.stdout);
    const finding = report.findings.find((f: { cause: string }) => f.cause === 'backend-inconsistent');
    t.ok(finding, JSON.stringify(report.findings.map((f: { cause: string }) => f.cause)));
    const failing = report.connections.filter((c: { failedStep: string | null }) => c.failedStep !== null);
    t.ok(failing.length >= 1 && failing.length <= 5, `${failing.length} of 6 failed`);
    t.equal(finding.evidence.failing, failing.length);
    t.match(finding.summary, new RegExp(`about ${failing.length} in 6 connection attempts fail`));
    t.match(finding.summary, /\d of 6 presented no certificate|\d of 6 saw no certificate/);
    t.ok(validateReport(report), JSON.stringify(validateReport.errors));
  });
});

t.test('two addresses, one balanced pool behind the first: each address judged on its own connections', async (t) => {
  if (!requireProgram(t, 'haproxy')) return;
  const p = await pool(t);
  const one = await member(t, p, 'member-1', p.shared);
  const two = await member(t, p, 'member-2', p.other);
  const balancer = await balance(t, [one.port, two.port]);
  // A plain server on another loopback address, same port: the name's second address.
  const scenario: Scenario = { name: 'single', summary: 'one RRAS', expectCause: null, certificate: () => ({ leaf: p.shared, chain: [p.pki.intermediate], trustedCaPems: p.trustedCaPems }) };
  const single = await startFixtureServer(scenario, { factory, host: '127.0.0.2', port: balancer.port });
  t.teardown(() => single.close());
  const report = await probe(`localhost:${balancer.port}`, {
    ...FAST,
    trustedCaPems: p.trustedCaPems,
    connections: 4,
    resolver: async () => [{ address: '127.0.0.1', family: 4 }, { address: '127.0.0.2', family: 4 }],
  });
  t.equal(report.connections?.length, 8, 'four per address');
  t.same(report.addresses.map((a) => [a.address, a.causes.includes('backend-inconsistent')]), [['127.0.0.1', true], ['127.0.0.2', false]]);
  const findings = report.findings.filter((f) => f.cause === 'backend-inconsistent');
  t.same(findings.map((f) => f.evidence.address), ['127.0.0.1'], 'one finding, for the balanced address');
});

t.test('--connections: bad values are one-line usage errors', async (t) => {
  for (const value of ['0', '33', 'x', '']) {
    const run = await runBin(['127.0.0.1:9', '--connections', value]);
    t.equal(run.code, 2, `--connections ${JSON.stringify(value)}`);
    t.match(run.stderr, /^sstp-probe: --connections must be a whole number from 1 to 32/);
    t.notMatch(run.stderr, /\n\s+at /);
  }
  await t.rejects(probe('127.0.0.1:9', { connections: 33 }), { name: 'UsageError', message: /connections/ });
  await t.rejects(probe('127.0.0.1:9', { connections: 0 }), { name: 'UsageError' });
});

t.test('a fleet with --connections: n times the work at most, and no more sockets than the concurrency allows', async (t) => {
  const p = await pool(t);
  const server = await member(t, p, 'member', p.shared);
  // Counting relays on loopback, one per target, in front of the one server.
  let open = 0;
  let most = 0;
  let total = 0;
  const relays = await Promise.all(Array.from({ length: 4 }, () => countingRelay(t, server.port, {
    opened: () => {
      total++;
      most = Math.max(most, ++open);
    },
    closed: () => open--,
  })));
  const concurrency = 2;
  const connections = 4;
  const reports = [];
  for await (const report of probeMany(relays.map((port) => `127.0.0.1:${port}`), { stepTimeoutMs: 3_000, timeoutMs: 20_000, trustedCaPems: p.trustedCaPems, concurrency, connections })) reports.push(report);
  t.equal(reports.length, 4);
  t.ok(reports.every((r) => r.ok && r.connections?.length === connections), JSON.stringify(reports.map((r) => r.findings.map((f) => f.cause))));
  // Besides the n walks, a probe makes one restricted handshake per client profile its main handshake did not prove.
  const ownHandshakes = reports.reduce((sum, r) => sum + (r.clients ?? []).filter((c) => c.handshake?.basis === 'own').length, 0);
  const expected = relays.length * connections + ownHandshakes;
  t.ok(total <= expected, `${total} connections for ${relays.length} targets x ${connections} (+ ${ownHandshakes} client handshakes)`);
  t.ok(total >= expected, 'each connection was really made');
  t.ok(most <= concurrency * 4, `at most ${most} sockets open at once (concurrency ${concurrency})`);
});

t.test('through an HTTP proxy: every connection is its own CONNECT tunnel', async (t) => {
  const p = await pool(t);
  const server = await member(t, p, 'member', p.shared);
  const proxy = await startFixtureProxy('ok');
  t.teardown(() => proxy.close());
  const report = await probe(`127.0.0.1:${server.port}`, { ...FAST, trustedCaPems: p.trustedCaPems, proxy: proxy.url, connections: 3, revocation: false });
  t.equal(report.ok, true, JSON.stringify(report.findings.map((f) => f.cause)));
  t.equal(report.connections?.length, 3);
  t.ok(report.connections!.every((c) => c.sstpResult === 'ack' && c.timings.tcp === null), 'no TCP step of its own through a proxy');
  t.equal(proxy.connects.filter((c) => c.requestLine.startsWith(`CONNECT 127.0.0.1:${server.port} `)).length, 3, 'three tunnels to the server');
  t.match(renderText(report, { color: false }), /3 connections to 127\.0\.0\.1:\d+ through the proxy agreed/);
});

t.test('an http:// target with --connections: plain HTTP on every connection', async (t) => {
  const scenario: Scenario = { name: 'offloaded', summary: 'RRAS with UseHttps=0', expectCause: null, tls: { behaviour: 'none' } };
  const server = await startFixtureServer(scenario, { factory });
  t.teardown(() => server.close());
  const report = await probe(`http://${server.address}`, { ...FAST, connections: 3 });
  t.equal(report.ok, true, JSON.stringify(report.findings.map((f) => f.cause)));
  t.same(report.connections!.map((c) => [c.tlsVersion, c.certificateSha256, c.httpStatus, c.sstpResult, c.timings.tls]), [
    [null, null, 200, 'ack', null],
    [null, null, 200, 'ack', null],
    [null, null, 200, 'ack', null],
  ]);
});

t.test('connections cut short by a cancel are left out, not read as a failing member', async (t) => {
  const p = await pool(t);
  const server = await member(t, p, 'member', p.shared);
  const cancel = new AbortController();
  // Cancel while the extra connections are in flight.
  void server.waitFor((e) => e.type === 'connection' && server.events.filter((x) => x.type === 'connection').length >= 6, 15_000)
    .then(() => cancel.abort(), () => {});
  const report = await probe(`127.0.0.1:${server.port}`, { ...FAST, trustedCaPems: p.trustedCaPems, connections: 32, signal: cancel.signal, revocation: false });
  t.equal(report.cancelled, true);
  t.ok(report.connections!.length >= 1 && report.connections!.length < 32, `${report.connections!.length} connections kept`);
  t.ok(report.connections!.every((c) => c.sstpResult === 'ack' && c.failedStep === null), 'only finished connections are kept');
  t.notOk(report.findings.some((f) => f.cause === 'backend-inconsistent'));
});

t.test('a connection is compacted to what a client notices', async (t) => {
  const compact = compactConnection({
    address: '192.0.2.7',
    steps: [
      { name: 'tcp', status: 'pass', durationMs: 1.4, code: 'connected', detail: null },
      { name: 'tls', status: 'fail', durationMs: 3, code: 'closed', detail: 'closed' },
      { name: 'http', status: 'skip', durationMs: 0, code: 'skipped', detail: null },
    ],
    tls: null, certificate: null, http: null, sstp: null, proxy: null,
  }, 4);
  t.same(compact, {
    address: '192.0.2.7', index: 4, certificateSha256: null, tlsVersion: null, httpStatus: null, server: null, sstpResult: null,
    timings: { tcp: 1, tls: 3, http: null, sstp: null }, failedStep: 'tls', code: 'closed',
  });
});

async function caFile(t: Test, p: Pool): Promise<string> {
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'sstp-probe-ca-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'root.pem');
  writeFileSync(file, p.trustedCaPems.join('\n'));
  return file;
}

/** A TCP relay on 127.0.0.1 to `port` that reports each connection opening and closing. */
async function countingRelay(t: Test, port: number, on: { opened(): void; closed(): void }): Promise<number> {
  const relay = net.createServer((client) => {
    on.opened();
    const upstream = net.connect({ host: '127.0.0.1', port });
    let closed = false;
    const close = (): void => {
      if (closed) return;
      closed = true;
      on.closed();
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => relay.close(() => resolve())));
  return (relay.address() as net.AddressInfo).port;
}

import t from 'tap';
import { probe } from '../lib/probe.js';
import type { ProbeReport, StepName } from '../lib/types.js';
import { startFixtureProxy } from '../fixtures/proxy-server.js';
import { fixtureStarter } from './helpers/fixture.js';

// What the probe says about answers that look almost right, over real sockets: each sentence must be
// what the evidence shows (issue 10's smaller defects and its proxy item).

const start = fixtureStarter();
const FAST = { stepTimeoutMs: 3_000, timeoutMs: 15_000, env: {} };
const step = (report: ProbeReport, name: StepName) => report.steps.find((s) => s.name === name)!;
const errors = (report: ProbeReport) => report.findings.filter((f) => f.severity === 'error');

t.test('a 200 without the SSTP Content-Length fails the http step, and SSTP is not blamed', async (t) => {
  const server = await start(t, { name: 'web-200', summary: '', expectCause: 'http-not-sstp', http: { contentLength: null, server: 'nginx' } });
  const report = await probe(server.address, { ...FAST, trustedCaPems: server.trustedCaPems });
  t.match(step(report, 'http'), { status: 'fail', code: 'bad-content-length' });
  t.match(step(report, 'http').detail, /no Content-Length/);
  t.equal(step(report, 'sstp').status, 'skip');
  t.same(errors(report).map((f) => f.cause), ['http-not-sstp']);
});

t.test('a 401 from HTTP.SYS itself is not explained as a reverse proxy', async (t) => {
  const server = await start(t, { name: 'httpsys-401', summary: '', expectCause: 'http-status', http: { behaviour: 'status', status: 401, reason: 'Unauthorized' } });
  const report = await probe(server.address, { ...FAST, trustedCaPems: server.trustedCaPems });
  const finding = errors(report).find((f) => /401/.test(f.summary));
  t.ok(finding, errors(report).map((f) => f.cause).join(', '));
  t.notMatch(finding?.summary, /reverse proxy/);
  t.match(finding?.summary, /HTTP\.SYS itself/);
});

t.test('--expect-sha256 is set against the SHA-256 presented, and says so both sides', async (t) => {
  const server = await start(t, 'healthy');
  const report = await probe(server.address, { ...FAST, trustedCaPems: server.trustedCaPems, expectSha256: '0'.repeat(64) });
  const finding = report.findings.find((f) => f.cause === 'cert-hash-mismatch');
  t.match(finding?.summary, new RegExp(`presented SHA-256 ${report.certificate!.sha256}`));
  t.notMatch(finding?.summary, /SHA-1/);
});

for (const [behaviour, words] of [['ok-then-close', /tunnel was (closed|reset)/], ['ok-then-silent', /nothing came back through the tunnel/]] as const) {
  t.test(`a proxy that answers 200 and then ${behaviour === 'ok-then-close' ? 'closes' : 'goes silent'} is named first`, async (t) => {
    const proxy = await startFixtureProxy(behaviour);
    t.teardown(() => proxy.close());
    const report = await probe('sstp.test:443', { stepTimeoutMs: 1_500, timeoutMs: 10_000, env: {}, proxy: proxy.url });
    t.equal(step(report, 'proxy').code, 'connected');
    const tls = errors(report).find((f) => f.cause === 'tls-handshake-failed');
    t.match(tls?.summary, new RegExp(`^The proxy ${proxy.url.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`), 'the proxy comes first');
    t.match(tls?.summary, words);
    t.notMatch(JSON.stringify(report.findings), /accepted TCP/, 'nothing only a direct connection could show');
    t.match(tls?.remediation[0], /proxy's log/);
  });
}

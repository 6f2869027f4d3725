import t from 'tap';
import { probe } from '../lib/probe.js';
import { stepOf } from './helpers/report-builder.js';
import { fixtureStarter } from './helpers/fixture.js';
import { requireProgram } from './helpers/programs.js';
import { startTinyproxy } from './helpers/tinyproxy.js';
import { startFixtureProxy } from '../fixtures/proxy-server.js';
import { runBin } from './helpers/cli.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The whole probe through HTTP CONNECT proxies: a real tinyproxy with Basic auth, and the fixture proxy for
// what tinyproxy cannot do.

const start = fixtureStarter();
const FAST = { stepTimeoutMs: 3_000, timeoutMs: 15_000 };
const USER = 'jumphost';
const PASSWORD = 'S3cret-proxy.pw';


t.test('through tinyproxy', async (t) => {
  if (!requireProgram(t, 'tinyproxy')) return;
  const server = await start(t, 'healthy');
  const proxy = await startTinyproxy({ basicAuth: { user: USER, password: PASSWORD }, connectPorts: [server.port] });
  t.teardown(() => proxy.close());
  const base = { ...FAST, trustedCaPems: server.trustedCaPems, env: {} };

  t.test('correct credentials: the healthy fixture probes ok', async (t) => {
    const report = await probe(`localhost:${server.port}`, { ...base, proxy: proxy.url, proxyUser: USER, proxyPassword: PASSWORD });
    t.equal(report.ok, true, JSON.stringify(report.findings.map((f) => f.summary)));
    t.equal(stepOf(report, 'proxy').status, 'pass');
    t.equal(stepOf(report, 'proxy').code, 'connected');
    t.equal(stepOf(report, 'dns').code, 'not-applicable', 'the proxy resolves the target');
    t.equal(report.proxy?.source, 'flag');
    t.equal(report.proxy?.attempts, 2, 'one retry with credentials after the 407');
    t.equal(report.sstp?.result, 'ack');
    t.notMatch(JSON.stringify(report), PASSWORD);
  });

  t.test('no credentials: proxy-auth-required naming Basic', async (t) => {
    const report = await probe(`localhost:${server.port}`, { ...base, proxy: proxy.url });
    t.equal(report.ok, false);
    t.equal(report.proxy?.status, 407);
    const finding = report.findings.find((f) => f.cause === 'proxy-auth-required');
    t.ok(finding, 'proxy-auth-required');
    t.match(finding?.summary, /Basic/);
    t.equal(stepOf(report, 'tls').status, 'skip');
  });

  t.test('wrong credentials: tinyproxy answers 401, and that is proxy-auth-rejected naming Basic', async (t) => {
    const report = await probe(`localhost:${server.port}`, { ...base, proxy: proxy.url, proxyUser: USER, proxyPassword: 'wrong-password' });
    t.equal(report.ok, false);
    t.same(report.findings.map((f) => f.cause), ['proxy-auth-rejected']);
    t.equal(report.proxy?.status, 401);
    t.equal(report.proxy?.authSent, 'basic');
    t.match(report.findings[0]?.summary, /refused the credentials sent with Basic/);
    t.notMatch(JSON.stringify(report), 'wrong-password');
  });

  t.test('HTTPS_PROXY is used when set; NO_PROXY bypasses it', async (t) => {
    const env = { HTTPS_PROXY: `http://${USER}:${PASSWORD}@127.0.0.1:${proxy.port}` };
    const via = await probe(`localhost:${server.port}`, { ...FAST, trustedCaPems: server.trustedCaPems, env });
    t.equal(via.proxy?.source, 'env');
    t.equal(via.proxy?.reason, 'HTTPS_PROXY');
    t.equal(stepOf(via, 'proxy').code, 'connected');
    t.equal(via.ok, true);
    t.notMatch(JSON.stringify(via), PASSWORD);

    const cases: Array<[string, string]> = [
      ['.localhost', 'suffix'],
      ['localhost', 'host'],
      [`localhost:${server.port}`, 'host:port'],
      ['127.0.0.0/8', 'CIDR'],
    ];
    for (const [noProxy, kind] of cases) {
      const target = kind === 'CIDR' ? `127.0.0.1:${server.port}` : `localhost:${server.port}`;
      const direct = await probe(target, {
        ...FAST,
        trustedCaPems: server.trustedCaPems,
        resolver: async () => [{ address: '127.0.0.1', family: 4 }],
        env: { ...env, NO_PROXY: noProxy },
      });
      t.equal(stepOf(direct, 'proxy').code, 'not-applicable', `NO_PROXY ${kind} (${noProxy}) bypasses the proxy`);
      t.equal(direct.proxy?.source, 'none');
      t.match(direct.proxy?.reason, /NO_PROXY matched/);
      t.equal(stepOf(direct, 'tcp').status, 'pass');
    }
    const notMatching = await probe(`localhost:${server.port}`, { ...FAST, trustedCaPems: server.trustedCaPems, env: { ...env, NO_PROXY: `localhost:${server.port + 1}` } });
    t.equal(notMatching.proxy?.source, 'env', 'a NO_PROXY entry for another port does not bypass');
  });

  t.test('the password appears nowhere: text, JSON, DEBUG logs', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'sstp-probe-proxy-'));
    const ca = join(dir, 'ca.pem');
    writeFileSync(ca, server.trustedCaPems.join('\n'));
    const env = { NODE_EXTRA_CA_CERTS: ca, PROXY_PW: PASSWORD, DEBUG: 'sstp-probe:*', NO_COLOR: '1' };
    const runs = [
      await runBin([`localhost:${server.port}`, '--proxy', proxy.url, '--proxy-user', USER, '--proxy-password-env', 'PROXY_PW', '--json'], env),
      await runBin([`localhost:${server.port}`, '--proxy', proxy.url, '--proxy-user', USER, '--proxy-password-env', 'PROXY_PW'], env),
      await runBin([`localhost:${server.port}`, '--proxy', `http://${USER}:${PASSWORD}@127.0.0.1:${proxy.port}`], env),
      await runBin([`localhost:${server.port}`, '--proxy', `http://${USER}:wrong-${PASSWORD}@127.0.0.1:${proxy.port}`, '--json'], env),
      await runBin([`localhost:${server.port}`, '--proxy', `http://${USER}:${PASSWORD}@127.0.0.1:notaport`], env),
    ];
    t.equal(runs[0]!.code, 0, runs[0]!.stderr.slice(-500));
    t.equal(runs[4]!.code, 2, 'a bad proxy URL is a usage error');
    for (const [index, run] of runs.entries()) {
      t.notMatch(run.stdout + run.stderr, PASSWORD, `run ${index}: no password in stdout or stderr`);
      t.notMatch(run.stdout + run.stderr, Buffer.from(`${USER}:${PASSWORD}`).toString('base64'), `run ${index}: no Basic token`);
    }
    t.match(runs[0]!.stderr, /sstp-probe:/, 'DEBUG output was produced');
  });
});

t.test('the fixture proxy: what tinyproxy cannot show', async (t) => {
  const server = await start(t, 'healthy');
  const base = { ...FAST, trustedCaPems: server.trustedCaPems, env: {} };
  const cases: Array<[Parameters<typeof startFixtureProxy>[0], string, RegExp]> = [
    ['ntlm', 'proxy-auth-required', /NTLM/],
    ['status:502', 'proxy-rejected', /502/],
    ['status:403', 'proxy-rejected', /403/],
    ['garbage', 'proxy-rejected', /not HTTP/i],
  ];
  for (const [behaviour, cause, summary] of cases) {
    const proxy = await startFixtureProxy(behaviour);
    t.teardown(() => proxy.close());
    const report = await probe(`localhost:${server.port}`, { ...base, proxy: proxy.url });
    const finding = report.findings.find((f) => f.cause === cause);
    t.ok(finding, `${behaviour} gives ${cause}`);
    t.match(finding?.summary, summary);
    t.match(proxy.connects[0]?.headers.host, `localhost:${server.port}`, 'Host names the target and its port');
  }
  const ok = await startFixtureProxy('http10-ok');
  t.teardown(() => ok.close());
  const report = await probe(`localhost:${server.port}`, { ...base, proxy: ok.url });
  t.equal(report.proxy?.httpVersion, '1.0');
  t.equal(report.sstp?.result, 'ack', 'an HTTP/1.0 200 tunnel still carries SSTP');

  const { unusedPort } = await import('../fixtures/ports.js');
  const unreachable = await probe(`localhost:${server.port}`, { ...base, proxy: `http://127.0.0.1:${await unusedPort()}` });
  t.ok(unreachable.findings.some((f) => f.cause === 'proxy-unreachable'), 'a closed proxy port is proxy-unreachable');
});

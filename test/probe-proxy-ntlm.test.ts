// The whole probe through a proxy that demands NTLM (fixtures/ntlm-proxy.ts): the SSTP handshake behind it,
// the findings when the password is wrong, Negotiate-only proxies, and secrecy in every output.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { startNtlmProxy } from '../fixtures/ntlm-proxy.js';
import { probe } from '../lib/probe.js';
import { runBin } from './helpers/cli.js';
import { fixtureStarter } from './helpers/fixture.js';
import { stepOf } from './helpers/report-builder.js';
import { validateReport } from './helpers/schema.js';

const start = fixtureStarter();
const FAST = { stepTimeoutMs: 4_000, timeoutMs: 20_000 };
const ACCOUNT = { domain: 'CONTOSO', user: 'alice', password: 'Jump-Host.Ntlm_7' };
const USER = 'CONTOSO\\alice';

t.test('through an NTLM proxy', async (t) => {
  const server = await start(t, 'healthy');
  const base = { ...FAST, trustedCaPems: server.trustedCaPems, env: {} };

  t.test('the right password: the probe reaches the Ack and is ok, over one connection to the proxy', async (t) => {
    const proxy = await startNtlmProxy({ mode: 'ntlm', accounts: [ACCOUNT] });
    t.teardown(() => proxy.close());
    const report = await probe(`localhost:${server.port}`, { ...base, proxy: proxy.url, proxyUser: USER, proxyPassword: ACCOUNT.password });
    t.equal(report.ok, true, JSON.stringify(report.findings.map((f) => f.summary)));
    t.equal(report.sstp?.result, 'ack');
    t.equal(stepOf(report, 'proxy').code, 'connected');
    t.match(stepOf(report, 'proxy').detail, /NTLMv2/);
    t.equal(report.proxy?.authSent, 'ntlm');
    t.equal(report.proxy?.attempts, 3);
    t.ok(validateReport(JSON.parse(JSON.stringify(report))), JSON.stringify(validateReport.errors));
    t.equal(proxy.connectionsTo(server.port), 1, 'exactly one TCP connection to the proxy for the SSTP tunnel');
    t.ok(proxy.connections() > 1, 'the CRL fetch went through the proxy in a tunnel of its own');
    t.equal(report.revocation?.verdict, 'good', 'the revocation check got through the NTLM proxy');
    t.ok(proxy.authenticated.every((who) => who === USER) && proxy.authenticated.length >= 1);
  });

  t.test('a wrong password: proxy-auth-rejected, saying NTLM was tried', async (t) => {
    const proxy = await startNtlmProxy({ mode: 'ntlm', accounts: [ACCOUNT] });
    t.teardown(() => proxy.close());
    const report = await probe(`localhost:${server.port}`, { ...base, proxy: proxy.url, proxyUser: USER, proxyPassword: 'not-the-Password1' });
    t.equal(report.ok, false);
    t.same(report.findings.map((f) => f.cause), ['proxy-auth-rejected']);
    t.match(report.findings[0]?.summary, /refused the credentials sent with NTLMv2/);
    t.equal(stepOf(report, 'proxy').code, 'auth-rejected');
    t.equal(stepOf(report, 'tls').status, 'skip');
    t.equal(proxy.connections(), 1, 'one TCP connection: the tunnel never opened, so no revocation fetch');
  });

  t.test('a proxy offering only Negotiate: NTLM inside Negotiate, tried and reported', async (t) => {
    const proxy = await startNtlmProxy({ mode: 'negotiate', accounts: [ACCOUNT] });
    t.teardown(() => proxy.close());
    const good = await probe(`localhost:${server.port}`, { ...base, proxy: proxy.url, proxyUser: USER, proxyPassword: ACCOUNT.password });
    t.equal(good.ok, true, JSON.stringify(good.findings.map((f) => f.summary)));
    t.equal(good.proxy?.authSent, 'negotiate-ntlm');
    t.ok(validateReport(JSON.parse(JSON.stringify(good))), JSON.stringify(validateReport.errors));
    t.same(good.proxy?.authSchemes, [], 'the 200 names no scheme');
    t.match(stepOf(good, 'proxy').detail, /offers Negotiate without NTLM: authenticated with NTLMv2 messages inside Negotiate/);

    const bad = await probe(`localhost:${server.port}`, { ...base, proxy: proxy.url, proxyUser: USER, proxyPassword: 'wrong' });
    t.same(bad.findings.map((f) => f.cause), ['proxy-auth-rejected']);
    t.match(bad.findings[0]?.summary, /NTLMv2 inside Negotiate/);

    const none = await probe(`localhost:${server.port}`, { ...base, proxy: proxy.url });
    t.same(none.findings.map((f) => f.cause), ['proxy-auth-required'], 'no credentials: required, not rejected');
    t.match(none.findings[0]?.summary, /Negotiate/);
  });

  t.test('the password and the NTLM messages appear nowhere: text, JSON, DEBUG output', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'sstp-probe-ntlm-'));
    const ca = join(dir, 'ca.pem');
    writeFileSync(ca, server.trustedCaPems.join('\n'));
    const env = { NODE_EXTRA_CA_CERTS: ca, DEBUG: 'sstp-probe:*', NO_COLOR: '1' };
    const runs = [];
    const tokens: string[] = [];
    for (const mode of ['ntlm', 'negotiate'] as const) {
      for (const [password, json] of [[ACCOUNT.password, true], [ACCOUNT.password, false], [`wrong-${ACCOUNT.password}`, true], [`wrong-${ACCOUNT.password}`, false]] as const) {
        const proxy = await startNtlmProxy({ mode, accounts: [ACCOUNT] });
        const args = [`localhost:${server.port}`, '--proxy', proxy.url, '--proxy-user', USER, '--proxy-password-env', 'PROXY_PW', ...(json ? ['--json'] : [])];
        runs.push({ mode, password, json, run: await runBin(args, { ...env, PROXY_PW: password }) });
        tokens.push(...proxy.tokens);
        if (password === ACCOUNT.password) t.equal(proxy.authenticated[0], USER, `${mode}: --proxy-user CONTOSO\\alice reached the proxy as domain and user`);
        t.ok(proxy.tokens.length >= 3, `${mode}: negotiate, challenge and authenticate went through the proxy`);
        await proxy.close();
      }
    }
    t.equal(runs[0]?.run.code, 0, runs[0]?.run.stderr.slice(-800));
    t.match(JSON.parse(runs[0]?.run.stdout ?? '{}').proxy?.authSent, 'ntlm');
    t.match(runs[2]?.run.stdout, /proxy-auth-rejected/);
    t.match(runs[0]?.run.stderr, /sstp-probe:proxy/, 'DEBUG output was produced');
    for (const { mode, password, json, run } of runs) {
      const all = run.stdout + run.stderr;
      const name = `${mode} ${json ? 'JSON' : 'text'} ${password === ACCOUNT.password ? 'right' : 'wrong'} password`;
      t.notOk(all.includes(ACCOUNT.password), `${name}: no password`);
      const leaked = tokens.filter((token) => all.includes(token));
      t.same(leaked, [], `${name}: no NTLM message (base64 of type 1, 2 or 3)`);
      t.notOk(/TlRMTVNTUA/.test(all), `${name}: nothing that starts like an NTLM message`);
    }
  });
});

import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { probe } from '../lib/probe.js';
import { UsageError } from '../lib/errors.js';
import type { ProbeReport, StepName } from '../lib/types.js';
import { fixtureStarter } from './helpers/fixture.js';
import { validateReport } from './helpers/schema.js';

// The three endings of issue 10, over real sockets: a step cut by a deadline (its own or the probe's) is a
// timeout with the diagnosis a timeout gets; a cancellation from outside is `cancelled` and raises no server
// cause; a deadline too short to mean anything is a usage error. Bad options leave no timer armed.

const start = fixtureStarter();
const step = (report: ProbeReport, name: StepName) => report.steps.find((s) => s.name === name)!;
const errors = (report: ProbeReport) => report.findings.filter((f) => f.severity === 'error').map((f) => f.cause);

/** A TCP listener that accepts and never says a word (not TLS, not anything). */
async function mute(t: Test): Promise<number> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return (server.address() as { port: number }).port;
}

t.test('a silent HTTP server cut by the overall deadline is http-no-response, every time', async (t) => {
  const server = await start(t, 'http-silent');
  // Several at once so the step's own timer and the overall deadline land on a busy event loop together.
  const reports = await Promise.all(Array.from({ length: 4 }, () => probe(server.address, { timeoutMs: 3_000, trustedCaPems: server.trustedCaPems, env: {} })));
  // On a machine loaded far past its cores a handshake itself can take 3 s; such a run says nothing here.
  const reached = reports.filter((report) => step(report, 'tls').status === 'pass');
  t.ok(reached.length > 0, `${reached.length} of ${reports.length} runs reached the HTTP step`);
  for (const report of reports) {
    t.notMatch(JSON.stringify(report.steps), /"code":"(cancelled|aborted)"/, 'no step reads as cancelled');
    t.equal(report.cancelled, false);
  }
  for (const [i, report] of reached.entries()) {
    t.equal(step(report, 'http').code, 'timeout', `run ${i}: the http step timed out`);
    t.match(step(report, 'http').detail, /overall deadline/, `run ${i}: the detail names the deadline that cut it`);
    t.notMatch(step(report, 'http').detail, /\d\.\d/, `run ${i}: whole milliseconds`);
    t.same(errors(report), ['http-no-response'], `run ${i}: ${errors(report).join(', ')}`);
  }
});

t.test('a listener that never speaks TLS, cut by the overall deadline: the TLS step timed out', async (t) => {
  const port = await mute(t);
  const report = await probe(`127.0.0.1:${port}`, { timeoutMs: 1_500, env: {} });
  t.equal(step(report, 'tls').code, 'timeout');
  t.equal(report.tls?.failure, 'timeout');
  t.match(step(report, 'tls').detail, /overall deadline|what was left of the probe/);
  t.same(errors(report), ['tls-handshake-failed']);
  t.notMatch(JSON.stringify(report.findings), /cancel|abort/i, 'no word of a cancellation');
});

t.test('a CRL location that hangs, cut by the overall deadline, is not a CRL server failure', async (t) => {
  const server = await start(t, {
    name: 'crl-hangs-deadline',
    summary: '',
    expectCause: null,
    pki: (f, pki) => {
      const made = f.createPki({ leafCrlUrls: [`${pki.url}/hang.crl`] });
      pki.setHang('/hang.crl');
      return { leaf: made.leaf({ subjectCN: 'sstp.test', dnsNames: ['sstp.test'], ipAddresses: ['127.0.0.1'] }), chain: [made.intermediate], trustedCaPems: [made.root.certPem] };
    },
  });
  const report = await probe(server.address, { timeoutMs: 2_500, trustedCaPems: server.trustedCaPems, env: {} });
  t.equal(report.revocation?.verdict, 'not-checked', report.revocation?.detail ?? '');
  t.match(report.revocation?.detail, /overall deadline/);
  t.notOk(errors(report).includes('cert-revocation-unreachable'), errors(report).join(', '));
  t.notMatch(JSON.stringify(report.revocation), /aborted/);
});

t.test('a signal aborted before the call: a cancelled report, no server cause', async (t) => {
  const server = await start(t, 'healthy');
  const report = await probe(server.address, { signal: AbortSignal.abort(), trustedCaPems: server.trustedCaPems, env: {} });
  t.equal(report.cancelled, true);
  t.equal(report.ok, false, 'a cancelled probe is not ok');
  t.match(step(report, 'tcp'), { status: 'skip', code: 'cancelled' });
  for (const name of ['tls', 'http', 'sstp', 'ppp'] as const) t.match(step(report, name), { status: 'skip', detail: 'the probe was cancelled' }, name);
  t.same(errors(report), []);
  t.same(report.findings.map((f) => f.cause), ['probe-cancelled']);
  t.ok(validateReport(JSON.parse(JSON.stringify(report))), JSON.stringify(validateReport.errors));
});

t.test('a signal aborted while the server is silent: the step in flight reads cancelled', async (t) => {
  const server = await start(t, 'http-silent');
  const controller = new AbortController();
  const report = await probe(server.address, {
    signal: controller.signal,
    trustedCaPems: server.trustedCaPems,
    env: {},
    onStep: (s) => {
      if (s.name === 'tls') setTimeout(() => controller.abort(), 300);
    },
  });
  t.equal(report.cancelled, true);
  t.match(step(report, 'http'), { status: 'skip', code: 'cancelled' });
  t.match(step(report, 'http').detail, /cancelled from outside after \d+ ms/);
  t.equal(step(report, 'sstp').status, 'skip');
  t.same(errors(report), [], 'no server cause from a cancellation');
  t.match(report.findings, [{ cause: 'probe-cancelled', severity: 'info' }]);
});

t.test('deadlines and counts a probe cannot use are usage errors, before any I/O', async (t) => {
  for (const bad of [{ timeoutMs: 50 }, { timeoutMs: 99 }, { timeoutMs: -5 }, { timeoutMs: Number.NaN }, { timeoutMs: 1.5e3 + 0.5 }, { stepTimeoutMs: 0 }, { stepTimeoutMs: Infinity }, { addressConcurrency: 0 }]) {
    await t.rejects(probe('127.0.0.1:1', { ...bad, env: {} }), UsageError, JSON.stringify(bad, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)));
  }
  const ok = await probe('127.0.0.1:1', { timeoutMs: 100, env: {} });
  t.equal(step(ok, 'tcp').code, 'refused', '100 ms is enough to be refused by a closed local port');
});

const INDEX = fileURLToPath(new URL('../dist/lib/index.js', import.meta.url));

/** Runs the built library in a child: probe() with `options`; the child prints the error's name and exits by itself. */
function childProbe(options: string): Promise<{ code: number | null; out: string; afterThrowMs: number }> {
  const script = `
    const { probe, UsageError } = await import(${JSON.stringify(INDEX)});
    try { await probe('127.0.0.1:1', ${options}); console.log('resolved'); }
    catch (e) { console.log((e instanceof UsageError ? 'usage error: ' : 'other error: ') + e.message); console.log('THROWN ' + Date.now()); }`;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH } });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (out += chunk));
    child.on('close', (code) => {
      const thrown = Number(/THROWN (\d+)/.exec(out)?.[1] ?? Date.now());
      resolve({ code, out, afterThrowMs: Date.now() - thrown });
    });
  });
}

t.test('a bad proxy URL throws a UsageError and leaves no timer keeping the process alive', { skip: existsSync(INDEX) ? false : 'run npm run build first' }, async (t) => {
  for (const proxy of ['socks5://x', 'http://', 'http://127.0.0.1:99999']) {
    const run = await childProbe(`{ proxy: ${JSON.stringify(proxy)}, timeoutMs: 30000 }`);
    t.match(run.out, /^usage error: /, `${proxy}: ${run.out.trim()}`);
    t.equal(run.code, 0);
    t.ok(run.afterThrowMs < 1_000, `${proxy}: the process ended ${run.afterThrowMs} ms after probe() threw`);
  }
  const env = await childProbe(`{ env: { HTTPS_PROXY: 'socks5://x' }, timeoutMs: 30000 }`);
  t.match(env.out, /^usage error: /);
  t.ok(env.afterThrowMs < 1_000, `HTTPS_PROXY: ended ${env.afterThrowMs} ms after the throw`);
});

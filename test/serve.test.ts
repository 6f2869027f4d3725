import t, { type Test } from 'tap';
import net from 'node:net';
import { serve, scrapeDeadline, type Exporter, type ServeOptions, type ServeProbeOptions } from '../lib/serve/server.js';
import { probe } from '../lib/probe.js';
import { unusedPort } from '../fixtures/ports.js';
import type { ProbeReport, Target } from '../lib/types.js';
import type { Scenario } from '../fixtures/scenario.js';
import { fixtureStarter } from './helpers/fixture.js';
import { httpGet } from './helpers/http-get.js';
import { followersKeptBy } from './helpers/signal-followers.js';
import { parseExposition, sampleValue } from './helpers/prometheus-text.js';

const start = fixtureStarter();
/** Accepts TCP and never answers the ClientHello: a probe against it stays in flight until its deadline. */
const HOLDING: Scenario = { name: 'holding', summary: 'accepts, then says nothing', expectCause: null, tls: { behaviour: 'silent' } };

async function exporter(t: Test, options: ServeOptions = {}): Promise<Exporter> {
  const running = await serve({ host: '127.0.0.1', port: 0, ...options });
  t.teardown(() => running.close());
  return running;
}

/** Sends bytes as they are and returns what comes back before the server hangs up. */
function rawExchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => socket.write(bytes));
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

const probeUrl = (running: Exporter, target: string, extra = ''): string => `${running.url}/probe?target=${encodeURIComponent(target)}${extra}`;

t.test('healthy fixture: probe_success 1 and every step that ran has its metrics', async (t) => {
  const server = await start(t, 'healthy');
  const running = await exporter(t, { probeOptions: { trustedCaPems: server.trustedCaPems, timeoutMs: 20_000 } });
  const answer = await httpGet(probeUrl(running, server.address));
  t.equal(answer.status, 200);
  t.equal(answer.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
  const parsed = parseExposition(answer.body);
  t.equal(sampleValue(parsed, 'probe_success'), 1, 'probe_success');
  for (const step of ['dns', 'tcp', 'tls', 'http', 'sstp', 'ppp']) {
    t.equal(sampleValue(parsed, 'sstp_probe_step_success', { step }), 1, `${step} passed`);
    t.ok(sampleValue(parsed, 'sstp_probe_step_duration_seconds', { step })! >= 0, `${step} has a duration`);
  }
  t.ok(sampleValue(parsed, 'probe_duration_seconds')! > 0);
  const notAfter = new Date(new (await import('node:crypto')).X509Certificate(server.certificate!.pem).validTo).getTime() / 1000;
  t.equal(sampleValue(parsed, 'sstp_probe_certificate_not_after_seconds'), notAfter);
  t.equal(sampleValue(parsed, 'sstp_probe_info', { sstp_hash_protocols: 'sha1,sha256', auth_protocols: 'mschapv2' }), 1);
  t.match(parsed.samples.find((s) => s.name === 'sstp_probe_info')!.labels.tls_version, /^TLSv1\.[23]$/);
  // The fixture's CA publishes a CRL valid for a week.
  const crlNext = sampleValue(parsed, 'sstp_probe_crl_next_update_seconds');
  t.ok(crlNext !== undefined && crlNext > Date.now() / 1000 && crlNext < Date.now() / 1000 + 8 * 86_400, 'the CRL\'s nextUpdate');
  t.notOk(parsed.samples.some((s) => s.name === 'sstp_probe_finding' && s.labels.severity === 'error'));
});

t.test('closed port: probe_success 0 and the tcp-refused finding; the scrape itself succeeds', async (t) => {
  const running = await exporter(t);
  const answer = await httpGet(probeUrl(running, `127.0.0.1:${await unusedPort()}`));
  t.equal(answer.status, 200);
  const parsed = parseExposition(answer.body);
  t.equal(sampleValue(parsed, 'probe_success'), 0);
  t.equal(sampleValue(parsed, 'sstp_probe_finding', { cause: 'tcp-refused', severity: 'error' }), 1);
  t.equal(sampleValue(parsed, 'sstp_probe_step_success', { step: 'tcp' }), 0);
  t.equal(sampleValue(parsed, 'sstp_probe_step_success', { step: 'tls' }), undefined, 'tls was never reached');
  const own = parseExposition((await httpGet(`${running.url}/metrics`)).body);
  t.equal(sampleValue(own, 'sstp_probe_exporter_probes_total', { result: 'failure' }), 1);
});

t.test('bad requests get a one-line reason and never a probe; credentials are refused without being echoed', async (t) => {
  const probes: Target[] = [];
  const running = await exporter(t, { probe: async (target) => { probes.push(target); throw new Error('must not be called'); } });
  const cases: Array<[string, number, RegExp]> = [
    ['/probe', 400, /^missing target parameter/],
    ['/probe?target=', 400, /^missing target parameter/],
    ['/probe?target=bad..host', 400, /^bad target: "bad\.\.host" is not a valid host name/],
    ['/probe?target=vpn.test:99999', 400, /^bad target: .*out of range|invalid port/],
    ['/probe?target=ftp://vpn.test/', 400, /^bad target: SSTP runs over HTTPS/],
    ['/probe?target=a.test&target=b.test', 400, /given twice/],
    ['/probe?target=a.test&module=http_2xx', 400, /^unknown parameter "module"/],
    ['/probe?target=a.test&sni=not%20a%20name', 400, /^bad sni/],
    ['/probe?target=a.test&connections=0', 400, /^bad connections/],
    ['/probe?target=a.test&connections=2.5', 400, /^bad connections/],
    ['/probe?target=a.test&connections=33', 400, /^bad connections: a whole number from 1 to 32/],
    ['/probe?target=a.test&clients=win%3B11', 400, /^bad clients/],
    ['/probe?target=a.test&no_ppp=maybe', 400, /^bad no_ppp/],
    ['/probe?target=a.test&revocation=', 400, /^bad revocation/],
    ['/probe?target=a.test&user=alice', 400, /^credentials are never accepted in a probe URL \("user"\)/],
    ['/probe?target=a.test&password=Sekr1t-value', 400, /^credentials are never accepted/],
    ['/probe?target=a.test&proxy_user=bob', 400, /^credentials are never accepted/],
    ['/probe?target=a.test&proxy_password=Sekr1t-value', 400, /^credentials are never accepted/],
    ['/probe?target=a.test&Token=Sekr1t-value', 400, /^credentials are never accepted/],
    [`/probe?target=${'a'.repeat(3000)}`, 414, /^URL longer than 2048/],
    ['/nothing', 404, /^nothing at \/nothing/],
  ];
  for (const [path, status, reason] of cases) {
    const answer = await httpGet(`${running.url}${path}`);
    t.equal(answer.status, status, path.slice(0, 80));
    t.match(answer.body, reason, path.slice(0, 80));
    t.equal(answer.body.trimEnd().split('\n').length, 1, 'one line');
    t.notMatch(answer.body, /Sekr1t/, 'a secret is never echoed');
  }
  const timeoutHeader = await httpGet(`${running.url}/probe?target=a.test`, { headers: { 'X-Prometheus-Scrape-Timeout-Seconds': 'soon' } });
  t.equal(timeoutHeader.status, 400);
  t.match(timeoutHeader.body, /X-Prometheus-Scrape-Timeout-Seconds/);
  const posted = await httpGet(`${running.url}/probe?target=a.test`, { method: 'POST' });
  t.equal(posted.status, 405);
  const bigHead = await httpGet(`${running.url}/probe?target=a.test`, { headers: { 'x-filler': 'x'.repeat(10_000) } });
  t.equal(bigHead.status, 431, 'request head over 8 KiB');
  const garbage = await rawExchange(running.port, 'NOT HTTP AT ALL\r\n\r\n');
  t.match(garbage, /^HTTP\/1\.1 400 /, 'a request that is not HTTP');
  t.same(probes, [], 'no probe ran');
  const own = parseExposition((await httpGet(`${running.url}/metrics`)).body);
  t.ok(sampleValue(own, 'sstp_probe_exporter_requests_refused_total', { reason: 'bad-request' })! >= 19);
  t.equal(sampleValue(own, 'sstp_probe_exporter_probe_errors_total'), 0);
});

t.test('per-target parameters reach the probe; the trust is prepared once and shared', async (t) => {
  const seen: Array<{ target: Target; options: ServeProbeOptions }> = [];
  const fake = async (target: Target, options: ServeProbeOptions): Promise<ProbeReport> => {
    seen.push({ target, options });
    return probe(`127.0.0.1:${await unusedPort()}`, { ...options, timeoutMs: 5_000 });
  };
  const running = await exporter(t, { probe: fake, probeOptions: { timeoutMs: 20_000, proxy: false } });
  await httpGet(probeUrl(running, 'vpn.contoso.test:8443', '&sni=VPN.contoso.test&clients=windows-11,windows-10,windows-11&connections=8&no_ppp=1&revocation=0'));
  await httpGet(probeUrl(running, '[::1]'), { headers: { 'X-Prometheus-Scrape-Timeout-Seconds': '4' } });
  t.equal(seen.length, 2);
  const [first, second] = seen;
  t.same(first!.target, { host: 'vpn.contoso.test', port: 8443 });
  t.equal(first!.options.sni, 'vpn.contoso.test');
  t.same(first!.options.clients, ['windows-11', 'windows-10']);
  t.equal(first!.options.connections, 8);
  t.equal(first!.options.ppp, false);
  t.equal(first!.options.revocation, false);
  t.equal(first!.options.proxy, false, 'the exporter\'s own options apply');
  t.equal(first!.options.timeoutMs, 20_000, 'no scrape timeout header: the exporter\'s own deadline');
  t.same(second!.target, { host: '::1', port: 443 });
  t.equal(second!.options.timeoutMs, 3_500, 'the scraper\'s 4 s minus the 0.5 s margin');
  t.equal(second!.options.sni, undefined);
  t.ok(first!.options.trust && first!.options.trust === second!.options.trust, 'one prepared trust for every probe');
});

t.test('the deadline: own timeout, or the scrape timeout minus 0.5 s when shorter', async (t) => {
  t.equal(scrapeDeadline(undefined, 30_000), 30_000);
  t.equal(scrapeDeadline('10', 30_000), 9_500);
  t.equal(scrapeDeadline('60', 30_000), 30_000);
  t.equal(scrapeDeadline('0.4', 30_000), 400, 'too short for a margin: all of it');
  t.type(scrapeDeadline('-1', 30_000), 'string');
  t.type(scrapeDeadline('', 30_000), 'string');
});

t.test('a slow server is cut at the scraper\'s deadline, so the answer reaches Prometheus in time', async (t) => {
  const server = await start(t, HOLDING);
  const running = await exporter(t, { probeOptions: { timeoutMs: 60_000, stepTimeoutMs: 60_000 } });
  const answer = await httpGet(probeUrl(running, server.address), { headers: { 'X-Prometheus-Scrape-Timeout-Seconds': '2' } });
  t.equal(answer.status, 200);
  const parsed = parseExposition(answer.body);
  t.equal(sampleValue(parsed, 'probe_success'), 0);
  t.ok(sampleValue(parsed, 'probe_duration_seconds')! < 30, 'ended by the scrape deadline, not the 60 s of its own');
});

t.test('17 slow probes with maxConcurrent 16: exactly one 503 at once; close() cancels the rest', async (t) => {
  const server = await start(t, HOLDING);
  const running = await serve({ host: '127.0.0.1', port: 0, maxConcurrent: 16, probeOptions: { timeoutMs: 120_000, stepTimeoutMs: 120_000 } });
  let closed = false;
  const answers = Array.from({ length: 17 }, () =>
    httpGet(probeUrl(running, server.address)).then((answer) => ({ ...answer, beforeClose: !closed })),
  );
  const first = await Promise.race(answers);
  t.equal(first.status, 503);
  t.match(first.body, /too many probes at once/);
  t.equal(first.headers['retry-after'], '1');
  // Every other probe is still held by the silent server.
  const own = parseExposition((await httpGet(`${running.url}/metrics`)).body);
  t.equal(sampleValue(own, 'sstp_probe_exporter_probes_in_flight'), 16);
  t.equal(sampleValue(own, 'sstp_probe_exporter_requests_refused_total', { reason: 'busy' }), 1);
  closed = true;
  await running.close();
  const all = await Promise.all(answers);
  t.equal(all.filter((answer) => answer.beforeClose && answer.status === 503).length, 1, 'one 503 before close');
  t.equal(all.filter((answer) => answer.beforeClose).length, 1, 'the other 16 were still running');
  t.ok(all.filter((answer) => !answer.beforeClose).every((answer) => answer.status === 503 && /shutting down/.test(answer.body)), 'cancelled ones say so');
  await t.rejects(httpGet(`${running.url}/metrics`), 'no longer listening');
});

t.test('a signal shared by every probe keeps nothing per scrape, and still cancels the probe in flight', async (t) => {
  const controller = new AbortController();
  const running = await exporter(t, { probeOptions: { timeoutMs: 60_000, stepTimeoutMs: 60_000, signal: controller.signal } });
  const closed = `127.0.0.1:${await unusedPort()}`;
  const scrapes = 30;
  for (let i = 0; i < scrapes; i++) t.equal((await httpGet(probeUrl(running, closed))).status, 200);
  // Node keeps an entry per AbortSignal.any() call on a long-lived source: one per scrape for the exporter's life.
  t.ok(followersKeptBy(controller.signal) <= 1, `the signal keeps ${followersKeptBy(controller.signal)} entries after ${scrapes} scrapes`);
  const server = await start(t, HOLDING);
  const held = httpGet(probeUrl(running, server.address));
  await server.waitFor((event) => event.type === 'connection');
  controller.abort();
  const answer = await held;
  t.equal(answer.status, 503, 'the probe held by a silent server is cancelled, not left to its 60 s deadline');
  t.match(answer.body, /probe cancelled/);
});

t.test('the landing page links to /metrics and documents /probe', async (t) => {
  const running = await exporter(t);
  const answer = await httpGet(`${running.url}/`);
  t.equal(answer.status, 200);
  t.match(answer.headers['content-type'], /^text\/html/);
  t.match(answer.body, /href="metrics"/);
  t.match(answer.body, /\/probe\?target=/);
});

t.test('listening on a port already taken: a clear error', async (t) => {
  const running = await exporter(t);
  await t.rejects(serve({ host: '127.0.0.1', port: running.port }), { message: /^cannot listen on 127\.0\.0\.1:\d+: the port is in use$/ });
});

t.test('input the probe itself refuses is a 400 with its reason; a bug is a 500 and the exporter keeps serving', async (t) => {
  const { UsageError } = await import('../lib/errors.js');
  let calls = 0;
  const running = await exporter(t, {
    probe: async () => {
      calls++;
      if (calls === 1) throw new UsageError('connections: this server takes at most 4');
      throw new TypeError('boom');
    },
  });
  const refused = await httpGet(probeUrl(running, 'a.test', '&connections=20'));
  t.equal(refused.status, 400);
  t.equal(refused.body, 'connections: this server takes at most 4\n');
  const broken = await httpGet(probeUrl(running, 'a.test'));
  t.equal(broken.status, 500);
  t.equal(broken.body, 'internal error: boom\n');
  const own = parseExposition((await httpGet(`${running.url}/metrics`)).body);
  t.equal(sampleValue(own, 'sstp_probe_exporter_probe_errors_total'), 1);
  t.equal(sampleValue(own, 'sstp_probe_exporter_probes_in_flight'), 0);
});

t.test('a bad proxy URL fails at start-up, with the password redacted', async (t) => {
  await t.rejects(serve({ host: '127.0.0.1', port: 0, probeOptions: { proxy: 'http://bob:Sekr1t-pw@:3128' } }), { name: 'ProxyUrlError', message: /^--proxy: .*\*\*\*/ });
});

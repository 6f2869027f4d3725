import t from 'tap';
import { spawn } from 'node:child_process';
import { BIN, runBin } from './helpers/cli.js';
import { fixtureStarter } from './helpers/fixture.js';
import { httpGet } from './helpers/http-get.js';
import { parseExposition, sampleValue } from './helpers/prometheus-text.js';
import { parseListen } from '../cli/serve-command.js';
import type { Scenario } from '../fixtures/scenario.js';

// `sstp-probe serve` as users run it: the built bin in a child process.

const start = fixtureStarter();
const HOLDING: Scenario = { name: 'holding', summary: 'accepts, then says nothing', expectCause: null, tls: { behaviour: 'silent' } };

t.test('serve: SIGTERM during probes cancels them and exits 0 within 2 s', async (t) => {
  const server = await start(t, HOLDING);
  const child = spawn(process.execPath, [BIN, 'serve', '--listen', '127.0.0.1:0', '--timeout', '120000', '--step-timeout', '120000'], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DEBUG: 'sstp-probe:cli', DEBUG_COLORS: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
      const match = /serving on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
      if (match) resolve(match[1]!);
    });
    child.once('exit', () => reject(new Error(`serve exited before listening: ${stderr}`)));
  });
  const probes = [1, 2, 3].map(() => httpGet(`${url}/probe?target=${server.address}`).catch((error: Error) => ({ status: 0, body: error.message })));
  for (let i = 0; i < 200; i++) {
    const own = parseExposition((await httpGet(`${url}/metrics`)).body);
    if (sampleValue(own, 'sstp_probe_exporter_probes_in_flight') === 3) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const sent = performance.now();
  child.kill('SIGTERM');
  const { code, signal } = await exited;
  const elapsed = performance.now() - sent;
  t.equal(signal, null, 'not killed by the signal: it handled it');
  t.equal(code, 0, stderr);
  t.ok(elapsed < 2000, `exited ${Math.round(elapsed)} ms after SIGTERM`);
  t.match(stderr, /stopped/);
  t.match(stderr, /heap: the old generation grows to at most 1\.5 times its live size/, 'the exporter keeps its heap near its live size');
  const answers = await Promise.all(probes);
  t.ok(answers.every((answer) => answer.status === 503 || answer.status === 0), 'the probes in flight were cancelled, not answered as if complete');
});

t.test('serve: bad flags are usage errors', async (t) => {
  const listen = await runBin(['serve', '--listen', 'host:port']);
  t.equal(listen.code, 2);
  t.match(listen.stderr, /--listen "host:port": the port must be a number/);
  const concurrent = await runBin(['serve', '--max-concurrent', '0']);
  t.equal(concurrent.code, 2);
  t.match(concurrent.stderr, /--max-concurrent must be a whole number/);
  const proxy = await runBin(['serve', '--proxy', 'http://bob:Sekr1t-pw@:3128', '--listen', '127.0.0.1:0']);
  t.equal(proxy.code, 2, 'a bad proxy URL stops serve at start-up');
  t.match(proxy.stderr, /--proxy: proxy URL has no host|not a valid proxy URL/);
  t.notMatch(proxy.stderr + proxy.stdout, /Sekr1t/, 'the proxy password is never echoed');
  const user = await runBin(['serve', '--user', 'alice', '--password-env', 'PW'], { PW: 'x' });
  t.equal(user.code, 2);
  t.match(user.stderr, /serve never logs in/);
});

t.test('serve --help shows the defaults the exporter applies', async (t) => {
  const { DEFAULT_LISTEN_HOST, DEFAULT_LISTEN_PORT, DEFAULT_MAX_CONCURRENT } = await import('../lib/serve/defaults.js');
  const { DEFAULT_WARNING_DAYS, DEFAULT_CRITICAL_DAYS } = await import('../lib/report/nagios.js');
  const serveHelp = await runBin(['serve', '--help']);
  t.equal(serveHelp.code, 0);
  // yargs wraps the descriptions: compare with the line breaks folded.
  const serveText = serveHelp.stdout.replace(/\s+/g, ' ');
  t.match(serveText, `default ${DEFAULT_LISTEN_HOST}:${DEFAULT_LISTEN_PORT}`);
  t.match(serveText, `503 (default ${DEFAULT_MAX_CONCURRENT})`);
  const help = (await runBin(['--help'])).stdout.replace(/\s+/g, ' ');
  t.match(help, `WARNING when the certificate expires within this many days (default ${DEFAULT_WARNING_DAYS})`);
  t.match(help, `CRITICAL when the certificate expires within this many days (default ${DEFAULT_CRITICAL_DAYS})`);
  t.match(help, /serve run a Prometheus exporter/);
});

t.test('--listen: loopback by default and when only a port is named; other addresses only when written out', async (t) => {
  t.same(parseListen(undefined), { host: '127.0.0.1', port: 9468, loopback: true });
  t.same(parseListen(':9100'), { host: '127.0.0.1', port: 9100, loopback: true });
  t.same(parseListen('[::1]:9100'), { host: '::1', port: 9100, loopback: true });
  t.same(parseListen('0.0.0.0:9468'), { host: '0.0.0.0', port: 9468, loopback: false });
  t.same(parseListen('192.0.2.10'), { host: '192.0.2.10', port: 9468, loopback: false });
  t.throws(() => parseListen('::1:9100'), /\[address\]:port/);
});

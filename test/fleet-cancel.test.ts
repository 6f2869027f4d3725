import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { unusedPort } from '../fixtures/ports.js';
import type { Scenario } from '../fixtures/scenario.js';
import { fixtureStarter } from './helpers/fixture.js';

// Cancelling probeMany must leave nothing behind: the program that used it ends by itself, with no socket,
// timer or pending read keeping Node alive. Checked in a child process running the built library, which is
// given no way to exit other than its event loop running dry.

const start = fixtureStarter();
const FLEET = fileURLToPath(new URL('../dist/lib/fleet.js', import.meta.url));

const CHILD = `
import { probeMany } from ${JSON.stringify(pathToFileURL(FLEET).href)};
const { targets, waitFor } = JSON.parse(process.argv[2]);
const controller = new AbortController();
const reached = new Set();
let reports = 0;
const maybeAbort = () => {
  if (reports >= 1 && reached.size === Object.keys(waitFor).length && !controller.signal.aborted) {
    process.stdout.write('abort\\n');
    controller.abort();
  }
};
const onStep = (target, step) => {
  const key = target.host + ':' + target.port;
  if (waitFor[key] === step.name && step.status === 'pass') reached.add(key);
  maybeAbort();
};
// Deadlines far beyond the test's patience: only the cancellation can end these probes in time.
for await (const report of probeMany(targets, { signal: controller.signal, onStep, stepTimeoutMs: 60000, timeoutMs: 120000 })) {
  reports++;
  process.stdout.write('report ' + report.target.host + ':' + report.target.port + '\\n');
  maybeAbort();
}
process.stdout.write('loop ended\\n');
`;

t.test('aborting probeMany mid-run stops every probe and the process exits on its own', { skip: existsSync(FLEET) ? false : 'run npm run build first' }, async (t) => {
  const silentTls: Scenario = { name: 'tls-silent', summary: 'accepts TCP, never answers the ClientHello', expectCause: null, tls: { behaviour: 'silent' } };
  const servers = {
    tls: await start(t, silentTls),
    http: await start(t, 'http-silent'),
    sstp1: await start(t, 'sstp-silent'),
    sstp2: await start(t, 'sstp-silent'),
  };
  const closed = `127.0.0.1:${await unusedPort()}`;
  // Abort only once each silent server holds a connection stuck at a different layer.
  const waitFor = {
    [servers.tls.address]: 'tcp',
    [servers.http.address]: 'tls',
    [servers.sstp1.address]: 'http',
    [servers.sstp2.address]: 'http',
  };
  const dir = mkdtempSync(join(tmpdir(), 'sstp-probe-fleet-cancel-'));
  const script = join(dir, 'child.mjs');
  writeFileSync(script, CHILD);

  const child = spawn(process.execPath, [script, JSON.stringify({ targets: [closed, ...Object.keys(waitFor)], waitFor })], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  let killed = false;
  // Far below the 60 s step deadline: a child still alive then was kept alive by something cancel missed.
  const guard = setTimeout(() => {
    killed = true;
    child.kill('SIGKILL');
  }, 15_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', (exit) => resolve(exit)));
  clearTimeout(guard);

  t.equal(killed, false, 'the child exited by itself');
  t.equal(code, 0, stderr);
  t.same(stdout.trim().split('\n'), [`report ${closed}`, 'abort', 'loop ended'], 'one report (the refused port), then the loop ended without the cut-short ones');
  // (The TLS-silent fixture never reads its socket, so it cannot notice the close: the exit above covers it.)
  for (const server of [servers.http, servers.sstp1, servers.sstp2]) {
    await server.waitFor((event) => event.type === 'close', 5_000);
    t.pass(`${server.scenario.name} at ${server.address}: the connection was closed`);
  }
});

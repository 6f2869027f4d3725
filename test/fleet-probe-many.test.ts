import t from 'tap';
import { getEventListeners } from 'node:events';
import { probeMany } from '../lib/fleet.js';
import type { ProbeOptions } from '../lib/probe.js';
import type { ProbeReport, StepResult, Target } from '../lib/types.js';
import { formatTarget } from '../lib/target.js';
import { UsageError } from '../lib/errors.js';
import { unusedPort } from '../fixtures/ports.js';
import { findScenario } from '../fixtures/scenarios/index.js';
import { fixtureStarter } from './helpers/fixture.js';
import { followersKeptBy } from './helpers/signal-followers.js';

const start = fixtureStarter();
const FAST = { stepTimeoutMs: 1_500, timeoutMs: 8_000 };

async function collect(iterable: AsyncIterable<ProbeReport>): Promise<ProbeReport[]> {
  const reports: ProbeReport[] = [];
  for await (const report of iterable) reports.push(report);
  return reports;
}

function errorCauses(report: ProbeReport): string[] {
  return report.findings.filter((finding) => finding.severity === 'error').map((finding) => finding.cause);
}

t.test('one report per target whatever the mix of outcomes, each judged on its own server', async (t) => {
  // The healthy servers speak PPP too, so they are healthy whether or not the probe reads the LCP offer.
  const names = ['ppp-mschapv2', 'http-404', 'tls-reset', 'sstp-nak', 'ppp-softether'];
  const servers = await Promise.all(names.map((name) => start(t, name)));
  const closed = `127.0.0.1:${await unusedPort()}`;
  const expected = new Map<string, string | null>(servers.map((server) => [server.address, server.scenario.expectCause]));
  expected.set(closed, 'tcp-refused');
  const trusted = servers.flatMap((server) => server.trustedCaPems);

  const steps: Array<[string, StepResult['name']]> = [];
  const reports = await collect(probeMany([...expected.keys()], {
    ...FAST,
    trustedCaPems: trusted,
    concurrency: 3,
    onStep: (target, step) => steps.push([formatTarget(target), step.name]),
  }));

  t.equal(reports.length, expected.size, 'as many reports as targets');
  t.same(new Set(reports.map((report) => formatTarget(report.target))), new Set(expected.keys()), 'the set of targets is the input');
  for (const report of reports) {
    const where = formatTarget(report.target);
    const cause = expected.get(where);
    if (cause === null) t.same(errorCauses(report), [], `${where} (healthy) has no error`);
    else t.ok(errorCauses(report).includes(cause!), `${where} shows ${cause}`);
    t.equal(report.ok, cause === null, `${where} verdict`);
  }
  // Live progress: every step names the target it belongs to.
  for (const where of expected.keys()) {
    t.ok(steps.some(([target, name]) => target === where && name === 'tcp'), `tcp step of ${where} reported live`);
  }
  t.ok(steps.some(([target, name]) => target === servers[0]!.address && name === 'sstp'), 'sstp step of the healthy server reported live');
});

t.test('reports come in completion order: a silent server does not hold back the others', async (t) => {
  const silent = await start(t, 'http-silent');
  const quick = await Promise.all(['http-404', 'tls-reset'].map((name) => start(t, name)));
  const closed = `127.0.0.1:${await unusedPort()}`;
  const order = [silent.address, ...quick.map((server) => server.address), closed];
  const reports = await collect(probeMany(order, { ...FAST, concurrency: 4 }));
  t.equal(reports.length, 4);
  t.equal(formatTarget(reports.at(-1)!.target), silent.address, 'listed first, reported last');
  t.ok(errorCauses(reports.at(-1)!).includes('http-no-response'));
});

t.test('every target gets its own connection: the same server listed three times is probed three times', async (t) => {
  const server = await start(t, 'http-404');
  const reports = await collect(probeMany([server.address, server.address, server.address], FAST));
  t.equal(reports.length, 3, 'probeMany probes duplicates (the CLI drops them)');
  // Each probe makes its main connection plus one handshake for windows-10 (no TLS 1.3) beside it.
  t.equal(server.events.filter((event) => event.type === 'connection').length, 6, 'two TCP connections per probe');
  t.equal(server.events.filter((event) => event.type === 'http-request').length, 3, 'three SSTP_DUPLEX_POST requests');
});

/** A stand-in probe that finishes when told to, so the test controls completion and can count what runs. */
function controlledProbe() {
  const running = new Map<string, { finish: () => void }>();
  const aborted: string[] = [];
  let peak = 0;
  let started = 0;
  const fake = (target: Target, options: ProbeOptions): Promise<ProbeReport> => {
    started++;
    return new Promise((resolve) => {
      const key = formatTarget(target);
      const signal = options.signal!;
      const finish = (): void => {
        signal.removeEventListener('abort', onAbort);
        running.delete(key);
        resolve({ target, ok: true, findings: [], steps: [], durationMs: 1 } as unknown as ProbeReport);
      };
      const onAbort = (): void => {
        aborted.push(target.host);
        finish();
      };
      running.set(key, { finish });
      peak = Math.max(peak, running.size);
      options.onStep?.({ name: 'tcp', status: 'pass', durationMs: 0, code: 'connected', detail: null });
      signal.addEventListener('abort', onAbort, { once: true });
    });
  };
  return { fake, running, aborted, stats: () => ({ peak, started }) };
}

t.test('never more than `concurrency` probes at once, and every target is probed', async (t) => {
  const control = controlledProbe();
  const targets = Array.from({ length: 10 }, (_, i) => `10.0.0.${i + 1}`);
  const seen: string[] = [];
  const iterator = probeMany(targets, { concurrency: 3, probe: control.fake, onStep: (target) => seen.push(target.host) })[Symbol.asyncIterator]();
  const reports: ProbeReport[] = [];
  const pump = (async () => {
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      reports.push(next.value);
    }
  })();
  // Finish whichever probe runs, one at a time, until all are done.
  while (reports.length < targets.length) {
    await new Promise((resolve) => setImmediate(resolve));
    const first = control.running.values().next();
    if (!first.done) first.value.finish();
  }
  await pump;
  t.equal(control.stats().peak, 3, 'three at a time');
  t.equal(control.stats().started, 10);
  t.same(new Set(reports.map((report) => report.target.host)), new Set(targets));
  t.same(new Set(seen), new Set(targets), 'onStep names each target');
});

t.test('a consumer that stops taking reports holds back new probes: finished reports do not pile up', async (t) => {
  const targets = Array.from({ length: 50 }, (_, i) => `10.0.2.${i + 1}`);
  let started = 0;
  const instant = async (target: Target): Promise<ProbeReport> => {
    started++;
    return { target, ok: true, findings: [], steps: [], durationMs: 1 } as unknown as ProbeReport;
  };
  const iterator = probeMany(targets, { concurrency: 4, probe: instant })[Symbol.asyncIterator]();
  await iterator.next();
  // The consumer is busy elsewhere (writing to a slow pipe): the probes' own turns come and go.
  for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
  t.ok(started <= 5, `${started} of 50 probed while one report was taken (at most concurrency + the one taken)`);
  let rest = 0;
  for (let next = await iterator.next(); !next.done; next = await iterator.next()) rest++;
  t.equal(rest + 1, 50, 'every target is still probed once the consumer takes reports again');
  t.equal(started, 50);
});

t.test('an invalid target is refused before anything is probed', async (t) => {
  const control = controlledProbe();
  t.throws(() => probeMany(['vpn.contoso.com', 'bad host name!'], { probe: control.fake }), UsageError);
  t.throws(() => probeMany(['vpn.contoso.com'], { probe: control.fake, concurrency: 0 }), UsageError);
  t.equal(control.stats().started, 0);
});

t.test('leaving the loop early cancels the probes still running and starts no more', async (t) => {
  const control = controlledProbe();
  const targets = Array.from({ length: 20 }, (_, i) => `10.0.1.${i + 1}`);
  const fake = (target: Target, options: ProbeOptions): Promise<ProbeReport> => {
    const pending = control.fake(target, options);
    if (target.host === '10.0.1.2') setImmediate(() => control.running.get(formatTarget(target))?.finish());
    return pending;
  };
  let count = 0;
  for await (const report of probeMany(targets, { concurrency: 5, probe: fake })) {
    count++;
    t.equal(report.target.host, '10.0.1.2');
    break;
  }
  t.equal(count, 1);
  t.equal(control.running.size, 0, 'nothing left running once the loop has exited');
  const { started } = control.stats();
  t.ok(started < targets.length, `no probe started after the break (${started} of ${targets.length} started)`);
  t.equal(control.aborted.length, started - 1, 'every started probe but the one reported was cancelled');
});

t.test('cancelling the signal ends the iteration and closes every connection to silent servers', async (t) => {
  const silent = await Promise.all([0, 1, 2].map(() => start(t, findScenario('sstp-silent')!)));
  const closed = `127.0.0.1:${await unusedPort()}`;
  const controller = new AbortController();
  const reports: ProbeReport[] = [];
  for await (const report of probeMany([closed, ...silent.map((server) => server.address)], { stepTimeoutMs: 20_000, timeoutMs: 60_000, signal: controller.signal })) {
    reports.push(report);
    // The refused port answers first; by then the silent servers hold open connections.
    await Promise.all(silent.map((server) => server.waitFor((event) => event.type === 'sstp')));
    controller.abort();
  }
  t.same(reports.map((report) => formatTarget(report.target)), [closed], 'only the report finished before the cancel');
  for (const server of silent) {
    await server.waitFor((event) => event.type === 'close', 3_000);
    t.pass(`${server.address} saw its connection closed`);
  }
});

t.test('a long-lived signal passed to probeMany keeps nothing per probe, and wide runs raise no listener warning', async (t) => {
  const healthy = await start(t, 'ppp-mschapv2');
  const controller = new AbortController();
  const warnings: string[] = [];
  const onWarning = (warning: Error): number => warnings.push(`${warning.name}: ${warning.message}`);
  process.on('warning', onWarning);
  t.teardown(() => void process.off('warning', onWarning));
  // The same signal over three runs, as a service that probes its fleet every few minutes would pass it.
  const runs = 3;
  const perRun = 24;
  let reports = 0;
  for (let run = 0; run < runs; run++) {
    const targets = Array.from({ length: perRun }, () => healthy.address);
    for await (const report of probeMany(targets, { ...FAST, trustedCaPems: healthy.trustedCaPems, concurrency: 12, signal: controller.signal })) {
      if (report.ok) reports++;
    }
  }
  t.equal(reports, runs * perRun, 'every probe of the healthy server is ok');
  // Node keeps an entry per AbortSignal.any() call on each source signal until that source is collected:
  // one per probe on a signal that lives as long as the service would grow without end.
  t.ok(followersKeptBy(controller.signal) <= runs, `the signal keeps ${followersKeptBy(controller.signal)} entries after ${runs * perRun} probes`);
  t.same(getEventListeners(controller.signal, 'abort'), [], 'no listener left on the signal once the runs are over');
  t.same(warnings.filter((warning) => warning.includes('MaxListeners')), [], 'no MaxListenersExceededWarning with 12 probes at once');
});

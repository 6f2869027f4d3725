import { createServer } from 'node:net';
import type { ProbeReport } from './types.js';
import type { CliIo } from './cli.js';
import { UsageError } from './errors.js';
import { mapBounded, probe } from './probe.js';
import { createCertFactory } from '../fixtures/certs.js';
import { startFixtureServer, type FixtureServer } from '../fixtures/server.js';
import { SCENARIOS } from '../fixtures/scenarios/index.js';
import type { Scenario } from '../fixtures/scenario.js';

// `sstp-probe demo`: the first thing a new user runs. Starts the fixture server on loopback once per
// scenario, probes each, and shows that the probe names the cause each scenario was built to show.

export interface DemoOptions {
  json: boolean;
  color: boolean;
  list: boolean;
  scenarios: string[];
  stepTimeoutMs?: number;
}

export interface DemoResult {
  scenario: string;
  summary: string;
  expected: string | null;
  found: string[];
  matched: boolean;
  report: ProbeReport;
}

export async function runDemo(options: DemoOptions, io: CliIo): Promise<number> {
  if (options.list) {
    for (const scenario of SCENARIOS) io.stdout.write(`${scenario.name.padEnd(28)} ${scenario.summary}\n`);
    return 0;
  }
  const unknown = options.scenarios.filter((name) => !SCENARIOS.some((s) => s.name === name));
  if (unknown.length) throw new UsageError(`unknown scenario ${unknown.map((n) => `"${n}"`).join(', ')} (see 'sstp-probe demo --list')`);
  const chosen = options.scenarios.length ? SCENARIOS.filter((s) => options.scenarios.includes(s.name)) : SCENARIOS;
  if (!options.json) io.stdout.write(`Probing ${chosen.length} fixture scenarios on loopback (as ${DEMO_HOST})...\n\n`);
  const results = await demoScenarios(chosen, { stepTimeoutMs: options.stepTimeoutMs ?? 1_500, ...(io.signal ? { signal: io.signal } : {}) });
  if (options.json) {
    io.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  } else {
    const mark = (ok: boolean): string => (options.color ? (ok ? '\x1b[32m✔\x1b[0m' : '\x1b[31m✘\x1b[0m') : ok ? '✔' : '✘');
    for (const result of results) {
      const said = result.found.length ? result.found.join(', ') : 'healthy';
      io.stdout.write(`${mark(result.matched)} ${result.scenario.padEnd(24)} ${said.padEnd(34)} ${result.summary}\n`);
    }
    const failed = results.filter((r) => !r.matched).length;
    io.stdout.write(`\n${results.length - failed} of ${results.length} scenarios diagnosed as expected.\n`);
    io.stdout.write(`Probe one yourself: the healthy server is what 'sstp-probe <your-server>' should look like.\n`);
  }
  return results.every((r) => r.matched) ? 0 : 1;
}

/** Starts each scenario's server, probes it, and compares the error causes found with the expected one. */
export async function demoScenarios(
  scenarios: Scenario[],
  options: { stepTimeoutMs: number; signal?: AbortSignal; concurrency?: number },
): Promise<DemoResult[]> {
  const factory = createCertFactory();
  return mapBounded(scenarios, options.concurrency ?? 6, (scenario) => demoOne(scenario, factory, options));
}

/** The name every scenario is probed by; an injected resolver maps it to loopback. */
export const DEMO_HOST = 'sstp.test';

async function demoOne(scenario: Scenario, factory: ReturnType<typeof createCertFactory>, options: { stepTimeoutMs: number; signal?: AbortSignal }): Promise<DemoResult> {
  const servers: FixtureServer[] = [];
  try {
    let port: number;
    let trusted: string[] = [];
    const addresses: Array<{ address: string; family: 4 | 6 }> = [{ address: '127.0.0.1', family: 4 }];
    if (scenario.closedPort) {
      port = await unusedPort();
    } else {
      const main = await startFixtureServer(scenario, { factory });
      servers.push(main);
      port = main.port;
      trusted = main.trustedCaPems;
      if (scenario.ipv6Twin) {
        const twin = { name: `${scenario.name} (IPv6)`, summary: scenario.summary, expectCause: null, ...scenario.ipv6Twin };
        servers.push(await startFixtureServer(twin, { factory, host: '::1', port }));
        addresses.push({ address: '::1', family: 6 });
      }
    }
    const report = await probe(`${DEMO_HOST}:${port}`, {
      stepTimeoutMs: options.stepTimeoutMs,
      timeoutMs: options.stepTimeoutMs * 6,
      trustedCaPems: trusted,
      resolver: async (host) => (host === DEMO_HOST ? addresses : []),
      env: {},
      ...(scenario.probe?.sni !== undefined ? { sni: scenario.probe.sni } : {}),
      ...(scenario.probe?.expectSha1 ? { expectSha1: scenario.probe.expectSha1 } : {}),
      ...(scenario.probe?.user && scenario.probe.password ? { credentials: { userName: scenario.probe.user, password: scenario.probe.password } } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const found = report.findings.filter((f) => f.severity === 'error').map((f) => f.cause);
    const matched = scenario.expectCause === null ? found.length === 0 : found.includes(scenario.expectCause);
    return { scenario: scenario.name, summary: scenario.summary, expected: scenario.expectCause, found, matched, report };
  } finally {
    await Promise.all(servers.map((server) => server.close()));
  }
}

/** A loopback port with nothing listening: bind, note the port, close. */
export function unusedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

import type { Test } from 'tap';
import { createCertFactory, type CertFactory } from '../../fixtures/certs.js';
import { startFixtureServer, type FixtureServer } from '../../fixtures/server.js';
import { findScenario } from '../../fixtures/scenarios/index.js';
import type { Scenario } from '../../fixtures/scenario.js';

// One certificate factory per test file keeps RSA key generation to a handful of keys.
export function fixtureStarter(factory: CertFactory = createCertFactory()) {
  return async function start(t: Test, scenario: Scenario | string, host = '127.0.0.1'): Promise<FixtureServer> {
    const chosen = typeof scenario === 'string' ? findScenario(scenario) : scenario;
    if (!chosen) throw new Error(`no scenario ${String(scenario)}`);
    const server = await startFixtureServer(chosen, { factory, host });
    t.teardown(() => server.close());
    return server;
  };
}

import t from 'tap';
import { probe } from '../lib/probe.js';
import { unusedPort } from '../fixtures/ports.js';
import { fixtureStarter } from './helpers/fixture.js';
import { validateReport } from './helpers/schema.js';

// Real reports, from real probes of the fixture, must match the published schema.

const validate = validateReport;
const start = fixtureStarter();

const SCENARIOS = ['healthy', 'tls-reset', 'http-404', 'http-1.0', 'sstp-nak', 'sstp-abort', 'cert-expired'];

for (const name of SCENARIOS) {
  t.test(`the ${name} report matches the schema`, async (t) => {
    const server = await start(t, name);
    const report = await probe(server.address, { stepTimeoutMs: 1_500, trustedCaPems: server.trustedCaPems });
    const valid = validate(JSON.parse(JSON.stringify(report)));
    t.ok(valid, JSON.stringify(validate.errors, null, 1));
  });
}

t.test('a refused connection\'s report matches the schema', async (t) => {
  const report = await probe(`127.0.0.1:${await unusedPort()}`, { stepTimeoutMs: 1_500 });
  t.ok(validate(JSON.parse(JSON.stringify(report))), JSON.stringify(validate.errors, null, 1));
});

t.test('the schema rejects a report that breaks the contract', async (t) => {
  const server = await start(t, 'healthy');
  const report = JSON.parse(JSON.stringify(await probe(server.address, { stepTimeoutMs: 1_500, trustedCaPems: server.trustedCaPems })));
  t.notOk(validate({ ...report, ok: 'yes' }), 'ok must be a boolean');
  t.notOk(validate({ ...report, steps: report.steps.slice(1) }), 'all eight steps are present');
  t.notOk(validate({ ...report, certificate: { ...report.certificate, sha1: report.certificate.sha1.toLowerCase() } }), 'thumbprints are uppercase hex');
  t.notOk(validate({ ...report, sstp: { ...report.sstp, nonce: 'AA' } }), 'a nonce is never part of a report');
});

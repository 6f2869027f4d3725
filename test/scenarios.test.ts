import t from 'tap';
import { demoScenarios, DEMO_HOST } from '../fixtures/demo.js';
import { SCENARIOS, findScenario } from '../fixtures/scenarios/index.js';
import { CAUSES } from '../lib/diagnose/causes.js';

// The table test of the diagnosis: every fixture scenario, probed over real sockets, is diagnosed with the
// cause it was built to show (severity error), and a healthy server with none.

t.test('every scenario is diagnosed with its expected cause', async (t) => {
  const results = await demoScenarios(SCENARIOS, { stepTimeoutMs: 1_500, concurrency: 4 });
  for (const result of results) {
    const errors = result.report.findings.filter((f) => f.severity === 'error');
    if (result.expected === null) {
      t.same(errors.map((f) => f.cause), [], `${result.scenario}: healthy, no error`);
      t.equal(result.report.ok, true, `${result.scenario}: ok`);
    } else {
      t.ok(errors.some((f) => f.cause === result.expected), `${result.scenario}: ${result.expected} (found: ${result.found.join(', ') || 'none'})`);
      t.equal(result.report.ok, false, `${result.scenario}: not ok, so the CLI exits 1`);
    }
  }
});

t.test('every client-visible cause of the catalogue has a scenario', async (t) => {
  const covered = new Set(SCENARIOS.map((s) => s.expectCause).filter((c): c is string => c !== null));
  // Causes a fixture on loopback cannot produce, each with the reason.
  const notOnLoopback: Record<string, string> = {
    'dns-resolution-failed': 'covered by an injected resolver in test/probe.test.ts',
    'tcp-timeout': 'needs a filtering host; covered with a silent resolver/peer in tests',
    'tcp-unreachable': 'needs a network without a route',
  };
  for (const [cause, spec] of Object.entries(CAUSES)) {
    if (spec.severity !== 'error' || cause in notOnLoopback) continue;
    if (cause.startsWith('proxy-')) continue; // proxy scenarios run through proxies: test/probe-proxy.test.ts
    t.ok(covered.has(cause), `${cause} has a fixture scenario`);
  }
});

t.test('dual stack: IPv6 failing where IPv4 works names the IPv6 address and the [::] binding', async (t) => {
  const [result] = await demoScenarios([findScenario('ipv6-binding-missing')!], { stepTimeoutMs: 1_500 });
  const report = result!.report;
  t.same(report.resolved.map((a) => a.address), ['127.0.0.1', '::1']);
  t.match(report.addresses, [
    { address: '127.0.0.1', family: 4, ok: true },
    { address: '::1', family: 6, ok: false, failedStep: 'tls' },
  ]);
  const finding = report.findings.find((f) => f.cause === 'address-inconsistent');
  t.ok(finding, 'address-inconsistent');
  t.match(finding?.summary, /::1/);
  t.match(finding?.remediation.join('\n'), new RegExp(`\\[::\\]:${report.target.port}`));
  t.equal(report.target.host, DEMO_HOST);
});

t.test('SNI: a hostname-only binding is found by retrying with SNI', async (t) => {
  const [result] = await demoScenarios([findScenario('hostname-binding-only')!], { stepTimeoutMs: 1_500 });
  const report = result!.report;
  t.equal(report.tls?.sni, null);
  t.match(report.sniComparison, { withSni: { ok: true }, withoutSni: { ok: false } });
  t.match(report.findings.map((f) => `${f.summary}\n${f.remediation.join('\n')}`).join('\n'), /hostnameport/);
});

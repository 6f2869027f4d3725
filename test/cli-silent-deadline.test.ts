import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProbeReport } from '../lib/types.js';
import { fixtureStarter } from './helpers/fixture.js';
import { runBin, type CliRun } from './helpers/cli.js';

// A server that reads SSTP_DUPLEX_POST and never answers, probed with `--timeout 3000` and no
// `--step-timeout`: the step's own timer (what is left of the overall deadline) and the overall deadline
// end the wait at the same moment. Whichever fires first, the http step must read `timeout` and the
// diagnosis `http-no-response`: both endings are the same outcome, so the verdict does not depend on which
// wins. Twenty runs, five CLI processes at a time, so that the race is run on a busy machine.

const RUNS = 20;
const AT_ONCE = 5;
const start = fixtureStarter();

t.test(`a silent server with --timeout 3000: http-no-response in ${RUNS} of ${RUNS} runs`, async (t) => {
  const server = await start(t, 'http-silent');
  const ca = join(mkdtempSync(join(tmpdir(), 'sstp-probe-')), 'ca.pem');
  writeFileSync(ca, server.trustedCaPems.join('\n'));
  const runs: CliRun[] = [];
  for (let i = 0; i < RUNS; i += AT_ONCE) {
    runs.push(...(await Promise.all(Array.from({ length: AT_ONCE }, () => runBin([server.address, '--timeout', '3000', '--ca', ca, '--json'])))));
  }
  const verdicts = runs.map((run) => {
    const report = JSON.parse(run.stdout) as ProbeReport;
    const http = report.steps.find((s) => s.name === 'http');
    const errors = report.findings.filter((f) => f.severity === 'error').map((f) => f.cause);
    return `${http?.code}:${errors.join(',')}:${report.cancelled ? 'cancelled' : 'finished'}`;
  });
  t.same(verdicts, Array<string>(RUNS).fill('timeout:http-no-response:finished'), verdicts.join('\n'));
  t.ok(runs.every((run) => run.code === 1), 'each run exits 1 (a problem found)');
  t.notOk(runs.some((run) => /"code":\s*"(cancelled|aborted)"/.test(run.stdout)), 'no step reads as cancelled');
});

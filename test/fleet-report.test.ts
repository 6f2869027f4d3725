import t from 'tap';
import type { Finding, ProbeReport, StepResult } from '../lib/types.js';
import { STEP_NAMES } from '../lib/types.js';
import { ndjsonLine } from '../cli/ndjson.js';
import { firstCause, formatDuration, formatResultLine, renderSummary, summaryRow } from '../cli/summary.js';
import { createProgressLine, formatProgress } from '../cli/progress.js';

// The text and NDJSON a fleet run prints, and its progress line: pure functions over reports.

function finding(cause: string, severity: Finding['severity'] = 'error'): Finding {
  return { cause, severity, summary: `${cause} summary`, evidence: {}, remediation: [] };
}

function report(host: string, port: number, options: { findings?: Finding[]; failedStep?: [StepResult['name'], string]; durationMs?: number } = {}): ProbeReport {
  const findings = options.findings ?? [];
  const steps: StepResult[] = STEP_NAMES.map((name) => ({
    name,
    status: options.failedStep?.[0] === name ? 'fail' : 'pass',
    durationMs: 1,
    code: options.failedStep?.[0] === name ? options.failedStep[1] : 'ok',
    detail: 'line one\nline two',
  }) as StepResult);
  return {
    schemaVersion: 1,
    tool: { name: 'sstp-probe', version: '0.0.0' },
    ok: !findings.some((f) => f.severity === 'error') && !options.failedStep,
    target: { host, port },
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: options.durationMs ?? 120,
    resolved: [],
    connectedAddress: null,
    addresses: [],
    proxy: null,
    steps,
    tls: null,
    certificate: null,
    http: null,
    sstp: null,
    ppp: null,
    auth: null,
    findings,
  };
}

const healthy = report('vpn1.contoso.com', 443, { findings: [finding('cert-expires-soon', 'warning')], durationMs: 240 });
const expired = report('vpn2.contoso.com', 8443, { findings: [finding('cert-expired'), finding('cert-untrusted'), finding('x', 'info')], durationMs: 1_530 });
const refused = report('2001:db8::7', 443, { findings: [finding('tcp-refused')], durationMs: 3 });
const cancelled = report('vpn3.contoso.com', 443, { failedStep: ['tls', 'aborted'] });

t.test('NDJSON: one compact line per report, newlines inside fields stay escaped', async (t) => {
  const line = ndjsonLine(expired);
  t.equal(line.indexOf('\n'), line.length - 1, 'exactly one newline, at the end');
  t.same(JSON.parse(line), expired, 'the line is the whole report');
});

t.test('the first cause: first error finding, else the failed step, else none', async (t) => {
  t.equal(firstCause(expired), 'cert-expired');
  t.equal(firstCause(healthy), null, 'warnings do not make a cause');
  t.equal(firstCause(cancelled), 'tls-aborted');
});

t.test('one short line per finished target', async (t) => {
  t.equal(formatResultLine(healthy, { color: false }), '✔ vpn1.contoso.com:443  ok  240 ms\n');
  t.equal(formatResultLine(expired, { color: false }), '✘ vpn2.contoso.com:8443  problem  cert-expired (+1 more)  1.5 s\n');
  t.equal(formatResultLine(refused, { color: false, ascii: true }), 'x [2001:db8::7]:443  problem  tcp-refused  3 ms\n');
  t.match(formatResultLine(refused, { color: true }), /^\x1b\[31m✘\x1b\[0m /, 'red mark with colour');
});

t.test('the summary table: aligned columns in the order given, totals last', async (t) => {
  const text = renderSummary([healthy, expired, refused].map(summaryRow), { elapsedMs: 2_100, duplicates: 2 }, { color: false });
  t.equal(text, [
    'TARGET                 VERDICT  FIRST CAUSE   DURATION',
    'vpn1.contoso.com:443   ok       -               240 ms',
    'vpn2.contoso.com:8443  problem  cert-expired     1.5 s',
    '[2001:db8::7]:443      problem  tcp-refused       3 ms',
    '',
    '3 targets probed in 2.1 s: 1 ok, 2 with problems; 2 duplicate entries skipped',
    '',
  ].join('\n'));
  t.match(renderSummary([healthy].map(summaryRow), { elapsedMs: 10, notProbed: 4 }, { color: false }), /1 target probed in 10 ms: 1 ok, 0 with problems; cancelled before 4 more could be probed/);
});

t.test('durations read naturally', async (t) => {
  t.equal(formatDuration(0), '0 ms');
  t.equal(formatDuration(999), '999 ms');
  t.equal(formatDuration(1_000), '1.0 s');
  t.equal(formatDuration(59_949), '59.9 s');
  t.equal(formatDuration(59_990), '1 min 0 s');
  t.equal(formatDuration(125_000), '2 min 5 s');
});

t.test('progress text: done/total, failures, rate; never wider than the terminal', async (t) => {
  t.equal(formatProgress({ done: 412, total: 1000, failed: 37, elapsedMs: 8_000 }), '412/1000 done, 37 with problems, 51.5/s, 8.0 s');
  t.equal(formatProgress({ done: 0, total: 3, failed: 0, elapsedMs: 0 }), '0/3 done, 0 with problems, 0.0/s, 0.0 s');
  t.equal(formatProgress({ done: 412, total: 1000, failed: 37, elapsedMs: 8_000 }, 20).length, 20);
});

function fakeStream(isTTY: boolean, columns = 80) {
  const writes: string[] = [];
  return { stream: { isTTY, columns, write: (text: string) => writes.push(text) }, writes };
}

t.test('the progress line is drawn only on a terminal', async (t) => {
  const piped = fakeStream(false);
  const line = createProgressLine(piped.stream);
  line.update({ done: 1, total: 2, failed: 0, elapsedMs: 10 });
  line.around(() => piped.writes.push('RESULT'));
  line.clear();
  t.same(piped.writes, ['RESULT'], 'a pipe receives only what the caller writes');

  const off = fakeStream(true);
  createProgressLine(off.stream, { enabled: false }).update({ done: 1, total: 2, failed: 0, elapsedMs: 10 });
  t.same(off.writes, [], 'disabled on request');
});

t.test('on a terminal: redrawn in place, at most every interval, moved out of the way of results', async (t) => {
  let clock = 0;
  const tty = fakeStream(true, 30);
  const line = createProgressLine(tty.stream, { minIntervalMs: 100, now: () => clock });
  line.update({ done: 1, total: 3, failed: 1, elapsedMs: 1_000 });
  clock = 50;
  line.update({ done: 2, total: 3, failed: 1, elapsedMs: 1_050 });
  t.equal(tty.writes.length, 1, 'the second update came too soon');
  line.around(() => tty.writes.push('RESULT\n'));
  t.same(tty.writes.slice(1), ['\r\x1b[K', 'RESULT\n', '\r\x1b[K2/3 done, 1 with problems, 1.'], 'erase, print, redraw the latest state (cut to the width)');
  clock = 60;
  line.update({ done: 3, total: 3, failed: 1, elapsedMs: 1_060 });
  t.match(tty.writes.at(-1), /^\r\x1b\[K3\/3 done/, 'the final state is always drawn');
  line.clear();
  t.equal(tty.writes.at(-1), '\r\x1b[K', 'cleared at the end');
  const count = tty.writes.length;
  line.clear();
  t.equal(tty.writes.length, count, 'nothing to clear twice');
});

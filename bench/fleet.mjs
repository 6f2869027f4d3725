// Fleet throughput: 1,000 targets on loopback (healthy servers that also answer LCP, 404s, TLS resets,
// closed ports) probed by the built CLI with --targets and --json at several concurrencies. Reports wall
// time, targets per second and the prober's peak RSS (process.resourceUsage().maxRSS, written by the
// bench/maxrss.mjs preload). The servers run in a child process of their own (bench/fleet-servers.mjs).
//
//   npm run build && node bench/fleet.mjs               (CONCURRENCY=100,500 by default)
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const BIN = here('../dist/bin/sstp-probe.js');
const CONCURRENCY = (process.env.CONCURRENCY ?? '100,500').split(',').map(Number);
const MIX = { 'ppp-mschapv2': 700, 'http-404': 100, 'tls-reset': 100, closed: 100 };

const dir = mkdtempSync(join(tmpdir(), 'sstp-probe-fleet-bench-'));
const servers = spawn(process.execPath, [here('./fleet-servers.mjs'), JSON.stringify(MIX)], { stdio: ['pipe', 'pipe', 'inherit'] });
const first = await new Promise((resolve) => createInterface({ input: servers.stdout }).once('line', resolve));
const { targets, caPem } = JSON.parse(first);
const expected = new Map(targets.map((t) => [t.address, t.scenario]));
writeFileSync(join(dir, 'targets.txt'), `# ${targets.length} fixture targets\n${targets.map((t) => t.address).join('\n')}\n`);
writeFileSync(join(dir, 'ca.pem'), caPem);

function runFleet(concurrency) {
  const rssFile = join(dir, `maxrss-${concurrency}.txt`);
  const started = performance.now();
  const child = spawn(process.execPath, [
    '--import', here('./maxrss.mjs'), BIN,
    '--targets', join(dir, 'targets.txt'), '--json', '--concurrency', String(concurrency),
    // NO_CA=1: leave out --ca (the healthy servers then fail as untrusted) to see what the extra CA costs.
    ...(process.env.NO_CA ? [] : ['--ca', join(dir, 'ca.pem')]),
  ], { env: { ...process.env, SSTP_PROBE_MAXRSS_FILE: rssFile }, stdio: ['ignore', 'pipe', 'pipe'] });
  const reports = [];
  let stderr = '';
  createInterface({ input: child.stdout }).on('line', (line) => reports.push(JSON.parse(line)));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.on('close', (code) => {
    const wallMs = performance.now() - started;
    const seen = new Set(reports.map((r) => `${r.target.host}:${r.target.port}`));
    const okByScenario = {};
    for (const report of reports) {
      const scenario = expected.get(`${report.target.host}:${report.target.port}`);
      okByScenario[scenario] ??= { ok: 0, problem: 0, firstCauses: {} };
      okByScenario[scenario][report.ok ? 'ok' : 'problem']++;
      const cause = report.findings.find((f) => f.severity === 'error')?.cause;
      if (cause) okByScenario[scenario].firstCauses[cause] = (okByScenario[scenario].firstCauses[cause] ?? 0) + 1;
    }
    resolve({
      concurrency,
      targets: targets.length,
      reports: reports.length,
      everyTargetOnce: seen.size === targets.length && reports.length === targets.length,
      exitCode: code,
      wallS: Number((wallMs / 1000).toFixed(2)),
      targetsPerS: Math.round(reports.length / (wallMs / 1000)),
      peakRssMiB: Math.round(Number(readFileSync(rssFile, 'utf8')) / 1024),
      verdicts: okByScenario,
      stderr: stderr.trim().slice(0, 300) || undefined,
    });
  }));
}

// The prober reads NODE_EXTRA_CA_CERTS (a whole CA bundle on some machines): say which case this is.
const extraCa = process.env.NODE_EXTRA_CA_CERTS ? `NODE_EXTRA_CA_CERTS=${process.env.NODE_EXTRA_CA_CERTS}` : 'NODE_EXTRA_CA_CERTS unset';
console.log(`# fleet: ${targets.length} targets ${JSON.stringify(MIX)}, ${extraCa}, ${new Date().toISOString()}, node ${process.version}`);
for (const concurrency of CONCURRENCY) console.log(JSON.stringify(await runFleet(concurrency)));
servers.stdin.end();

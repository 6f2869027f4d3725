// Fleet throughput: 1,000 targets on loopback (healthy servers that also answer LCP, 404s, TLS resets,
// closed ports) probed by the built CLI with --targets and --json at several concurrencies. Reports wall
// time, targets per second, the prober's peak RSS (process.resourceUsage().maxRSS) and CPU time, and where
// its memory sat at the sampled peak (all written by the bench/maxrss.mjs preload). The servers run in a
// child process of their own (bench/fleet-servers.mjs), whose CPU time is reported too: when it nears the
// wall time, the servers, not the prober, set the pace.
//
//   npm run build && node bench/fleet.mjs               (CONCURRENCY=100,500 by default)
//   MODE=text node bench/fleet.mjs                      (the text output: a line per target, then the table)
//   NO_CA=1 node bench/fleet.mjs                        (no --ca: the healthy servers then fail as untrusted)
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const BIN = here('../dist/bin/sstp-probe.js');
const CONCURRENCY = (process.env.CONCURRENCY ?? '100,500').split(',').map(Number);
const MIX = { 'ppp-mschapv2': 700, 'http-404': 100, 'tls-reset': 100, closed: 100 };
const MODE = process.env.MODE === 'text' ? 'text' : 'json';

const dir = mkdtempSync(join(tmpdir(), 'sstp-probe-fleet-bench-'));
const servers = spawn(process.execPath, [here('./fleet-servers.mjs'), JSON.stringify(MIX)], { stdio: ['pipe', 'pipe', 'inherit'] });
const serverLines = createInterface({ input: servers.stdout });
const first = await new Promise((resolve) => serverLines.once('line', resolve));
const { targets, caPem } = JSON.parse(first);
const expected = new Map(targets.map((t) => [t.address, t.scenario]));
writeFileSync(join(dir, 'targets.txt'), `# ${targets.length} fixture targets\n${targets.map((t) => t.address).join('\n')}\n`);
writeFileSync(join(dir, 'ca.pem'), caPem);

async function runFleet(concurrency) {
  const rssFile = join(dir, `maxrss-${concurrency}.json`);
  const serversCpuBefore = await serversCpuS();
  const started = performance.now();
  const child = spawn(process.execPath, [
    '--import', here('./maxrss.mjs'), BIN,
    '--targets', join(dir, 'targets.txt'), ...(MODE === 'json' ? ['--json'] : []), '--concurrency', String(concurrency),
    // NO_CA=1: leave out --ca (the healthy servers then fail as untrusted) to see what the extra CA costs.
    ...(process.env.NO_CA ? [] : ['--ca', join(dir, 'ca.pem')]),
  ], { env: { ...process.env, SSTP_PROBE_MAXRSS_FILE: rssFile }, stdio: ['ignore', 'pipe', 'pipe'] });
  // Each result boiled down to {address, ok, cause}: from the NDJSON report, or from the text line
  // "✔ 127.0.0.1:40001  ok  240 ms" / "✘ 127.0.0.1:40002  problem  tcp-refused  12 ms" (the table after the
  // blank line repeats them and is not counted).
  const results = [];
  let table = false;
  let stderr = '';
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (MODE === 'json') {
      const report = JSON.parse(line);
      results.push({ address: `${report.target.host}:${report.target.port}`, ok: report.ok, cause: report.findings.find((f) => f.severity === 'error')?.cause });
      return;
    }
    if (line === '') table = true;
    if (table) return;
    const [address, verdict, cause] = line.slice(line.indexOf(' ') + 1).split('  ');
    results.push({ address, ok: verdict === 'ok', cause: verdict === 'ok' ? undefined : cause });
  });
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const code = await new Promise((resolve) => child.on('close', resolve));
  const wallMs = performance.now() - started;
  const serversCpu = (await serversCpuS()) - serversCpuBefore;
  const seen = new Set(results.map((r) => r.address));
  const okByScenario = {};
  for (const result of results) {
    const scenario = expected.get(result.address);
    okByScenario[scenario] ??= { ok: 0, problem: 0, firstCauses: {} };
    okByScenario[scenario][result.ok ? 'ok' : 'problem']++;
    if (result.cause) okByScenario[scenario].firstCauses[result.cause] = (okByScenario[scenario].firstCauses[result.cause] ?? 0) + 1;
  }
  const measured = JSON.parse(readFileSync(rssFile, 'utf8'));
  return {
    concurrency,
    mode: MODE,
    targets: targets.length,
    reports: results.length,
    everyTargetOnce: seen.size === targets.length && results.length === targets.length,
    exitCode: code,
    wallS: Number((wallMs / 1000).toFixed(2)),
    targetsPerS: Math.round(results.length / (wallMs / 1000)),
    peakRssMiB: Math.round(measured.maxRssKiB / 1024),
    proberCpuS: measured.cpuS,
    serversCpuS: Number(serversCpu.toFixed(2)),
    memoryAtPeakMiB: measured.atSampledPeakMiB,
    verdicts: okByScenario,
    stderr: stderr.trim().slice(0, 300) || undefined,
  };
}

/** CPU seconds the servers' process has used so far (it answers one "cpu" line with a JSON number). */
function serversCpuS() {
  servers.stdin.write('cpu\n');
  return new Promise((resolve) => serverLines.once('line', (line) => resolve(Number(line))));
}

// The prober reads NODE_EXTRA_CA_CERTS (a whole CA bundle on some machines): say which case this is.
const extraCa = process.env.NODE_EXTRA_CA_CERTS ? `NODE_EXTRA_CA_CERTS=${process.env.NODE_EXTRA_CA_CERTS}` : 'NODE_EXTRA_CA_CERTS unset';
console.log(`# fleet: ${targets.length} targets ${JSON.stringify(MIX)}, ${extraCa}, ${new Date().toISOString()}, node ${process.version}`);
for (const concurrency of CONCURRENCY) console.log(JSON.stringify(await runFleet(concurrency)));
servers.stdin.end();
rmSync(dir, { recursive: true, force: true });

// Does memory stay flat as a fleet grows? 5,000 distinct targets (one servers process, fleet-servers.mjs,
// listening on 4,500 ports: 3,500 healthy with LCP and a CRL check, 500 http-404, 500 tls-reset, plus 500
// closed ports) probed by the built CLI (`--targets FILE --json --concurrency 200 --ca ROOT.pem`), and a
// 500-target run over every tenth of them (the same mix) for the ratio. Prints wall time, the prober's peak
// RSS (bench/maxrss.mjs) and the issue 15 targets: 5,000 in < 60 s, peak RSS < 400 MB, peak(5,000) <=
// 1.2 x peak(500).
//
//   npm run build && node bench/fleet-scale.mjs        (TARGETS=5000 CONCURRENCY=200 by default)
//
// LIVE_HEAP=1 also runs the prober under bench/live-heap.mjs: a full collection every LIVE_HEAP_EVERY reports
// (default 500) and the heap still in use then, to tell memory kept per target from garbage not yet
// collected (RUN=all skips the 500-target run; HEAP_SNAPSHOT_AT=1000,5000 writes heap snapshots there).
// ALLOCATIONS=FILE writes where the prober allocates (bench/allocations.mjs) to FILE.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const BIN = here('../dist/bin/sstp-probe.js');
const TARGETS = Number(process.env.TARGETS ?? 5000);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 200);
const MIX = { 'ppp-mschapv2': TARGETS * 0.7, 'http-404': TARGETS * 0.1, 'tls-reset': TARGETS * 0.1, closed: TARGETS * 0.1 };

const dir = mkdtempSync(join(tmpdir(), 'sstp-probe-fleet-scale-'));
const serversStarted = performance.now();
const servers = spawn(process.execPath, [here('./fleet-servers.mjs'), JSON.stringify(MIX)], { stdio: ['pipe', 'pipe', 'inherit'] });
const first = await new Promise((resolve) => createInterface({ input: servers.stdout }).once('line', resolve));
const { targets, caPem } = JSON.parse(first);
const serversReadyS = (performance.now() - serversStarted) / 1000;
const ca = join(dir, 'ca.pem');
writeFileSync(ca, caPem);
const healthy = new Set(targets.filter((t) => t.scenario === 'ppp-mschapv2').map((t) => t.address));

async function runFleet(label, list) {
  const file = join(dir, `${label}.txt`);
  writeFileSync(file, `${list.map((t) => t.address).join('\n')}\n`);
  const rssFile = join(dir, `${label}.rss.json`);
  const started = performance.now();
  const liveHeapFile = join(dir, `${label}.live-heap.json`);
  const liveHeap = process.env.LIVE_HEAP ? ['--expose-gc', '--import', here('./live-heap.mjs')] : [];
  const allocations = process.env.ALLOCATIONS ? ['--import', here('./allocations.mjs')] : [];
  // Node flags for the prober, for experiments (PROBER_NODE_ARGS='--heap-growing-percent=0'): not the bench's method.
  const proberArgs = (process.env.PROBER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...proberArgs, ...liveHeap, ...allocations, '--import', here('./maxrss.mjs'), BIN, '--targets', file, '--json', '--concurrency', String(CONCURRENCY), '--ca', ca], {
    env: {
      ...process.env,
      SSTP_PROBE_MAXRSS_FILE: rssFile,
      SSTP_PROBE_LIVE_HEAP_FILE: liveHeapFile,
      SSTP_PROBE_LIVE_HEAP_EVERY: process.env.LIVE_HEAP_EVERY ?? '500',
      SSTP_PROBE_HEAP_SNAPSHOT_AT: process.env.HEAP_SNAPSHOT_AT ?? '',
      SSTP_PROBE_ALLOCATIONS_FILE: process.env.ALLOCATIONS ?? '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Only counts are kept here: this process must not be what grows.
  let reports = 0;
  let healthyOk = 0;
  let stderr = '';
  createInterface({ input: child.stdout }).on('line', (line) => {
    const report = JSON.parse(line);
    reports++;
    if (report.ok && healthy.has(`${report.target.host}:${report.target.port}`)) healthyOk++;
  });
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const code = await new Promise((resolve) => child.on('close', resolve));
  const wallS = (performance.now() - started) / 1000;
  const measured = JSON.parse(readFileSync(rssFile, 'utf8'));
  return {
    run: label,
    targets: list.length,
    reports,
    healthyOk: `${healthyOk} / ${list.filter((t) => healthy.has(t.address)).length}`,
    exitCode: code,
    wallS: Number(wallS.toFixed(1)),
    peakRssMB: Math.round((measured.maxRssKiB * 1024) / 1e6),
    proberCpuS: measured.cpuS,
    memoryAtPeakMiB: measured.atSampledPeakMiB,
    heapSpacesAtPeakMiB: measured.spacesAtSampledPeakMiB,
    liveHeapMiB: process.env.LIVE_HEAP ? JSON.parse(readFileSync(liveHeapFile, 'utf8')) : undefined,
    stderr: stderr.trim().slice(0, 300) || undefined,
  };
}

console.log(`# fleet scale: ${targets.length} targets ${JSON.stringify(MIX)}, concurrency ${CONCURRENCY}, servers ready in ${serversReadyS.toFixed(1)} s, node ${process.version}, ${new Date().toISOString()}`);
const small = process.env.RUN === 'all' ? null : await runFleet('tenth', targets.filter((_, i) => i % 10 === 0));
if (small) console.log(JSON.stringify(small));
const large = await runFleet('all', targets);
console.log(JSON.stringify(large));
servers.stdin.end();
rmSync(dir, { recursive: true, force: true });
if (!small) process.exit(0);

const ratio = large.peakRssMB / small.peakRssMB;
const target = (name, value, limit, met) => console.log(JSON.stringify({ target: name, value, limit, met }));
target(`${large.targets} targets wall (s)`, large.wallS, '< 60', large.wallS < 60);
target(`${large.targets} targets peak RSS (MB)`, large.peakRssMB, '< 400', large.peakRssMB < 400);
target(`peak RSS ${large.targets} / ${small.targets}`, Number(ratio.toFixed(2)), '<= 1.2', ratio <= 1.2);

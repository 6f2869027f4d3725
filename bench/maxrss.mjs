// Preload for benchmarks (node --import ./bench/maxrss.mjs ...): at exit, writes to the file named by
// SSTP_PROBE_MAXRSS_FILE one JSON object: the process's peak resident set size in KiB
// (process.resourceUsage().maxRSS), and where memory sat when the sampled RSS peaked (process.memoryUsage()
// every SSTP_PROBE_MEMORY_SAMPLE_MS, default 25 ms, in MiB): V8 heap used and reserved, memory outside the
// heap (external: Buffers, OpenSSL objects Node accounts for) and what is left (native: TLS contexts and
// sessions, socket buffers, code), and V8's heap spaces; and the CPU time the process used (user + system, s).
import { writeFileSync } from 'node:fs';
import { getHeapSpaceStatistics } from 'node:v8';

const file = process.env.SSTP_PROBE_MAXRSS_FILE;
if (file) {
  const every = Number(process.env.SSTP_PROBE_MEMORY_SAMPLE_MS ?? 25);
  let atPeak = process.memoryUsage();
  let spacesAtPeak = getHeapSpaceStatistics();
  let samples = 0;
  const timer = setInterval(() => {
    const now = process.memoryUsage();
    samples++;
    if (now.rss > atPeak.rss) {
      atPeak = now;
      spacesAtPeak = getHeapSpaceStatistics();
    }
  }, every);
  timer.unref();
  const mib = (bytes) => Math.round(bytes / 1024 / 1024);
  process.on('exit', () => {
    const { rss, heapTotal, heapUsed, external, arrayBuffers } = atPeak;
    const usage = process.resourceUsage();
    writeFileSync(file, JSON.stringify({
      maxRssKiB: usage.maxRSS,
      cpuS: Number(((usage.userCPUTime + usage.systemCPUTime) / 1e6).toFixed(2)),
      samples,
      atSampledPeakMiB: {
        rss: mib(rss),
        heapUsed: mib(heapUsed),
        heapTotal: mib(heapTotal),
        external: mib(external),
        arrayBuffers: mib(arrayBuffers),
        native: mib(rss - heapTotal - external),
      },
      // V8's spaces at that moment, reserved / used: new space is the young generation, old space what
      // survived it.
      spacesAtSampledPeakMiB: Object.fromEntries(spacesAtPeak.map((space) => [space.space_name, `${mib(space.space_size)} / ${mib(space.space_used_size)}`])),
    }));
  });
}

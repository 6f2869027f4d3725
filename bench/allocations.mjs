// Preload for benchmarks (node --import ./bench/allocations.mjs ...): V8's sampling heap profiler over the
// whole run, counting objects the collector has already freed too, so it shows where the process allocates,
// not only what it keeps. At exit, writes the top allocation sites (function, file:line, MiB allocated,
// sampled every SSTP_PROBE_ALLOCATION_SAMPLE_BYTES, default 64 KiB) as JSON to SSTP_PROBE_ALLOCATIONS_FILE.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

const file = process.env.SSTP_PROBE_ALLOCATIONS_FILE;
if (file) {
  const session = new Session();
  session.connect();
  session.post('HeapProfiler.startSampling', {
    samplingInterval: Number(process.env.SSTP_PROBE_ALLOCATION_SAMPLE_BYTES ?? 65536),
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  process.on('exit', () => {
    // Same-thread inspector sessions answer synchronously, so this works inside 'exit'.
    session.post('HeapProfiler.stopSampling', (error, result) => {
      if (error) return writeFileSync(file, JSON.stringify({ error: String(error) }));
      const bySite = new Map();
      let total = 0;
      const walk = (node, stack) => {
        const { functionName, url, lineNumber } = node.callFrame;
        const here = `${functionName || '(anonymous)'} ${url.replace(/^.*\/(dist|node_modules)\//, '$1/')}:${lineNumber + 1}`;
        const path = [...stack, here];
        if (node.selfSize > 0) {
          total += node.selfSize;
          // The innermost frame that allocated, and the three innermost frames of ours (dist/) that led there.
          const ours = path.filter((frame) => frame.includes(' dist/')).slice(-3).reverse();
          const key = [here, ...ours.filter((frame) => frame !== here)].join('  <-  ');
          bySite.set(key, (bySite.get(key) ?? 0) + node.selfSize);
        }
        for (const child of node.children) walk(child, path.length > 40 ? path.slice(-40) : path);
      };
      walk(result.profile.head, []);
      const mib = (bytes) => Number((bytes / 1048576).toFixed(1));
      const top = [...bySite].sort((a, b) => b[1] - a[1]).slice(0, 60).map(([site, bytes]) => ({ site, mib: mib(bytes) }));
      writeFileSync(file, JSON.stringify({ totalMiB: mib(total), top }, null, 1));
    });
  });
}

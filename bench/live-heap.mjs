// Preload for benchmarks (node --expose-gc --import ./bench/live-heap.mjs ...): counts the lines the process
// writes to stdout (one NDJSON report each with --json) and, every SSTP_PROBE_LIVE_HEAP_EVERY lines (default
// 500), runs a full garbage collection and records the heap still in use: what is live, not what the
// collector has not reclaimed yet. With SSTP_PROBE_HEAP_SNAPSHOT_AT (comma-separated line counts) it also
// writes a heap snapshot there (into SSTP_PROBE_HEAP_SNAPSHOT_DIR, default the temporary directory). At exit, writes the samples as JSON to SSTP_PROBE_LIVE_HEAP_FILE.
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';

const file = process.env.SSTP_PROBE_LIVE_HEAP_FILE;
if (file && typeof globalThis.gc === 'function') {
  const every = Number(process.env.SSTP_PROBE_LIVE_HEAP_EVERY ?? 500);
  const snapshotsAt = new Set((process.env.SSTP_PROBE_HEAP_SNAPSHOT_AT ?? '').split(',').filter(Boolean).map(Number));
  const samples = [];
  let lines = 0;
  const write = process.stdout.write.bind(process.stdout);
  const mib = (bytes) => Number((bytes / 1024 / 1024).toFixed(1));
  const sample = (at) => {
    globalThis.gc();
    const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
    const entry = { lines: at, heapUsed: mib(heapUsed), heapTotal: mib(heapTotal), external: mib(external), arrayBuffers: mib(arrayBuffers), rss: mib(rss), handles: process.getActiveResourcesInfo().length };
    if (snapshotsAt.has(at)) entry.snapshot = writeHeapSnapshot(join(process.env.SSTP_PROBE_HEAP_SNAPSHOT_DIR ?? tmpdir(), `sstp-probe-${process.pid}-${at}.heapsnapshot`));
    samples.push(entry);
  };
  process.stdout.write = (chunk, ...rest) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) {
      lines++;
      if (lines % every === 0) sample(lines);
    }
    return write(chunk, ...rest);
  };
  process.on('exit', () => {
    sample(lines);
    writeFileSync(file, JSON.stringify(samples));
  });
}

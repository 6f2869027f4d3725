// Cold start of the CLI: `sstp-probe --version` (and --help and a short probe, for information) against a bare `node -e 0`,
// as a ratio of medians. Runs are interleaved so that a busy moment of the machine hits all commands alike.
//
//   npm run build && node bench/cold-start.mjs          (RUNS=20 by default)
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../dist/bin/sstp-probe.js', import.meta.url));
const RUNS = Number(process.env.RUNS ?? 20);
const COMMANDS = {
  'node -e 0': ['-e', '0'],
  'sstp-probe --version': [BIN, '--version'],
  'sstp-probe --help': [BIN, '--help'],
  // A whole (short) run: loads the probe, node-forge and the diagnosis; port 1 on loopback refuses at once.
  'sstp-probe 127.0.0.1:1 --json': [BIN, '127.0.0.1:1', '--json'],
};
const EXPECTED_STATUS = { 'sstp-probe 127.0.0.1:1 --json': 1 };

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

const times = Object.fromEntries(Object.keys(COMMANDS).map((name) => [name, []]));
for (const args of Object.values(COMMANDS)) spawnSync(process.execPath, args); // warm the file cache
for (let i = 0; i < RUNS; i++) {
  for (const [name, args] of Object.entries(COMMANDS)) {
    const started = performance.now();
    const run = spawnSync(process.execPath, args, { stdio: 'ignore' });
    times[name].push(performance.now() - started);
    if (run.status !== (EXPECTED_STATUS[name] ?? 0)) throw new Error(`${name} exited with ${run.status}`);
  }
}

const baseline = median(times['node -e 0']);
console.log(`# cold start, ${RUNS} runs each, medians, node ${process.version}, ${new Date().toISOString()}`);
for (const [name, values] of Object.entries(times)) {
  const value = median(values);
  console.log(JSON.stringify({ command: name, medianMs: Number(value.toFixed(1)), ratio: Number((value / baseline).toFixed(2)) }));
}

// Preload for benchmarks (node --import ./bench/maxrss.mjs ...): at exit, writes the process's peak resident
// set size in KiB to the file named by SSTP_PROBE_MAXRSS_FILE.
import { writeFileSync } from 'node:fs';

const file = process.env.SSTP_PROBE_MAXRSS_FILE;
if (file) process.on('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS)));

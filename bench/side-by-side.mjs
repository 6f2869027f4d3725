// One probe's wall time, side by side in one run: a bare `node -e 0`, `sstp-probe --version` and `--help`,
// a full loopback probe of the healthy fixture (TLS, HTTP, SSTP, LCP, the CRL check, clean teardown, `--json`),
// the same probe through bench/relay.mjs (25 ms each way: a 50 ms RTT path), and nmap's sstp-discover through
// the same relay when nmap is installed. Every command is a child process timed from spawn to exit; runs are
// interleaved so a busy moment hits every command alike; medians are compared with the issue 15 targets.
//
//   npm run build && node bench/side-by-side.mjs        (RUNS=10 by default)
//
// The servers (fixture + the loopback CRL publication point) run in their own process (fleet-servers.mjs),
// so their CPU does not stall the relay in this one. The CRL is fetched straight from loopback, not through
// the relay: only the SSTP path is slowed, as for nmap.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startDelayRelay } from './relay.mjs';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const BIN = here('../dist/bin/sstp-probe.js');
const RUNS = Number(process.env.RUNS ?? 10);
const DELAY_MS = 25;
const dir = mkdtempSync(join(tmpdir(), 'sstp-probe-side-by-side-'));

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

// CPU time (user + system) of each command too, from GNU time when installed: on a shared machine wall time
// swings with the load, CPU time much less, so both are reported.
const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

/** Spawn to exit, asynchronously: the relay in this process keeps forwarding meanwhile. */
function timed(command, args) {
  return new Promise((resolve, reject) => {
    const cpuFile = join(dir, 'cpu.txt');
    const [file, argv] = GNU_TIME ? [GNU_TIME, ['-f', '%U %S', '-o', cpuFile, command, ...args]] : [command, args];
    const started = performance.now();
    const child = spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - started;
      const cpu = GNU_TIME ? readFileSync(cpuFile, 'utf8').trim().split('\n').at(-1).split(' ').map(Number) : null;
      resolve({ ms, cpuMs: cpu ? (cpu[0] + cpu[1]) * 1000 : null, code, stdout, stderr });
    });
  });
}

function hasNmap() {
  return new Promise((resolve) => {
    const child = spawn('nmap', ['--version'], { stdio: 'ignore' });
    child.on('error', () => resolve(false));
    child.on('close', (code) => resolve(code === 0));
  });
}

const servers = spawn(process.execPath, [here('./fleet-servers.mjs'), JSON.stringify({ 'ppp-mschapv2': 1 })], { stdio: ['pipe', 'pipe', 'inherit'] });
const first = await new Promise((resolve) => createInterface({ input: servers.stdout }).once('line', resolve));
const { targets, caPem } = JSON.parse(first);
const address = targets[0].address;
const port = Number(address.split(':')[1]);
const ca = join(dir, 'ca.pem');
writeFileSync(ca, caPem);
const relay = await startDelayRelay({ targetPort: port, delayMs: DELAY_MS });

// The relay cannot delay a TCP handshake (the kernel completes it), which flatters whoever opens more
// connections. A second path delays every packet: bench/netns-link.py joins two network namespaces made for
// this run with the same 25 ms each way, and a second servers process listens at its far end.
const link = await startLink();

async function startLink() {
  const why = process.getuid?.() !== 0 ? 'not root' : !existsSync('/dev/net/tun') ? 'no /dev/net/tun' : null;
  if (why) {
    console.log(`# no netns link (${why}): only the relay path is measured`);
    return null;
  }
  const clientNs = `sstp-bench-c${process.pid}`;
  const serverNs = `sstp-bench-s${process.pid}`;
  const run = (args) => new Promise((resolve) => spawn('ip', args, { stdio: 'ignore' }).on('close', resolve).on('error', () => resolve(1)));
  const cleanup = [];
  const close = async () => {
    for (const step of cleanup.reverse()) await step();
  };
  try {
    for (const ns of [clientNs, serverNs]) {
      if ((await run(['netns', 'add', ns])) !== 0) throw new Error(`ip netns add ${ns} failed`);
      cleanup.push(() => run(['netns', 'del', ns]));
    }
    const wire = spawn('python3', [here('./netns-link.py'), clientNs, serverNs, String(DELAY_MS)], { stdio: ['ignore', 'pipe', 'inherit'] });
    cleanup.push(() => new Promise((resolve) => (wire.exitCode !== null ? resolve() : (wire.once('close', resolve), wire.kill()))));
    const ready = await new Promise((resolve) => {
      wire.once('error', () => resolve(false));
      wire.once('close', () => resolve(false));
      createInterface({ input: wire.stdout }).once('line', (line) => resolve(line === 'ready'));
    });
    if (!ready) throw new Error('netns-link.py did not start (python3 missing?)');
    const far = spawn('ip', ['netns', 'exec', serverNs, process.execPath, here('./fleet-servers.mjs'), JSON.stringify({ 'ppp-mschapv2': 1 })], {
      env: { ...process.env, SSTP_BENCH_HOST: '10.203.0.2' },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    cleanup.push(() => new Promise((resolve) => (far.exitCode !== null ? resolve() : (far.once('close', resolve), far.stdin.end()))));
    const line = await new Promise((resolve) => createInterface({ input: far.stdout }).once('line', resolve));
    const found = JSON.parse(line);
    const linkCa = join(dir, 'link-ca.pem');
    writeFileSync(linkCa, found.caPem);
    return { clientNs, address: found.targets[0].address, port: found.targets[0].address.split(':')[1], ca: linkCa, close };
  } catch (error) {
    console.log(`# no netns link (${error.message}): only the relay path is measured`);
    await close();
    return null;
  }
}

/** A probe's report must show the whole walk, or its time means nothing. */
function checkProbe(run) {
  if (run.code !== 0) throw new Error(`probe exited ${run.code}: ${run.stderr.slice(-300)}`);
  const report = JSON.parse(run.stdout);
  const steps = Object.fromEntries(report.steps.map((s) => [s.name, s.status]));
  if (!report.ok || steps.ppp !== 'pass' || report.revocation?.verdict !== 'good') {
    throw new Error(`probe did not do every step: ok ${report.ok}, ppp ${steps.ppp}, revocation ${report.revocation?.verdict}`);
  }
}

const COMMANDS = {
  'node -e 0': { args: [process.execPath, '-e', '0'] },
  'sstp-probe --version': { args: [process.execPath, BIN, '--version'] },
  'sstp-probe --help': { args: [process.execPath, BIN, '--help'] },
  'probe, loopback': { args: [process.execPath, BIN, address, '--json', '--ca', ca], check: checkProbe },
  'probe, via relay': { args: [process.execPath, BIN, relay.address, '--json', '--ca', ca], check: checkProbe },
};
const nmapFoundSstp = (run) => {
  if (!/SSTP is supported/i.test(run.stdout)) throw new Error(`nmap did not find SSTP: ${run.stdout.slice(-300)}`);
};
const haveNmap = await hasNmap();
if (haveNmap) {
  COMMANDS['nmap sstp-discover, via relay'] = { args: ['nmap', '-Pn', '-n', '-p', String(relay.port), '--script', '+sstp-discover', '127.0.0.1'], check: nmapFoundSstp };
}
if (link) {
  const inClientNs = ['ip', 'netns', 'exec', link.clientNs];
  COMMANDS['probe, via link'] = { args: [...inClientNs, process.execPath, BIN, link.address, '--json', '--ca', link.ca], check: checkProbe };
  if (haveNmap) COMMANDS['nmap sstp-discover, via link'] = { args: [...inClientNs, 'nmap', '-Pn', '-n', '-p', link.port, '--script', '+sstp-discover', '10.203.0.2'], check: nmapFoundSstp };
}

const times = Object.fromEntries(Object.keys(COMMANDS).map((name) => [name, []]));
const cpuTimes = Object.fromEntries(Object.keys(COMMANDS).map((name) => [name, []]));
for (const { args } of Object.values(COMMANDS)) await timed(args[0], args.slice(1)); // warm the file cache
for (let i = 0; i < RUNS; i++) {
  for (const [name, { args, check }] of Object.entries(COMMANDS)) {
    const run = await timed(args[0], args.slice(1));
    check?.(run);
    times[name].push(run.ms);
    if (run.cpuMs !== null) cpuTimes[name].push(run.cpuMs);
  }
}
await relay.close();
await link?.close();
servers.stdin.end();
rmSync(dir, { recursive: true, force: true });

const med = Object.fromEntries(Object.entries(times).map(([name, values]) => [name, median(values)]));
const base = med['node -e 0'];
const cpuMed = Object.fromEntries(Object.entries(cpuTimes).map(([name, values]) => [name, values.length ? median(values) : null]));
console.log(`# side by side, ${RUNS} interleaved runs each, medians, relay ${DELAY_MS} ms each way, node ${process.version}, ${new Date().toISOString()}`);
for (const [name, value] of Object.entries(med)) {
  const cpu = cpuMed[name];
  console.log(JSON.stringify({
    command: name,
    medianMs: Math.round(value),
    ratioToNode: Number((value / base).toFixed(2)),
    ...(cpu === null ? {} : { medianCpuMs: Math.round(cpu), cpuRatioToNode: Number((cpu / cpuMed['node -e 0']).toFixed(2)) }),
  }));
}
const target = (name, value, limit, met) => console.log(JSON.stringify({ target: name, value: Number(value.toFixed(2)), limit, met }));
target('loopback probe / node -e 0', med['probe, loopback'] / base, '<= 3', med['probe, loopback'] / base <= 3);
target('--version / node -e 0', med['sstp-probe --version'] / base, '<= 1.5', med['sstp-probe --version'] / base <= 1.5);
target('--help / node -e 0', med['sstp-probe --help'] / base, '<= 2', med['sstp-probe --help'] / base <= 2);
const nmap = med['nmap sstp-discover, via relay'];
if (nmap === undefined) console.log(JSON.stringify({ target: 'probe via relay < nmap via relay', skipped: 'nmap is not installed' }));
else target('probe via relay / nmap via relay', med['probe, via relay'] / nmap, '< 1', med['probe, via relay'] < nmap);
const nmapLink = med['nmap sstp-discover, via link'];
if (nmapLink !== undefined) target('probe via link / nmap via link', med['probe, via link'] / nmapLink, '< 1', med['probe, via link'] < nmapLink);

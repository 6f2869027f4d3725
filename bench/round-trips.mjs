// How many network round trips does a probe spend? Runs the built probe against the fixture server on
// loopback, once directly and once through a relay that holds every chunk 25 ms each way (a 50 ms RTT path),
// and turns the difference into round trips. nmap's sstp-discover runs through the same relay for comparison.
//
//   npm run build && node bench/round-trips.mjs        (RUNS=5 by default; medians are reported)
//
// The relay cannot delay the TCP handshake (see relay.mjs), so one round trip is added for it.
import { spawn } from 'node:child_process';
import { Server } from 'node:net';
import { probe } from '../dist/lib/probe.js';
import { startFixtureServer } from '../dist/fixtures/server.js';
import { findScenario } from '../dist/fixtures/scenarios/index.js';
import { createCertFactory } from '../dist/fixtures/certs.js';
import { startDelayRelay } from './relay.mjs';

// The fixture server leaves Nagle's algorithm on. Its small Disconnect-Ack right after a small PPP frame then
// waits for the client's delayed ACK (40 ms on Linux): a wait, not a round trip. Servers in this process get
// TCP_NODELAY so that only round trips are counted (NAGLE=1 keeps the fixture as it is).
if (!process.env.NAGLE) {
  const emit = Server.prototype.emit;
  Server.prototype.emit = function (event, socket, ...rest) {
    if (event === 'connection') socket.setNoDelay(true);
    return emit.call(this, event, socket, ...rest);
  };
}

const DELAY_MS = 25;
const RTT_MS = 2 * DELAY_MS;
const RUNS = Number(process.env.RUNS ?? 5);

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const rtts = (ms) => (ms / RTT_MS).toFixed(1);

const base = findScenario('ppp-mschapv2');
const CASES = [
  { label: 'TLS 1.3, up to the SSTP Ack (--no-ppp)', scenario: base, ppp: false },
  { label: 'TLS 1.3, up to the LCP offer', scenario: base, ppp: true },
  { label: 'TLS 1.2, up to the LCP offer', scenario: { ...base, name: 'tls12', tls: { maxVersion: 'TLSv1.2' } }, ppp: true },
  { label: 'TLS 1.3, LCP, server waits for the client (SoftEther)', scenario: findScenario('ppp-softether'), ppp: true },
  // Dialled by name, and the server has a certificate bound only for another name (HTTP.SYS hostnameport):
  // the handshake is reset, and the probe repeats it without SNI to tell the binding kinds apart.
  { label: 'TLS reset: no binding for the SNI sent (SNI comparison follows)', scenario: { ...base, name: 'sni-bound', tls: { sniNames: ['vpn.other.example'] } }, ppp: true, host: 'vpn.contoso.test' },
];

/** One probe; verdictMs = when the deepest step that ran finished, closeMs = when probe() resolved. */
async function timedProbe(address, trustedCaPems, ppp, host) {
  const started = performance.now();
  let verdictMs = 0;
  const steps = {};
  const [ip, port] = address.split(':');
  const report = await probe(host ? `${host}:${port}` : address, {
    trustedCaPems,
    ppp,
    allAddresses: false,
    resolver: async () => [{ address: ip, family: 4 }],
    onStep(step) {
      if (step.status === 'skip') return;
      verdictMs = performance.now() - started;
      steps[step.name] = step.durationMs;
    },
  });
  return { verdictMs, closeMs: performance.now() - started, steps, report };
}

async function measure(address, trustedCaPems, ppp, host) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await timedProbe(address, trustedCaPems, ppp, host));
  const steps = {};
  for (const name of Object.keys(runs[0].steps)) steps[name] = median(runs.map((run) => run.steps[name] ?? 0));
  return { verdictMs: median(runs.map((r) => r.verdictMs)), closeMs: median(runs.map((r) => r.closeMs)), steps, report: runs.at(-1).report };
}

/** nmap runs as a child process while this one keeps serving (a synchronous spawn would stall the server). */
function runNmap(port) {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn('nmap', ['-Pn', '-n', '-p', String(port), '--script', '+sstp-discover', '127.0.0.1']);
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.on('close', () => resolve({ ms: performance.now() - started, stdout }));
  });
}

async function nmapMs(port) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await runNmap(port));
  return { ms: median(runs.map((run) => run.ms)), supported: runs.every((run) => /SSTP is supported/i.test(run.stdout)) };
}

const factory = createCertFactory();
const rows = [];
for (const entry of CASES) {
  const server = await startFixtureServer(entry.scenario, { factory });
  const relay = await startDelayRelay({ targetPort: server.port, delayMs: DELAY_MS });
  await timedProbe(server.address, server.trustedCaPems, entry.ppp, entry.host); // warm-up: module and key caches
  const direct = await measure(server.address, server.trustedCaPems, entry.ppp, entry.host);
  const slow = await measure(relay.address, server.trustedCaPems, entry.ppp, entry.host);
  const deepest = slow.report.steps.filter((s) => s.status !== 'skip').at(-1);
  rows.push({
    case: entry.label,
    ok: slow.report.ok,
    reached: `${deepest.name} ${deepest.code}`,
    causes: slow.report.findings.filter((f) => f.severity === 'error').map((f) => f.cause),
    sniComparison: slow.report.sniComparison ? 'ran' : 'not needed',
    teardown: slow.report.sstp?.teardown ?? null,
    directVerdictMs: Math.round(direct.verdictMs),
    relayVerdictMs: Math.round(slow.verdictMs),
    verdictRtts: rtts(slow.verdictMs - direct.verdictMs + RTT_MS),
    closeRtts: rtts(slow.closeMs - direct.closeMs + RTT_MS),
    afterVerdictRtts: rtts(slow.closeMs - slow.verdictMs - (direct.closeMs - direct.verdictMs)),
    // A step's own CPU time (certificate parsing, key exchange) is what it takes directly: subtract it.
    perStepRtts: Object.fromEntries(Object.entries(slow.steps).filter(([name]) => name !== 'dns').map(([name, ms]) => [name, rtts(ms - (direct.steps[name] ?? 0))])),
  });
  await relay.close();
  await server.close();
}

const server = await startFixtureServer(base, { factory });
const relay = await startDelayRelay({ targetPort: server.port, delayMs: DELAY_MS });
const nmapDirect = await nmapMs(server.port);
const nmapRelay = await nmapMs(relay.port);
await relay.close();
await server.close();

console.log(`# round trips, RTT ${RTT_MS} ms (relay ${DELAY_MS} ms each way), ${RUNS} runs, medians, ${new Date().toISOString()}`);
console.log('# verdict = when the deepest step finished; close = when probe() resolved (after the Disconnect-Ack, or the SNI comparison); afterVerdict = close - verdict.');
console.log('# verdictRtts and closeRtts include 1 RTT for the TCP handshake, which the relay cannot delay.');
for (const row of rows) console.log(JSON.stringify(row));
console.log(JSON.stringify({
  case: 'nmap -Pn -p PORT --script +sstp-discover (same relay)',
  sstpSupported: nmapRelay.supported,
  directMs: Math.round(nmapDirect.ms),
  relayMs: Math.round(nmapRelay.ms),
  rtts: rtts(nmapRelay.ms - nmapDirect.ms + RTT_MS),
}));

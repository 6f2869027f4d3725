// What do the client profiles cost a probe? A healthy fixture server (TLS 1.3, so windows-10 needs a
// handshake of its own beside the path) is probed with the profiles and without them, on loopback and through
// the delaying relay (a 50 ms round trip), and the medians are compared with the extra handshake's own time.
//
//   npm run build && node bench/clients.mjs        (RUNS=9 by default; medians are reported)
//
// "Without" empties the profile table in this process (the table is plain data at run time), so the probe
// makes no extra handshake and judges no client: the probe as it was before the profiles existed.
import { Server } from 'node:net';
import { probe } from '../dist/lib/probe.js';
import { CLIENT_PROFILES } from '../dist/lib/clients/profiles.js';
import { startFixtureServer } from '../dist/fixtures/server.js';
import { findScenario } from '../dist/fixtures/scenarios/index.js';
import { createCertFactory } from '../dist/fixtures/certs.js';
import { startDelayRelay } from './relay.mjs';

// As in round-trips.mjs: no Nagle on the fixture, so only round trips and CPU are measured.
const emit = Server.prototype.emit;
Server.prototype.emit = function (event, socket, ...rest) {
  if (event === 'connection') socket.setNoDelay(true);
  return emit.call(this, event, socket, ...rest);
};

const RUNS = Number(process.env.RUNS ?? 9);
const DELAY_MS = 25;
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

const saved = { ...CLIENT_PROFILES };
const setProfiles = (on) => {
  for (const id of Object.keys(saved)) {
    if (on) CLIENT_PROFILES[id] = saved[id];
    else delete CLIENT_PROFILES[id];
  }
};

async function timed(address, trustedCaPems) {
  const started = performance.now();
  const report = await probe(address, { trustedCaPems, timeoutMs: 30_000 });
  return { ms: performance.now() - started, report };
}

const server = await startFixtureServer(findScenario('healthy'), { factory: createCertFactory() });
const relay = await startDelayRelay({ targetPort: server.port, delayMs: DELAY_MS });
const rows = [];
for (const [path, address] of [['loopback', server.address], ['relay 50 ms RTT', relay.address]]) {
  const samples = { with: [], without: [], handshake: [] };
  await timed(address, server.trustedCaPems); // warm-up: module and key caches
  // Interleaved, so a busy moment on the machine hits both sides alike.
  for (let run = 0; run < RUNS; run++) {
    setProfiles(true);
    const withProfiles = await timed(address, server.trustedCaPems);
    if (!withProfiles.report.ok) throw new Error(`healthy probe not ok: ${withProfiles.report.findings.map((f) => f.cause).join(', ')}`);
    samples.with.push(withProfiles.ms);
    samples.handshake.push(withProfiles.report.clients.find((c) => c.handshake?.basis === 'own')?.handshake.durationMs ?? 0);
    setProfiles(false);
    samples.without.push((await timed(address, server.trustedCaPems)).ms);
  }
  setProfiles(true);
  const row = {
    path,
    runs: RUNS,
    withoutMs: Math.round(median(samples.without)),
    withMs: Math.round(median(samples.with)),
    addedMs: Math.round(median(samples.with) - median(samples.without)),
    extraHandshakeMs: Math.round(median(samples.handshake)),
  };
  row.withinOneHandshake = row.addedMs <= row.extraHandshakeMs;
  rows.push(row);
  console.log(JSON.stringify(row));
}
await relay.close();
await server.close();

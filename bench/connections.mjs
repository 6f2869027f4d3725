// What --connections costs: one probe of the healthy fixture (default RRAS, LCP offer) with connections
// 1, 6 and 32, RUNS times each (interleaved), through a counting TCP relay on loopback that records how many
// sockets were open at once. Extra connections stop at the SSTP Ack and run three at a time after the main
// walk, so n connections should cost about (n - 1) / 3 short walks more than one, never n full probes.
//
//   npm run build && node bench/connections.mjs          (RUNS=5 by default)
//
// Pass: median(n) <= median(1) + ceil((n - 1) / 3) x median(1), and at most 6 sockets open at once: three
// walks in flight, plus the sockets of walks just finished, which stay open until the server's FIN answers
// the Call Disconnect (at most 250 ms).
import net from 'node:net';
import { once } from 'node:events';
import { probe } from '../dist/lib/probe.js';
import { startFixtureServer } from '../dist/fixtures/server.js';
import { createCertFactory } from '../dist/fixtures/certs.js';
import { findScenario } from '../dist/fixtures/scenarios/index.js';

const RUNS = Number(process.env.RUNS ?? 5);
const COUNTS = [1, 6, 32];

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

const server = await startFixtureServer(findScenario('healthy'), { factory: createCertFactory() });
let open = 0;
let most = 0;
const relay = net.createServer((client) => {
  most = Math.max(most, ++open);
  const upstream = net.connect({ host: '127.0.0.1', port: server.port });
  let done = false;
  const close = () => {
    if (done) return;
    done = true;
    open--;
    client.destroy();
    upstream.destroy();
  };
  for (const socket of [client, upstream]) socket.on('error', close).on('close', close);
  client.pipe(upstream).pipe(client);
});
relay.listen(0, '127.0.0.1');
await once(relay, 'listening');
const target = `127.0.0.1:${relay.address().port}`;

const times = new Map(COUNTS.map((n) => [n, []]));
const peaks = new Map(COUNTS.map((n) => [n, 0]));
for (let run = 0; run < RUNS; run++) {
  for (const n of COUNTS) {
    most = 0;
    const started = performance.now();
    const report = await probe(target, { trustedCaPems: server.trustedCaPems, revocation: false, connections: n });
    times.get(n).push(performance.now() - started);
    peaks.set(n, Math.max(peaks.get(n), most));
    if (!report.ok || (n > 1 && report.connections.length !== n)) throw new Error(`connections=${n}: ${report.findings.map((f) => f.cause).join(', ')}`);
  }
}
const one = median(times.get(1));
for (const n of COUNTS) {
  const wall = median(times.get(n));
  const budget = one + Math.ceil((n - 1) / 3) * one;
  console.log(JSON.stringify({ connections: n, medianMs: Math.round(wall), perExtraMs: n > 1 ? Math.round((wall - one) / (n - 1)) : null, mostSocketsAtOnce: peaks.get(n), pass: wall <= budget && peaks.get(n) <= 6 }));
}
relay.close();
await server.close();

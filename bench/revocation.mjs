// Does the revocation check cost the probe a round trip of its own? It should not: the CRL download starts
// right after the TLS handshake and runs beside the HTTP, SSTP and PPP steps. This probes the healthy fixture
// whose certificate names a CRL on a loopback server that holds every answer DELAY_MS, with and without the
// check, RUNS times each (interleaved), and compares the medians with the time one CRL download takes alone.
//
//   npm run build && node bench/revocation.mjs          (DELAY_MS=200 RUNS=10 by default)
//
// Pass: median(with) - median(without) <= median(one CRL download). Done one after the other, the check
// would cost the whole download on top of the probe instead.
import http from 'node:http';
import { once } from 'node:events';
import { probe } from '../dist/lib/probe.js';
import { fetchBounded } from '../dist/lib/cert-online/fetch.js';
import { startFixtureServer } from '../dist/fixtures/server.js';
import { createCertFactory } from '../dist/fixtures/certs.js';

const DELAY_MS = Number(process.env.DELAY_MS ?? 200);
const RUNS = Number(process.env.RUNS ?? 10);

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const ms = (value) => `${value.toFixed(1)} ms`;

// The CA's publication point, slow: every answer waits DELAY_MS.
let crl = Buffer.alloc(0);
const crlServer = http.createServer((_req, res) => {
  setTimeout(() => res.writeHead(200, { 'content-type': 'application/pkix-crl', 'content-length': crl.length }).end(crl), DELAY_MS);
});
crlServer.listen(0, '127.0.0.1');
await once(crlServer, 'listening');
const crlUrl = `http://127.0.0.1:${crlServer.address().port}/issuing.crl`;

const scenario = {
  name: 'healthy-slow-crl',
  summary: 'healthy, CRL answered after a delay',
  expectCause: null,
  pki: (factory) => {
    const pki = factory.createPki({ leafCrlUrls: [crlUrl] });
    crl = factory.createCrl(pki.intermediate, []);
    return { leaf: pki.leaf({ subjectCN: 'sstp.test', dnsNames: ['sstp.test'], ipAddresses: ['127.0.0.1'] }), chain: [pki.intermediate], trustedCaPems: [pki.root.certPem] };
  },
};
const server = await startFixtureServer(scenario, { factory: createCertFactory() });

async function timedProbe(revocation) {
  const started = performance.now();
  const report = await probe(server.address, { trustedCaPems: server.trustedCaPems, env: {}, revocation, stepTimeoutMs: 5_000 });
  const elapsed = performance.now() - started;
  const expected = revocation ? 'good' : 'not-checked';
  if (!report.ok || report.revocation?.verdict !== expected) throw new Error(`unexpected report: ok=${report.ok} revocation=${report.revocation?.verdict}`);
  return elapsed;
}

async function timedFetch() {
  const started = performance.now();
  const result = await fetchBounded(crlUrl, { timeoutMs: 5_000 });
  if (result.outcome !== 'ok') throw new Error(`CRL download failed: ${result.outcome}`);
  return performance.now() - started;
}

try {
  // Warm-up: the first run loads undici and fills caches.
  await timedProbe(true);
  await timedProbe(false);
  await timedFetch();
  const withCheck = [];
  const without = [];
  const fetches = [];
  for (let i = 0; i < RUNS; i++) {
    without.push(await timedProbe(false));
    withCheck.push(await timedProbe(true));
    fetches.push(await timedFetch());
  }
  const mWith = median(withCheck);
  const mWithout = median(without);
  const mFetch = median(fetches);
  const added = mWith - mWithout;
  const out = [
    `revocation bench: CRL answered after ${DELAY_MS} ms, ${RUNS} runs each, medians (Node ${process.version})`,
    `  probe without the check (--no-revocation)   ${ms(mWithout)}`,
    `  probe with the check                        ${ms(mWith)}`,
    `  one CRL download on its own                 ${ms(mFetch)}`,
    `  added by the check                          ${ms(added)}  (done one after the other it would add ~${ms(mFetch)})`,
    `  ${added <= mFetch ? 'PASS' : 'FAIL'}: the check adds no more than one CRL download's own time`,
  ];
  process.stdout.write(`${out.join('\n')}\n`);
  process.exitCode = added <= mFetch ? 0 : 1;
} finally {
  await server.close();
  crlServer.close();
}

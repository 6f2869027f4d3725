// The server side of bench/fleet.mjs, in its own process so that its memory and CPU are not counted as the
// prober's: one fixture server per target (a fleet run probes each host:port once), mixed outcomes, and a
// set of closed ports. Prints one JSON line {targets, caPem} when listening; answers each "cpu" line on stdin
// with the CPU seconds it has used so far; stops when stdin closes.
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { createCertFactory } from '../dist/fixtures/certs.js';
import { setupCertificate, startFixtureServer } from '../dist/fixtures/server.js';
import { findScenario } from '../dist/fixtures/scenarios/index.js';
import { startPkiServer } from '../dist/fixtures/pki-server.js';

const MIX = JSON.parse(process.argv[2] ?? '{"ppp-mschapv2":700,"http-404":100,"tls-reset":100,"closed":100}');
// Where the servers listen (default loopback); bench/side-by-side.mjs uses an address inside a network
// namespace of its own, at the far end of bench/netns-link.py.
const HOST = process.env.SSTP_BENCH_HOST ?? '127.0.0.1';

const factory = createCertFactory();
// One certificate for every server (RSA key generation per server would take minutes), with a CRL
// distribution point on one publication point beside them, so each healthy probe also checks revocation.
const pki = await startPkiServer(HOST);
const healthy = findScenario('ppp-mschapv2');
const names = HOST === '127.0.0.1' ? {} : { certificate: { subjectCN: 'sstp.test', dnsNames: ['localhost', 'sstp.test'], ipAddresses: ['127.0.0.1', HOST] } };
const shared = setupCertificate({ ...healthy, ...names }, factory, pki);
const servers = [];
const targets = [];
for (const [name, count] of Object.entries(MIX)) {
  if (name === 'closed') continue;
  const scenario = { ...findScenario(name), certificate: () => shared };
  for (let i = 0; i < count; i++) {
    const server = await startFixtureServer(scenario, { factory, host: HOST });
    servers.push(server);
    targets.push({ address: server.address, scenario: name });
  }
}
const closed = new Set();
while (closed.size < (MIX.closed ?? 0)) closed.add(await unusedPort());
for (const port of closed) targets.push({ address: `${HOST}:${port}`, scenario: 'closed' });

function unusedPort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, HOST, () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

process.stdout.write(`${JSON.stringify({ targets, caPem: shared.trustedCaPems.join('\n') })}\n`);
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line !== 'cpu') return;
  const { user, system } = process.cpuUsage();
  process.stdout.write(`${(user + system) / 1e6}\n`);
});
process.stdin.on('end', async () => {
  await Promise.all([...servers.map((server) => server.close()), pki.close()]);
  process.exit(0);
});

import t from 'tap';
import { compareSni } from '../lib/steps/sni.js';
import { createTlsClientContext } from '../lib/steps/tls.js';
import type { StepResult } from '../lib/types.js';
import { fixtureStarter } from './helpers/fixture.js';

// The SNI comparison step alone, against a fixture bound only for a host name (HTTP.SYS hostnameport):
// after a failed handshake without SNI, the second handshake with SNI tells the binding kind.

const start = fixtureStarter();
const bound = () => ({ timeoutMs: 5_000 });
const tcpPassed: StepResult = { name: 'tcp', status: 'pass', durationMs: 1, code: 'connected', detail: null };

t.test('a handshake without SNI was reset: the one with SNI succeeds, and the comparison says so', async (t) => {
  const server = await start(t, {
    name: 'sni-only',
    summary: '',
    expectCause: null,
    tls: { sniNames: ['sstp.test'], withoutMatchingSni: 'reset' },
  });
  const tlsReset: StepResult = { name: 'tls', status: 'fail', durationMs: 1, code: 'reset', detail: null };
  const comparison = await compareSni(
    { host: 'sstp.test', port: server.port },
    { address: '127.0.0.1', direct: true, steps: [tcpPassed, tlsReset], certificate: null },
    null,
    { bound, secureContext: () => createTlsClientContext(server.trustedCaPems) },
  );
  t.match(comparison, { withoutSni: { ok: false, code: 'reset', sha1: null }, withSni: { ok: true, code: 'established', sha1: server.certificate!.sha1 } });
});

t.test('no comparison when nothing went wrong, through a proxy, or with no other SNI choice', async (t) => {
  const server = await start(t, 'healthy');
  const tlsPassed: StepResult = { name: 'tls', status: 'pass', durationMs: 1, code: 'established', detail: null };
  const options = { bound, secureContext: () => createTlsClientContext(server.trustedCaPems) };
  const target = { host: 'sstp.test', port: server.port };
  t.equal(await compareSni(target, { address: '127.0.0.1', direct: true, steps: [tcpPassed, tlsPassed], certificate: null }, 'sstp.test', options), null, 'a good handshake');
  const tlsReset: StepResult = { name: 'tls', status: 'fail', durationMs: 1, code: 'reset', detail: null };
  t.equal(await compareSni(target, { address: '127.0.0.1', direct: false, steps: [tcpPassed, tlsReset], certificate: null }, 'sstp.test', options), null, 'through a proxy');
  t.equal(await compareSni({ host: '127.0.0.1', port: server.port }, { address: '127.0.0.1', direct: true, steps: [tcpPassed, tlsReset], certificate: null }, null, options), null, 'an IP literal without SNI');
});

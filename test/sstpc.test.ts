import t from 'tap';
import { fixtureStarter } from './helpers/fixture.js';
import { requireProgram } from './helpers/programs.js';
import { runSstpcUntil } from './helpers/sstpc.js';

// A real SSTP client (Debian's sstpc) against the fixture server proves the fixture speaks real SSTP, so what
// the probe learns from it carries over to real servers.

const start = fixtureStarter();

t.test('sstpc reaches the Call Connect Ack against the healthy fixture', async (t) => {
  if (!requireProgram(t, 'sstpc', 'sstp-client')) return;
  let server!: Awaited<ReturnType<typeof start>>;
  const log = await runSstpcUntil(async () => (server = await start(t, 'healthy')), /Started PPP Link Negotiation/);
  t.match(log, /CONNECT ACK/, `sstpc decoded our Call Connect Ack (fixture saw: ${server.events.map((e) => e.type).join(', ')})`);
  t.match(log, /CRYPTO BIND REQ/, 'with its Crypto Binding Request attribute');
  t.match(log, /Started PPP Link Negotiation/, 'and moved on to PPP, as after a real server');
  const request = server.events.find((e) => e.type === 'http-request');
  t.match(request, { method: 'SSTP_DUPLEX_POST', version: '1.1' }, 'the fixture parsed sstpc\'s request');
  t.ok(server.events.some((e) => e.type === 'sstp' && e.message === 'CALL_CONNECT_REQUEST'), 'and its Call Connect Request');
});

t.test('sstpc sees the NAK of the sstp-nak scenario as a failure', async (t) => {
  if (!requireProgram(t, 'sstpc', 'sstp-client')) return;
  let server!: Awaited<ReturnType<typeof start>>;
  const log = await runSstpcUntil(async () => (server = await start(t, 'sstp-nak')), /CONNECT NAK[\s\S]*\n.*\n/);
  t.notMatch(log, /Started PPP Link Negotiation/, 'sstpc did not proceed to PPP');
  t.match(log, /CONNECT NAK/, `sstpc decoded the NAK (fixture saw: ${server.events.map((e) => e.type).join(', ')})`);
});

import t, { type Test } from 'tap';
import { httpStep } from '../lib/steps/http.js';
import { SstpChannel, sstpStep, type SstpStepOutcome } from '../lib/steps/sstp.js';
import { StreamReader } from '../lib/net/stream-reader.js';
import { fixtureStarter } from './helpers/fixture.js';
import { handshake } from './helpers/step-chain.js';

// The sstp step alone, after real tcp, tls and http steps: Call Connect Request out, the first control
// message back decides.

const start = fixtureStarter();

async function callConnect(t: Test, scenario: string, timeoutMs = 2_000, signal?: AbortSignal): Promise<SstpStepOutcome> {
  const server = await start(t, scenario);
  const socket = await handshake(server);
  t.teardown(() => socket.destroy());
  const reader = new StreamReader(socket);
  const http = await httpStep(socket, reader, { timeoutMs: 2_000, host: 'sstp.test' });
  if (http.step.status !== 'pass') throw new Error(`http step: ${http.step.code}`);
  return sstpStep(new SstpChannel(socket, reader), { timeoutMs, ...(signal ? { signal } : {}) });
}

t.test('Call Connect Ack: the hash protocols and the nonce come back', async (t) => {
  const out = await callConnect(t, 'healthy');
  t.match(out.step, { name: 'sstp', status: 'pass', code: 'ack' });
  t.same(out.info.hashProtocols.slice().sort(), ['sha1', 'sha256']);
  t.equal(out.ack?.nonce.length, 32, 'a 32-byte nonce (MS-SSTP §2.2.7)');
});

t.test('NAK and Abort carry the Status Info in one notation', async (t) => {
  const nak = await callConnect(t, 'sstp-nak');
  t.match(nak.step, { status: 'fail', code: 'nak', detail: 'Call Connect NAK: ENCAPSULATED_PROTOCOL_ID: VALUE_NOT_SUPPORTED' });
  t.match(nak.info.status, [{ attribName: 'ENCAPSULATED_PROTOCOL_ID', statusName: 'VALUE_NOT_SUPPORTED' }]);
  const abort = await callConnect(t, 'sstp-abort');
  t.match(abort.step, { status: 'fail', code: 'abort' });
});

t.test('silence, garbage and a cancel each have their code', async (t) => {
  const silent = await callConnect(t, 'sstp-silent', 300);
  t.match(silent.step, { status: 'fail', code: 'timeout', detail: 'no answer to Call Connect Request within 300 ms (the step deadline)' });
  t.equal(silent.info.result, 'timeout');
  const garbage = await callConnect(t, 'sstp-garbage');
  t.match(garbage.step, { status: 'fail', code: 'invalid', detail: /^the reply is not a valid SSTP packet: / });
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 150);
  const cancelled = await callConnect(t, 'sstp-silent', 10_000, controller.signal);
  t.match(cancelled.step, { status: 'skip', code: 'cancelled' });
  t.equal(cancelled.info.result, 'cancelled');
});

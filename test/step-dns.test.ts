import t from 'tap';
import { dnsStep, systemResolver, type Resolver } from '../lib/steps/dns.js';

// The dns step alone: the system resolver on names this machine knows (localhost, via /etc/hosts), and
// the resolver seam for what loopback cannot show (no answer, a failing server).

t.test('an IP literal needs no lookup', async (t) => {
  const resolver: Resolver = async () => {
    throw new Error('must not be asked');
  };
  const v4 = await dnsStep('127.0.0.1', { timeoutMs: 1_000, resolver });
  t.match(v4, { step: { name: 'dns', status: 'pass', code: 'literal' }, addresses: [{ address: '127.0.0.1', family: 4 }] });
  const v6 = await dnsStep('::1', { timeoutMs: 1_000, resolver });
  t.match(v6.addresses, [{ address: '::1', family: 6 }]);
});

t.test('localhost through the system resolver: resolved, to loopback addresses only', async (t) => {
  const out = await dnsStep('localhost', { timeoutMs: 5_000, resolver: systemResolver });
  t.match(out.step, { status: 'pass', code: 'resolved' });
  t.ok(out.addresses.length > 0 && out.addresses.every((a) => a.address === '::1' || a.address.startsWith('127.')), JSON.stringify(out.addresses));
});

t.test('a name that does not exist: not-found', async (t) => {
  const out = await dnsStep('no-such-host.invalid', { timeoutMs: 5_000, resolver: systemResolver });
  t.match(out.step, { status: 'fail', code: 'not-found' });
  t.same(out.addresses, []);
});

t.test('the same address twice is listed once', async (t) => {
  const resolver: Resolver = async () => [
    { address: '127.0.0.1', family: 4 },
    { address: '127.0.0.1', family: 4 },
  ];
  const out = await dnsStep('vpn.contoso.com', { timeoutMs: 1_000, resolver });
  t.same(out.addresses, [{ address: '127.0.0.1', family: 4 }]);
});

t.test('a resolver that never answers: timeout in whole milliseconds; cancelled when the caller aborts', async (t) => {
  const never: Resolver = () => new Promise(() => {});
  const out = await dnsStep('vpn.contoso.com', { timeoutMs: 200.4, resolver: never });
  t.match(out.step, { status: 'fail', code: 'timeout', detail: 'no answer for vpn.contoso.com within 200 ms (the step deadline)' });
  const cancelled = await dnsStep('vpn.contoso.com', { timeoutMs: 5_000, resolver: never, signal: AbortSignal.abort() });
  t.match(cancelled.step, { status: 'skip', code: 'cancelled' });
});

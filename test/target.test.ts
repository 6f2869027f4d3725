import t from 'tap';
import { readFileSync } from 'node:fs';
import { parseTarget, formatTarget } from '../lib/target.js';
import { UsageError } from '../lib/errors.js';
import { VERSION } from '../lib/version.js';

t.test('targets administrators type', async (t) => {
  t.same(parseTarget('vpn.contoso.com'), { host: 'vpn.contoso.com', port: 443 });
  t.same(parseTarget('VPN.Contoso.com:8443'), { host: 'vpn.contoso.com', port: 8443 });
  t.same(parseTarget('203.0.113.7'), { host: '203.0.113.7', port: 443 });
  t.same(parseTarget('[2001:db8::1]:4443'), { host: '2001:db8::1', port: 4443 });
  t.same(parseTarget('2001:db8::1'), { host: '2001:db8::1', port: 443 });
  t.same(parseTarget('https://vpn.contoso.com/sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/'), { host: 'vpn.contoso.com', port: 443 });
  t.same(parseTarget('https://[::1]:8443/'), { host: '::1', port: 8443 });
  t.same(parseTarget('vpn.contoso.com:8443', 9443), { host: 'vpn.contoso.com', port: 9443 }, 'an explicit port wins');
  t.equal(formatTarget({ host: '::1', port: 443 }), '[::1]:443');
});

t.test('bad targets are usage errors that say what is wrong', async (t) => {
  const cases: Array<[string, RegExp, number?]> = [
    ['', /empty/],
    ['vpn.contoso.com:0', /out of range/],
    ['vpn.contoso.com:99999', /out of range/],
    ['vpn.contoso.com:https', /invalid port/],
    ['vpn contoso', /not a valid host/],
    ['-rf', /not a valid host/],
    ['[::1', /IPv6/],
    ['ftp://vpn.contoso.com', /HTTPS/],
    ['a:b:c', /\[address\]:port/],
    ['vpn.contoso.com', /out of range/, 0],
  ];
  for (const [input, message, port] of cases) {
    t.throws(() => parseTarget(input, port), UsageError, input);
    try {
      parseTarget(input, port);
    } catch (error) {
      t.match((error as Error).message, message, input);
    }
  }
});

t.test('the version constant matches package.json', async (t) => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  t.equal(VERSION, pkg.version);
});

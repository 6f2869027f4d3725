import t from 'tap';
import { readFileSync } from 'node:fs';
import { bindingFor, parseNetshSslcert } from '../lib/diagnose/netsh.js';
import { InvalidThumbprintError, normalizeThumbprint, thumbprintAlgorithm } from '../lib/diagnose/thumbprint.js';

const fixture = (name: string): string => readFileSync(new URL(`./fixtures-netsh/${name}`, import.meta.url), 'utf8');
const SSTP_APPID = '{ba195980-cd49-458b-9e23-c84ee0adcd75}';

t.test('normalizeThumbprint accepts what administrators paste', async (t) => {
  // As copied from the MMC certificate dialog: a left-to-right mark, lower case, spaces.
  t.equal(
    normalizeThumbprint('\u200e3a 1f 0c 9b 7d 2e 4f 60 71 82 93 a4 b5 c6 d7 e8 f9 01 23 45'),
    '3A1F0C9B7D2E4F60718293A4B5C6D7E8F9012345',
  );
  t.equal(normalizeThumbprint('3A:1F:0C:9B:7D:2E:4F:60:71:82:93:A4:B5:C6:D7:E8:F9:01:23:45'), '3A1F0C9B7D2E4F60718293A4B5C6D7E8F9012345');
  const sha256 = normalizeThumbprint('9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08');
  t.equal(sha256.length, 64);
  t.equal(thumbprintAlgorithm(sha256), 'sha256');
  t.equal(thumbprintAlgorithm('3A1F0C9B7D2E4F60718293A4B5C6D7E8F9012345'), 'sha1');
});

t.test('normalizeThumbprint explains what is wrong', async (t) => {
  t.throws(() => normalizeThumbprint('3A1F0C9B7D2E4F60718293A4B5C6D7E8F901234'), { name: 'InvalidThumbprintError', message: /39 hex digits.*40.*64/ });
  t.throws(() => normalizeThumbprint('3A1F0C9B7D2E4F60718293A4B5C6D7E8F901234G'), { message: /"G".*not a hex digit/ });
  t.throws(() => normalizeThumbprint('  '), InvalidThumbprintError);
});

t.test('a saved RRAS output with CRLF gives the IPv4 and IPv6 wildcard bindings', async (t) => {
  const text = fixture('rras-ipport-pair-crlf.txt');
  t.ok(text.includes('\r\n'), 'the fixture really has CRLF line ends');
  const bindings = parseNetshSslcert(text);
  t.equal(bindings.length, 2);
  t.match(bindings[0], { kind: 'ipport', endpoint: '0.0.0.0:443', host: '0.0.0.0', port: 443, appId: SSTP_APPID, certStoreName: 'MY' });
  t.match(bindings[1], { kind: 'ipport', endpoint: '[::]:443', host: '::', port: 443 });
  t.equal(bindings[0]?.certHash, '3A1F0C9B7D2E4F60718293A4B5C6D7E8F9012345', 'hash in the upper-case form the report uses');
  t.equal(bindings[0]?.fields['Usage Check'], 'Enabled', 'other settings are kept as printed');
});

t.test('host-name, specific-IP and central-store entries are told apart', async (t) => {
  const bindings = parseNetshSslcert(fixture('sni-iis-ccs.txt'));
  t.same(
    bindings.map((b) => [b.kind, b.endpoint]),
    [
      ['hostnameport', 'vpn.contoso.com:443'],
      ['ipport', '0.0.0.0:443'],
      ['ipport', '203.0.113.10:443'],
      ['ccs', '8443'],
    ],
  );
  t.equal(bindings[0]?.certHash, 'B2C3D4E5F60718293A4B5C6D7E8F9012345A1F0C');
  t.equal(bindings[2]?.certStoreName, 'WebHosting');
  t.equal(bindings[3]?.certHash, null, '"(null)" is no hash');
  t.equal(bindings[3]?.certStoreName, null);
});

t.test('German labels and other padding are understood', async (t) => {
  const bindings = parseNetshSslcert(fixture('german-ipv4-only-8443.txt'));
  t.equal(bindings.length, 1);
  t.match(bindings[0], {
    kind: 'ipport',
    endpoint: '0.0.0.0:8443',
    port: 8443,
    certHash: '5F1C2A3B4C5D6E7F8091A2B3C4D5E6F708192A3B',
    appId: SSTP_APPID,
    certStoreName: 'MY',
  });
});

t.test('text without bindings gives none', async (t) => {
  t.same(parseNetshSslcert(''), []);
  t.same(parseNetshSslcert('\r\nSSL Certificate bindings:\r\n-------------------------\r\n\r\n'), []);
  t.same(parseNetshSslcert('The system cannot find the file specified.'), []);
});

t.test('bindingFor follows HTTP.SYS: host name, then exact IP, then the family wildcard', async (t) => {
  const sni = parseNetshSslcert(fixture('sni-iis-ccs.txt'));
  t.equal(bindingFor(sni, { host: 'VPN.contoso.com', port: 443, address: '203.0.113.10' })?.kind, 'hostnameport', 'SNI name wins, any case');
  t.equal(bindingFor(sni, { host: 'other.contoso.com', port: 443, address: '203.0.113.10' })?.endpoint, '203.0.113.10:443');
  t.equal(bindingFor(sni, { host: null, port: 443, address: '198.51.100.7' })?.endpoint, '0.0.0.0:443');
  t.equal(bindingFor(sni, { host: '203.0.113.10', port: 443 })?.endpoint, '0.0.0.0:443', 'an IP literal never matches a host-name binding');
  t.equal(bindingFor(sni, { host: null, port: 443, address: '2001:db8::10' }), null, 'no [::]:443 binding for an IPv6 client');
  t.equal(bindingFor(sni, { host: 'vpn.contoso.com', port: 8443 }), null, 'another port has no binding');

  const pair = parseNetshSslcert(fixture('rras-ipport-pair-crlf.txt'));
  t.equal(bindingFor(pair, { port: 443, address: '2001:DB8:0:0::10' })?.endpoint, '[::]:443');
  t.equal(bindingFor(pair, { port: 443, address: '::ffff:203.0.113.10' })?.endpoint, '0.0.0.0:443', 'IPv4-mapped is IPv4 on the wire');
  t.equal(bindingFor(pair, { port: 443 })?.endpoint, '0.0.0.0:443', 'unknown address: IPv4 wildcard first');
});

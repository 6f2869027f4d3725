import t from 'tap';
import { matchNoProxy, parseIp, parseNoProxy } from '../lib/proxy/no-proxy.js';

const at = (host: string, port = 443) => ({ host, port });

t.test('domain entries match the name and its subdomains, with or without a leading dot (as curl)', async (t) => {
  for (const list of ['contoso.com', '.contoso.com', '*.contoso.com']) {
    t.equal(matchNoProxy(list, at('contoso.com')), list, `${list} matches contoso.com`);
    t.equal(matchNoProxy(list, at('vpn.eu.contoso.com')), list, `${list} matches a deep subdomain`);
    t.equal(matchNoProxy(list, at('notcontoso.com')), null, `${list} does not match a longer name`);
    t.equal(matchNoProxy(list, at('contoso.com.evil.example')), null, `${list} is a suffix, not a prefix`);
  }
  t.equal(matchNoProxy('CONTOSO.com', at('Vpn.Contoso.COM.')), 'CONTOSO.com', 'case and a trailing dot do not matter');
});

t.test('"*" bypasses every host', async (t) => {
  t.equal(matchNoProxy('*', at('anything.example')), '*');
  t.equal(matchNoProxy('intranet, *', at('203.0.113.9')), '*');
});

t.test('host:port entries bypass only that port', async (t) => {
  t.equal(matchNoProxy('vpn.contoso.com:443', at('vpn.contoso.com', 443)), 'vpn.contoso.com:443');
  t.equal(matchNoProxy('vpn.contoso.com:443', at('vpn.contoso.com', 8443)), null);
  t.equal(matchNoProxy('10.1.2.3:8443', at('10.1.2.3', 8443)), '10.1.2.3:8443');
  t.equal(matchNoProxy('[::1]:8443', at('::1', 8443)), '[::1]:8443');
  t.equal(matchNoProxy('[::1]:8443', at('::1', 443)), null);
});

t.test('IP literal entries, IPv4 and IPv6 with or without brackets', async (t) => {
  t.equal(matchNoProxy('192.168.1.10', at('192.168.1.10')), '192.168.1.10');
  t.equal(matchNoProxy('192.168.1.10', at('192.168.1.11')), null);
  t.equal(matchNoProxy('::1', at('[::1]')), '::1');
  t.equal(matchNoProxy('[::1]', at('::1')), '[::1]');
  // RFC 4291 §2.2: the same address in full and compressed form.
  t.equal(matchNoProxy('2001:DB8:0:0:8:800:200C:417A', at('2001:db8::8:800:200c:417a')), '2001:DB8:0:0:8:800:200C:417A');
});

t.test('CIDR ranges, IPv4 and IPv6 (which undici does not match)', async (t) => {
  t.equal(matchNoProxy('10.0.0.0/8', at('10.200.1.1')), '10.0.0.0/8');
  t.equal(matchNoProxy('10.0.0.0/8', at('11.0.0.1')), null);
  t.equal(matchNoProxy('172.16.0.0/12', at('172.31.255.255')), '172.16.0.0/12');
  t.equal(matchNoProxy('172.16.0.0/12', at('172.32.0.0')), null);
  t.equal(matchNoProxy('192.0.2.7/32', at('192.0.2.7')), '192.0.2.7/32');
  t.equal(matchNoProxy('0.0.0.0/0', at('198.51.100.1')), '0.0.0.0/0');
  t.equal(matchNoProxy('fd00::/8', at('fd12:3456::1')), 'fd00::/8');
  t.equal(matchNoProxy('fd00::/8', at('[fdff::2]')), 'fd00::/8');
  t.equal(matchNoProxy('fd00::/8', at('fe80::1')), null);
  t.equal(matchNoProxy('[2001:db8::]/32', at('2001:db8:ffff::1')), '[2001:db8::]/32');
  t.equal(matchNoProxy('2001:db8::/33', at('2001:db8:8000::1')), null, 'a prefix not on a byte boundary');
  t.equal(matchNoProxy('10.0.0.0/8', at('::ffff:10.1.2.3')), '10.0.0.0/8', 'an IPv4-mapped target matches as IPv4');
  t.equal(matchNoProxy('fd00::/8', at('10.1.2.3')), null, 'families do not mix');
});

t.test('names are not resolved: IP and CIDR entries never match a host name', async (t) => {
  t.equal(matchNoProxy('127.0.0.0/8, ::1', at('localhost')), null);
});

t.test('lists split on commas and spaces; unusable entries are ignored', async (t) => {
  const list = ' , 1.2.3.4/33 , bad:port:x:y:z, host:99999 ,\tintranet.local  10.0.0.0/8 ';
  t.same(
    parseNoProxy(list).map((e) => e.text),
    ['intranet.local', '10.0.0.0/8'],
  );
  t.equal(matchNoProxy(list, at('files.intranet.local')), 'intranet.local');
  t.equal(matchNoProxy('', at('files.intranet.local')), null);
});

t.test('IP literal parsing follows RFC 4291 §2.2 text forms', async (t) => {
  const hex = (s: string) => Buffer.from(parseIp(s) ?? []).toString('hex');
  t.equal(hex('FF01::101'), 'ff010000000000000000000000000101');
  t.equal(hex('::13.1.68.3'), '0000000000000000000000000d014403');
  t.equal(hex('::FFFF:129.144.52.38'), '00000000000000000000ffff81903426');
  t.equal(hex('fe80::1%eth0'), 'fe800000000000000000000000000001', 'a zone id is dropped');
  t.equal(hex('192.0.2.1'), 'c0000201');
  for (const bad of ['1::2::3', '12345::', ':::', '1:2:3:4:5:6:7', '256.1.1.1', '1.2.3', '::1.2.3.4.5', '1.2.3.4::']) {
    t.equal(parseIp(bad), null, `${bad} is not an address`);
  }
});

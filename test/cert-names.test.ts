import t from 'tap';
import fc from 'fast-check';
import { dnsNameMatches, formatIp, normalizeDnsName, parseIp } from '../lib/cert/names.js';

// Host-name rules (RFC 6125 §6.4) and IP text forms (RFC 5952) used by the name check.

t.test('certificate names against dialled hosts', async (t) => {
  const table: Array<[pattern: string, host: string, matches: boolean, why: string]> = [
    ['vpn.contoso.com', 'vpn.contoso.com', true, 'exact'],
    ['VPN.Contoso.com', 'vpn.CONTOSO.com.', true, 'case-insensitive, trailing dot ignored'],
    ['vpn.contoso.com', 'vpn2.contoso.com', false, 'different name'],
    ['*.contoso.com', 'vpn.contoso.com', true, 'wildcard covers one label'],
    ['*.contoso.com', 'a.vpn.contoso.com', false, 'not two labels'],
    ['*.contoso.com', 'contoso.com', false, 'not the parent'],
    ['*.com', 'contoso.com', false, 'too broad: needs two labels after the wildcard'],
    ['vpn*.contoso.com', 'vpn1.contoso.com', false, 'partial wildcards are not honoured'],
    ['vpn.*.com', 'vpn.contoso.com', false, 'wildcard only in the left-most label'],
    ['*.*.com', 'a.b.com', false, 'one wildcard only'],
    ['*.bücher.example', 'shop.xn--bcher-kva.example', true, 'IDN compared in A-label form'],
    ['shop.xn--bcher-kva.example', 'shop.bücher.example', true, 'U-label host matches A-label name'],
  ];
  for (const [pattern, host, matches, why] of table) t.equal(dnsNameMatches(pattern, host), matches, `${pattern} vs ${host}: ${why}`);
  t.equal(normalizeDnsName(''), null);
});

t.test('IP literals: parsing and RFC 5952 text', async (t) => {
  t.same(parseIp('192.0.2.1'), Buffer.from([192, 0, 2, 1]));
  t.same(parseIp('[::1]'), Buffer.from([...Array(15).fill(0), 1]));
  t.same(parseIp('fe80::1%eth0'), Buffer.from([0xfe, 0x80, ...Array(13).fill(0), 1]));
  t.same(parseIp('::ffff:192.0.2.1'), Buffer.from([...Array(10).fill(0), 0xff, 0xff, 192, 0, 2, 1]));
  for (const notIp of ['vpn.contoso.com', '256.1.1.1', '01.2.3.4', '1.2.3', '1::2::3', '12345::', 'g::1']) t.equal(parseIp(notIp), null, notIp);
  // RFC 5952 §4 examples
  const text = (s: string): string => formatIp(parseIp(s)!);
  t.equal(text('2001:0db8:0000:0000:0000:0000:0000:0001'), '2001:db8::1');
  t.equal(text('2001:db8:0:0:1:0:0:1'), '2001:db8::1:0:0:1', 'first of two equal runs');
  t.equal(text('2001:db8:0:1:1:1:1:1'), '2001:db8:0:1:1:1:1:1', 'a single zero group is not shortened');
  t.equal(text('2001:DB8::A'), '2001:db8::a', 'lowercase');
  t.equal(text('0:0:0:0:0:0:0:0'), '::');
});

t.test('any 4- or 16-byte address survives text and back', async (t) => {
  t.doesNotThrow(() =>
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.uint8Array({ minLength: 16, maxLength: 16 })), (bytes) => {
        const b = Buffer.from(bytes);
        return parseIp(formatIp(b))!.equals(b);
      }),
    ),
  );
});

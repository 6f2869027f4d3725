import t from 'tap';
import fc from 'fast-check';
import { dedupeTargets, parseShard, parseTargetArgs, parseTargetList, selectShard } from '../lib/targets.js';
import { UsageError } from '../lib/errors.js';

t.test('a targets file: one target per line, comments and blank lines skipped, line numbers kept', async (t) => {
  const text = [
    '# SSTP servers of the Contoso branches',
    'vpn1.contoso.com',
    '',
    '   vpn2.contoso.com:8443   # the test box',
    '\t',
    '[2001:db8::7]:443',
    'https://VPN3.contoso.com/sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/',
    '203.0.113.7#not-a-comment-without-space',
  ].join('\r\n');
  t.throws(() => parseTargetList(text), /line 8/, 'a # glued to the target is not a comment');
  const listed = parseTargetList(text.split('\r\n').slice(0, 7).join('\r\n'));
  t.same(listed.map((entry) => [entry.target.host, entry.target.port, entry.line]), [
    ['vpn1.contoso.com', 443, 2],
    ['vpn2.contoso.com', 8443, 4],
    ['2001:db8::7', 443, 6],
    ['vpn3.contoso.com', 443, 7],
  ]);
  t.equal(listed[1]!.text, 'vpn2.contoso.com:8443', 'the comment is not part of the target');
});

t.test('a list of only comments and blanks holds no target', async (t) => {
  t.same(parseTargetList('# nothing yet\n\n   \n'), []);
  t.same(parseTargetList(''), []);
});

t.test('a bad line is a usage error naming the source and the line number', async (t) => {
  const cases: Array<[string, RegExp]> = [
    ['vpn1.contoso.com\nvpn2.contoso.com:http\n', /servers\.txt: line 2: .*invalid port/],
    ['vpn1.contoso.com\n\n# ok\nvpn1 vpn2\n', /servers\.txt: line 4: one target per line/],
    ['ftp://vpn.contoso.com/\n', /servers\.txt: line 1: .*HTTPS/],
    ['ok.example\n2001:db8::1:443:1\nbad_host!\n', /servers\.txt: line 3: /],
  ];
  for (const [text, message] of cases) {
    const error = t.throws(() => parseTargetList(text, { source: 'servers.txt' }), message);
    t.type(error, UsageError);
  }
});

t.test('--port applies to every listed target, as it does to a single one', async (t) => {
  const listed = parseTargetList('a.example\nb.example:8443\n', { port: 4433 });
  t.same(listed.map((entry) => entry.target.port), [4433, 4433]);
  t.same(parseTargetArgs(['a.example', 'b.example:8443']).map((entry) => entry.target.port), [443, 8443]);
});

t.test('duplicates: the first occurrence of each host:port is kept, names compare case-insensitively', async (t) => {
  const listed = parseTargetList('VPN.contoso.com\nvpn.contoso.com:443\nvpn.contoso.com:8443\nhttps://vpn.contoso.com/\n');
  const { unique, duplicates } = dedupeTargets(listed);
  t.same(unique.map((entry) => entry.line), [1, 3]);
  t.same(duplicates.map((entry) => entry.line), [2, 4]);
});

t.test('shard specs', async (t) => {
  t.same(parseShard('1/1'), { index: 1, count: 1 });
  t.same(parseShard('3/4'), { index: 3, count: 4 });
  t.same(parseShard(' 2 / 5 '), { index: 2, count: 5 });
  for (const bad of ['0/4', '5/4', '1/0', '2', '1/2/3', 'a/b', '-1/4', '1.5/4', '', '1/']) {
    t.throws(() => parseShard(bad), UsageError, `"${bad}" is refused`);
  }
});

t.test('shard i/n takes every n-th target starting with the i-th', async (t) => {
  const list = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
  t.same(selectShard(list, { index: 1, count: 3 }), ['a', 'd', 'g']);
  t.same(selectShard(list, { index: 2, count: 3 }), ['b', 'e']);
  t.same(selectShard(list, { index: 3, count: 3 }), ['c', 'f']);
  t.same(selectShard(list, { index: 1, count: 1 }), list);
  t.same(selectShard(['a'], { index: 2, count: 2 }), [], 'a shard can be empty');
});

t.test('the n shards of a list partition it exactly: no target lost, none probed twice', async (t) => {
  fc.assert(
    fc.property(fc.array(fc.integer(), { maxLength: 200 }), fc.integer({ min: 1, max: 40 }), (values, count) => {
      const items = values.map((value, position) => ({ value, position }));
      const shards = Array.from({ length: count }, (_, i) => selectShard(items, { index: i + 1, count }));
      const seen = shards.flat().map((item) => item.position).sort((a, b) => a - b);
      // Union = the list and no position twice: the sorted positions are exactly 0..length-1.
      const exact = seen.length === items.length && seen.every((position, index) => position === index);
      // Balanced: shard sizes differ by at most one.
      const sizes = shards.map((shard) => shard.length);
      return exact && Math.max(...sizes) - Math.min(...sizes) <= 1;
    }),
    { numRuns: 300 },
  );
  t.pass('300 random lists and shard counts partitioned exactly');
});

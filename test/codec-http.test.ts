import t from 'tap';
import fc from 'fast-check';
import {
  DEFAULT_MAX_HEAD_BYTES,
  HttpParseError,
  SSTP_CONTENT_LENGTH,
  SSTP_URI,
  buildDuplexPostRequest,
  headerValue,
  headersToRecord,
  isSstpContentLength,
  newCorrelationId,
  parseRequestHead,
  parseResponseHead,
} from '../lib/codec/http.js';
import * as heads from '../fixtures/packets/http-heads.js';
import * as spec from '../fixtures/packets/spec.js';

const GUID = /^\{[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}\}$/;

function complete<T extends { complete: boolean }>(r: T): Extract<T, { complete: true }> {
  if (!r.complete) throw new Error('expected a complete head');
  return r as Extract<T, { complete: true }>;
}

t.test('the SSTP_DUPLEX_POST request is byte-exact', async (t) => {
  const { bytes, correlationId } = buildDuplexPostRequest({
    host: 'vpn.contoso.com',
    correlationId: '{0E3D1E3A-1F2B-4C5D-8E9F-0A1B2C3D4E5F}',
  });
  t.equal(correlationId, '{0E3D1E3A-1F2B-4C5D-8E9F-0A1B2C3D4E5F}');
  t.equal(
    bytes.toString('latin1'),
    'SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1\r\n' +
      'Host: vpn.contoso.com\r\n' +
      'Content-Length: 18446744073709551615\r\n' +
      'SSTPCORRELATIONID: {0E3D1E3A-1F2B-4C5D-8E9F-0A1B2C3D4E5F}\r\n' +
      '\r\n',
  );
  t.equal(SSTP_URI, '/sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/', 'lowercase b in 458b');
});

t.test('hosts and correlation IDs', async (t) => {
  const v6 = buildDuplexPostRequest({ host: '2001:db8::1' });
  t.match(v6.bytes.toString('latin1'), /\r\nHost: \[2001:db8::1\]\r\n/, 'IPv6 literal in brackets');
  t.match(buildDuplexPostRequest({ host: '[::1]' }).bytes.toString('latin1'), /\r\nHost: \[::1\]\r\n/, 'not bracketed twice');
  t.match(buildDuplexPostRequest({ host: '192.0.2.7' }).bytes.toString('latin1'), /\r\nHost: 192\.0\.2\.7\r\n/);
  t.match(v6.correlationId, GUID, 'a fresh uppercase v4 GUID in braces');
  t.match(v6.bytes.toString('latin1'), new RegExp(`SSTPCORRELATIONID: \\${v6.correlationId.slice(0, -1)}\\}\r\n`));
  t.match(newCorrelationId(), GUID);
  t.not(newCorrelationId(), newCorrelationId(), 'a new one per attempt');
  t.throws(() => buildDuplexPostRequest({ host: 'evil\r\nX-Injected: 1' }), TypeError, 'no header injection via host');
  t.throws(() => buildDuplexPostRequest({ host: '' }), TypeError);
  t.throws(() => buildDuplexPostRequest({ host: 'a', correlationId: '{x}\r\nX: y' }), TypeError);
});

t.test('the request parses back (what the fixture server sees)', async (t) => {
  const { bytes, correlationId } = buildDuplexPostRequest({ host: 'vpn.contoso.com' });
  const r = complete(parseRequestHead(Buffer.concat([bytes, spec.CONNECT_REQUEST])));
  t.equal(r.head.method, 'SSTP_DUPLEX_POST');
  t.equal(r.head.target, SSTP_URI);
  t.equal(r.head.version, '1.1');
  t.equal(headerValue(r.head, 'sstpcorrelationid'), correlationId);
  t.ok(isSstpContentLength(headerValue(r.head, 'Content-Length')));
  t.same(r.rest, spec.CONNECT_REQUEST, 'the Connect-Request sent right behind the head is left over');

  const sstpc = complete(parseRequestHead(heads.SSTPC_REQUEST));
  t.same(sstpc.head.headers, [
    ['Host', 'vpn.example.com'],
    ['Content-Length', SSTP_CONTENT_LENGTH],
    ['SSTPCORRELATIONID', '{46813EBA-9FE7-916A-1D6B9A05}'],
  ]);
  t.equal(complete(parseRequestHead(Buffer.from('GET / HTTP/1.0\n\n'))).head.version, '1.0', 'HTTP/1.0 and LF-only');
  t.equal(complete(parseRequestHead(Buffer.from('\r\nGET / HTTP/1.1\r\n\r\n'))).head.method, 'GET', 'a stray CRLF before the request line');
});

t.test('success heads of every known server', async (t) => {
  const cases = [
    ['HTTP.SYS', heads.HTTPSYS_200, '1.1', '', 'Microsoft-HTTPAPI/2.0'],
    ['MikroTik', heads.MIKROTIK_200, '1.1', '', 'MikroTik-SSTP'],
    ['SoftEther', heads.SOFTETHER_200, '1.1', 'OK', 'Microsoft-HTTPAPI/2.0'],
    ['accel-ppp', heads.ACCEL_PPP_200, '1.1', 'OK', null],
    ['accel-ppp HTTP/1.0', heads.ACCEL_PPP_200_HTTP10, '1.0', 'OK', null],
    ['sorz', heads.SORZ_200, '1.1', 'OK', 'SSTP-Server/0.6.0'],
  ] as const;
  for (const [name, bytes, version, reason, server] of cases) {
    const r = complete(parseResponseHead(Buffer.concat([bytes, spec.CONNECT_ACK_SHA256])));
    t.equal(r.head.status, 200, `${name}: status`);
    t.equal(r.head.version, version, `${name}: version`);
    t.equal(r.head.reason, reason, `${name}: reason phrase`);
    t.equal(headerValue(r.head, 'server'), server, `${name}: Server header`);
    t.ok(isSstpContentLength(headerValue(r.head, 'content-length')), `${name}: 2^64-1 content length`);
    t.equal(r.head.rawLength, bytes.length, `${name}: head length`);
    t.same(r.rest, spec.CONNECT_ACK_SHA256, `${name}: SSTP bytes after the head are handed on`);
  }
  t.equal(headerValue(complete(parseResponseHead(heads.SORZ_200)).head, 'date'), null, 'sorz sends no Date');
});

t.test('failure heads keep their status and headers', async (t) => {
  const notFound = complete(parseResponseHead(Buffer.concat([heads.HTTPSYS_404, Buffer.from('<html>')])));
  t.equal(notFound.head.status, 404);
  t.equal(notFound.head.reason, 'Not Found');
  t.equal(headerValue(notFound.head, 'Content-Type'), 'text/html; charset=us-ascii');
  t.equal(notFound.rest.toString('latin1'), '<html>', 'the body is left to the caller');
  t.same(headersToRecord(notFound.head.headers, ['server', 'CONTENT-LENGTH']), {
    server: 'Microsoft-HTTPAPI/2.0',
    'content-length': '315',
  });
  t.equal(complete(parseResponseHead(heads.ACCEL_PPP_501)).head.status, 501);
  t.equal(complete(parseResponseHead(heads.ACCEL_PPP_404)).head.reason, 'Not Found');
});

t.test('fed one byte at a time, the head completes exactly at the blank line', async (t) => {
  for (const [name, bytes] of Object.entries({ ...heads })) {
    const parse = name === 'SSTPC_REQUEST' ? parseRequestHead : parseResponseHead;
    const wire = Buffer.concat([bytes, spec.CONNECT_ACK_SHA256]);
    let done = -1;
    for (let n = 0; n <= wire.length && done < 0; n++) {
      if (parse(wire.subarray(0, n)).complete) done = n;
    }
    t.equal(done, bytes.length, `${name}: complete after ${bytes.length} bytes`);
    t.same(parse(wire.subarray(0, done)), { ...parse(wire), rest: Buffer.alloc(0) }, `${name}: same head as all at once`);
  }
});

t.test('LF-only line ends and header details', async (t) => {
  const r = complete(parseResponseHead(Buffer.from('HTTP/1.1 200\nContent-Length:18446744073709551615\nX-A: one\nx-a: two\nX-Folded: a\n  b\n\nrest')));
  t.equal(r.head.reason, '');
  t.equal(headerValue(r.head, 'content-length'), SSTP_CONTENT_LENGTH, 'no space after the colon');
  t.equal(headerValue(r.head, 'X-A'), 'one', 'first of repeated headers');
  t.equal(headersToRecord(r.head.headers)['x-a'], 'one, two');
  t.equal(headerValue(r.head, 'x-folded'), 'a b', 'an obsolete folded line joins its header');
  t.equal(headerValue(r.head, 'missing'), null);
  t.equal(r.rest.toString(), 'rest');
});

t.test('Content-Length must be exactly 2^64-1', async (t) => {
  t.ok(isSstpContentLength('18446744073709551615'));
  t.ok(isSstpContentLength(' 18446744073709551615 '));
  t.notOk(isSstpContentLength(null), 'absent is not the SSTP value');
  t.notOk(isSstpContentLength(''));
  t.notOk(isSstpContentLength('0'));
  t.notOk(isSstpContentLength('18446744073709551614'));
  t.notOk(isSstpContentLength('018446744073709551615'));
});

function parseError(fn: () => unknown): HttpParseError {
  try {
    fn();
  } catch (err) {
    if (err instanceof HttpParseError) return err;
    throw err;
  }
  throw new Error('expected HttpParseError');
}

t.test('a peer not speaking HTTP is rejected from its first bytes', async (t) => {
  const sstp = parseError(() => parseResponseHead(spec.CONNECT_ACK_SHA256.subarray(0, 1)));
  t.equal(sstp.code, 'ERR_HTTP_MALFORMED', 'an SSTP packet instead of a response');
  t.equal(sstp.offset, 0);
  t.equal(parseError(() => parseResponseHead(Buffer.from('HTTX'))).offset, 3);
  t.equal(parseResponseHead(Buffer.from('HTTP')).complete, false, 'a valid prefix waits for more');
  t.equal(parseError(() => parseResponseHead(Buffer.from('HTTP/1.1 abc\r\n'))).code, 'ERR_HTTP_MALFORMED', 'bad status line, head not yet complete');
  t.equal(parseError(() => parseResponseHead(Buffer.from('HTTP/1.1 200 OK\r\nno colon here\r\n\r\n'))).code, 'ERR_HTTP_MALFORMED');
  t.equal(parseError(() => parseResponseHead(Buffer.from('HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n'))).code, 'ERR_HTTP_MALFORMED');
  const tls = parseError(() => parseRequestHead(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00])));
  t.equal(tls.code, 'ERR_HTTP_MALFORMED', 'a TLS ClientHello sent to a plain HTTP listener');
  t.equal(parseError(() => parseRequestHead(Buffer.from('GET /\r\n\r\n'))).code, 'ERR_HTTP_MALFORMED', 'request line without version');
});

t.test('a head that never ends is cut off at the cap', async (t) => {
  const endless = Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\n'), Buffer.alloc(DEFAULT_MAX_HEAD_BYTES, 'a')]);
  t.equal(parseResponseHead(endless.subarray(0, DEFAULT_MAX_HEAD_BYTES - 1)).complete, false, 'one byte under the cap still waits');
  const err = parseError(() => parseResponseHead(endless));
  t.equal(err.code, 'ERR_HTTP_HEAD_TOO_LARGE');
  t.equal(err.offset, DEFAULT_MAX_HEAD_BYTES);
  t.equal(parseError(() => parseResponseHead(heads.SOFTETHER_200, 40)).code, 'ERR_HTTP_HEAD_TOO_LARGE', 'a smaller cap');
  t.ok(parseResponseHead(heads.SOFTETHER_200, heads.SOFTETHER_200.length).complete, 'a head exactly the cap fits');
  t.equal(parseError(() => parseRequestHead(Buffer.alloc(100, '\n'), 64)).code, 'ERR_HTTP_HEAD_TOO_LARGE', 'endless blank lines');
  t.equal(parseError(() => parseRequestHead(Buffer.alloc(100, 'A'), 64)).code, 'ERR_HTTP_HEAD_TOO_LARGE');
});

t.test('property: random bytes only ever raise HttpParseError', async (t) => {
  const input = fc.oneof(
    fc.uint8Array({ maxLength: 300 }),
    // Mostly-HTTP inputs reach the header parser.
    fc.tuple(fc.constantFrom('HTTP/1.1 ', 'SSTP_DUPLEX_POST / HTTP/1.1\r\n', 'HTTP/1.1 200\r\n'), fc.uint8Array({ maxLength: 200 })).map(
      ([p, b]) => Buffer.concat([Buffer.from(p), b, Buffer.from('\r\n\r\n')]),
    ),
  );
  fc.assert(
    fc.property(input, fc.integer({ min: 1, max: 400 }), (b, cap) => {
      for (const parse of [parseResponseHead, parseRequestHead]) {
        try {
          parse(Buffer.from(b), cap);
        } catch (err) {
          if (!(err instanceof HttpParseError)) throw err;
        }
      }
    }),
    { numRuns: 1000 },
  );
  t.pass('1000 random inputs');
});

t.test('property: any split of a valid head gives the same answer', async (t) => {
  const all = Object.values(heads).filter((b) => b !== heads.SSTPC_REQUEST);
  fc.assert(
    fc.property(fc.constantFrom(...all), fc.nat(), (head, at) => {
      const wire = Buffer.concat([head, spec.ECHO_REQUEST]);
      const cut = at % wire.length;
      const partial = parseResponseHead(wire.subarray(0, cut));
      if (partial.complete !== cut >= head.length) throw new Error(`wrong completeness at ${cut}`);
      const whole = complete(parseResponseHead(wire));
      if (!whole.rest.equals(spec.ECHO_REQUEST)) throw new Error('lost SSTP bytes');
    }),
  );
  t.pass();
});

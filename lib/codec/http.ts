// The HTTP exchange that opens an SSTP tunnel (MS-SSTP §2.2.1 and §3.2.5.1):
// one SSTP_DUPLEX_POST request with a 2^64−1 Content-Length and no body, answered by a bare
// response head, after which both directions carry SSTP packets.
//
// Strategy: the parsers are stateless and incremental. Callers append whatever arrived and call
// again; the answer is "incomplete", or the head plus the bytes after it (the first SSTP bytes).
// A peer that is not speaking HTTP is rejected as early as the first bytes show it, and a head
// that never ends is cut off at a size cap, so a probe never waits on garbage.

import { randomUUID } from 'node:crypto';

/** The resource SSTP servers listen on; case-exact, including the lowercase `b` in `458b`. */
export const SSTP_URI = '/sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/';
export const SSTP_METHOD = 'SSTP_DUPLEX_POST';
/** ULONGLONG_MAX: the Content-Length both sides send for the never-ending exchange. */
export const SSTP_CONTENT_LENGTH = '18446744073709551615';
export const DEFAULT_MAX_HEAD_BYTES = 16384;

export const HTTP_PARSE_ERROR_CODES = ['ERR_HTTP_HEAD_TOO_LARGE', 'ERR_HTTP_MALFORMED'] as const;
export type HttpParseErrorCode = (typeof HTTP_PARSE_ERROR_CODES)[number];

/** The peer's bytes are not an acceptable HTTP head. `offset` is where parsing gave up. */
export class HttpParseError extends Error {
  readonly code: HttpParseErrorCode;
  readonly offset: number;

  constructor(code: HttpParseErrorCode, offset: number, message: string) {
    super(`${message} (offset ${offset})`);
    this.name = 'HttpParseError';
    this.code = code;
    this.offset = offset;
  }
}

/** `{` + uppercase random (version 4) UUID + `}`, the SSTPCORRELATIONID format. */
export function newCorrelationId(): string {
  return `{${randomUUID().toUpperCase()}}`;
}

// Control characters, space and DEL would let a value break out of its header line.
const UNSAFE_IN_HOST = /[\x00-\x20\x7f]/;
const UNSAFE_IN_VALUE = /[\x00-\x08\x0a-\x1f\x7f]/;

/** IPv6 literals go in brackets in a Host header (RFC 9110 §7.2, RFC 3986 §3.2.2). */
function hostHeaderValue(host: string): string {
  if (host.includes(':') && !host.startsWith('[')) return `[${host}]`;
  return host;
}

/**
 * The request that opens the tunnel:
 * ```
 * SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1
 * Host: <host>
 * Content-Length: 18446744073709551615
 * SSTPCORRELATIONID: {GUID}
 * <blank line>
 * ```
 * Host carries the name only, as Windows and sstpc send it. Throws TypeError for a host or
 * correlation ID that could not be sent as one header line.
 */
export function buildDuplexPostRequest(opts: { host: string; correlationId?: string }): {
  bytes: Buffer;
  correlationId: string;
} {
  const { host } = opts;
  if (host.length === 0 || UNSAFE_IN_HOST.test(host)) {
    throw new TypeError('host must be a non-empty name or address without spaces or control characters');
  }
  const correlationId = opts.correlationId ?? newCorrelationId();
  if (UNSAFE_IN_VALUE.test(correlationId)) {
    throw new TypeError('correlationId must not contain control characters');
  }
  const text =
    `${SSTP_METHOD} ${SSTP_URI} HTTP/1.1\r\n` +
    `Host: ${hostHeaderValue(host)}\r\n` +
    `Content-Length: ${SSTP_CONTENT_LENGTH}\r\n` +
    `SSTPCORRELATIONID: ${correlationId}\r\n` +
    '\r\n';
  return { bytes: Buffer.from(text, 'latin1'), correlationId };
}

export interface HttpResponseHead {
  /** Protocol version without the `HTTP/` prefix, e.g. '1.1'. */
  version: string;
  status: number;
  /** Reason phrase; '' when the server sent none (HTTP.SYS, MikroTik). */
  reason: string;
  /** In arrival order, names as sent. */
  headers: Array<[string, string]>;
  /** Bytes of the head, including the blank line that ends it. */
  rawLength: number;
}

export interface HttpRequestHead {
  method: string;
  target: string;
  /** Protocol version without the `HTTP/` prefix, e.g. '1.1'. */
  version: string;
  headers: Array<[string, string]>;
}

/** First value of a header, matched case-insensitively, or null. */
export function headerValue(head: { headers: Array<[string, string]> }, name: string): string | null {
  const lower = name.toLowerCase();
  for (const [n, v] of head.headers) if (n.toLowerCase() === lower) return v;
  return null;
}

/**
 * Headers as a record with lowercase names; repeated headers are joined with ', '. With `pick`,
 * only those names (case-insensitive) are kept.
 */
export function headersToRecord(headers: Array<[string, string]>, pick?: readonly string[]): Record<string, string> {
  const wanted = pick ? new Set(pick.map((p) => p.toLowerCase())) : null;
  const out: Record<string, string> = {};
  for (const [n, v] of headers) {
    const key = n.toLowerCase();
    if (wanted && !wanted.has(key)) continue;
    out[key] = Object.hasOwn(out, key) ? `${out[key]}, ${v}` : v;
  }
  return out;
}

/** True only for exactly 18446744073709551615 (surrounding whitespace aside). */
export function isSstpContentLength(value: string | null): boolean {
  return value !== null && value.trim() === SSTP_CONTENT_LENGTH;
}

// ---- head parsing (RFC 9112 §2–§5, leniently) ----

interface Line {
  text: string;
  /** Offset of the line's first byte. */
  start: number;
  /** Offset just past its line feed. */
  next: number;
}

/**
 * The head's lines, ending with the blank line, when the head is complete within `limit` bytes.
 * Lines end in LF with an optional CR before it.
 */
function splitHead(buffer: Buffer<ArrayBufferLike>, from: number, limit: number): { lines: Line[]; end: number } | null {
  const lines: Line[] = [];
  let start = from;
  for (;;) {
    const lf = buffer.indexOf(0x0a, start);
    if (lf < 0 || lf >= limit) return null;
    const stop = lf > start && buffer[lf - 1] === 0x0d ? lf - 1 : lf;
    const line = { text: buffer.toString('latin1', start, stop), start, next: lf + 1 };
    if (line.text.length === 0) return { lines, end: lf + 1 };
    lines.push(line);
    start = lf + 1;
  }
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;

function parseHeaderLines(lines: Line[]): Array<[string, string]> {
  const headers: Array<[string, string]> = [];
  for (const line of lines) {
    if (line.text[0] === ' ' || line.text[0] === '\t') {
      // obs-fold (RFC 9112 §5.2): continue the previous value.
      const last = headers[headers.length - 1];
      if (!last) throw new HttpParseError('ERR_HTTP_MALFORMED', line.start, 'header continuation without a header');
      last[1] = `${last[1]} ${line.text.trim()}`.trim();
      continue;
    }
    const colon = line.text.indexOf(':');
    const name = colon < 0 ? '' : line.text.slice(0, colon);
    if (!TOKEN.test(name)) {
      throw new HttpParseError('ERR_HTTP_MALFORMED', line.start, 'header line is not "name: value"');
    }
    headers.push([name, line.text.slice(colon + 1).trim()]);
  }
  return headers;
}

function tooLarge(limit: number): HttpParseError {
  return new HttpParseError('ERR_HTTP_HEAD_TOO_LARGE', limit, `no end of the HTTP head within ${limit} bytes`);
}

function checkLimit(maxHeadBytes: number): void {
  if (!Number.isSafeInteger(maxHeadBytes) || maxHeadBytes < 1) {
    throw new RangeError(`maxHeadBytes must be a positive integer, got ${maxHeadBytes}`);
  }
}

const STATUS_LINE = /^HTTP\/(\d+(?:\.\d+)?) +(\d{3})(?:[ \t]+(.*))?$/;
const HTTP_PREFIX = Buffer.from('HTTP/', 'latin1');

/**
 * Parse a response head from the start of `buffer`. Accepts a missing reason
 * phrase (`HTTP/1.1 200`) and LF-only line ends. Returns `{complete: false}` until the blank line
 * arrives; then the head and `rest`, the bytes after it (a view into `buffer`).
 *
 * Throws HttpParseError ERR_HTTP_MALFORMED as soon as the bytes cannot be an HTTP response
 * (e.g. an SSTP packet or other garbage), and ERR_HTTP_HEAD_TOO_LARGE when `maxHeadBytes` pass
 * without the blank line.
 */
export function parseResponseHead<T extends ArrayBufferLike>(
  buffer: Buffer<T>,
  maxHeadBytes: number = DEFAULT_MAX_HEAD_BYTES,
): { complete: false } | { complete: true; head: HttpResponseHead; rest: Buffer<T> } {
  checkLimit(maxHeadBytes);
  // Reject a non-HTTP peer from its first bytes instead of waiting for a blank line.
  const prefix = Math.min(buffer.length, HTTP_PREFIX.length);
  for (let i = 0; i < prefix; i++) {
    if (buffer[i] !== HTTP_PREFIX[i]) {
      throw new HttpParseError('ERR_HTTP_MALFORMED', i, 'response does not start with "HTTP/"');
    }
  }
  const limit = Math.min(buffer.length, maxHeadBytes);
  // Check the status line as soon as it is complete.
  const firstLf = buffer.indexOf(0x0a);
  if (firstLf >= 0 && firstLf < limit) {
    const stop = firstLf > 0 && buffer[firstLf - 1] === 0x0d ? firstLf - 1 : firstLf;
    parseStatusLine(buffer.toString('latin1', 0, stop));
  }
  const split = splitHead(buffer, 0, limit);
  if (!split) {
    if (buffer.length >= maxHeadBytes) throw tooLarge(maxHeadBytes);
    return { complete: false };
  }
  const [statusLine, ...headerLines] = split.lines;
  if (!statusLine) throw new HttpParseError('ERR_HTTP_MALFORMED', 0, 'empty status line');
  const { version, status, reason } = parseStatusLine(statusLine.text);
  const head: HttpResponseHead = { version, status, reason, headers: parseHeaderLines(headerLines), rawLength: split.end };
  return { complete: true, head, rest: buffer.subarray(split.end) };
}

function parseStatusLine(text: string): { version: string; status: number; reason: string } {
  const m = STATUS_LINE.exec(text);
  if (!m) throw new HttpParseError('ERR_HTTP_MALFORMED', 0, 'status line is not "HTTP/x.y NNN reason"');
  return { version: m[1]!, status: Number(m[2]), reason: (m[3] ?? '').trim() };
}

const REQUEST_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) +(\S+) +HTTP\/(\d+(?:\.\d+)?)$/;

/**
 * Parse a request head from the start of `buffer` (what an SSTP server receives). Empty lines
 * before the request line are skipped (RFC 9112 §2.2). Same incremental contract and errors as
 * parseResponseHead; `rest` holds the first SSTP bytes.
 */
export function parseRequestHead<T extends ArrayBufferLike>(
  buffer: Buffer<T>,
  maxHeadBytes: number = DEFAULT_MAX_HEAD_BYTES,
): { complete: false } | { complete: true; head: HttpRequestHead; rest: Buffer<T> } {
  checkLimit(maxHeadBytes);
  let from = 0;
  while (from < buffer.length && (buffer[from] === 0x0d || buffer[from] === 0x0a) && from < maxHeadBytes) from++;
  // The method is a token followed by a space: anything else is not HTTP.
  for (let i = from; i < buffer.length && i < maxHeadBytes; i++) {
    const c = buffer[i]!;
    if (c === 0x20 && i > from) break;
    if (!TOKEN_CHAR.test(String.fromCharCode(c))) {
      throw new HttpParseError('ERR_HTTP_MALFORMED', i, 'request does not start with an HTTP method');
    }
  }
  const limit = Math.min(buffer.length, maxHeadBytes);
  const split = splitHead(buffer, from, limit);
  if (!split) {
    if (buffer.length >= maxHeadBytes) throw tooLarge(maxHeadBytes);
    return { complete: false };
  }
  const [requestLine, ...headerLines] = split.lines;
  const m = requestLine ? REQUEST_LINE.exec(requestLine.text) : null;
  if (!requestLine || !m) {
    throw new HttpParseError('ERR_HTTP_MALFORMED', requestLine?.start ?? from, 'request line is not "METHOD target HTTP/x.y"');
  }
  const head: HttpRequestHead = { method: m[1]!, target: m[2]!, version: m[3]!, headers: parseHeaderLines(headerLines) };
  return { complete: true, head, rest: buffer.subarray(split.end) };
}

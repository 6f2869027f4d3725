// The proxy hop: open an HTTP CONNECT tunnel to the SSTP server and say precisely how it went.
//
// Strategy. The CONNECT exchange is written and read here, over node:net / node:tls, because NTLM is
// bound to its connection: the negotiate message, the proxy's challenge and our answer must travel on one
// kept-alive socket, and the tunnel then continues on it. undici's Client#connect hands over the socket
// only on success and closes it after a 407, so it cannot carry that handshake; one path for every scheme
// also keeps one reading of the proxy's answer (status line, headers, what counts as "not HTTP").
//
// Authentication: the first CONNECT carries no credentials. On a 407, when credentials are configured, the
// best scheme offered is answered, on the same connection when the proxy keeps it open, else on a new one:
//   NTLM       CONNECT + NTLM <negotiate>, 407 + NTLM <challenge>, CONNECT + NTLM <authenticate> (NTLMv2 only)
//   Negotiate  the same NTLM messages under the Negotiate scheme, as Windows falls back when Kerberos
//              is not available (Kerberos itself is not supported)
//   Basic      one CONNECT with Proxy-Authorization: Basic (RFC 7617)
// Never a loop: each scheme gets one try.
//
// Request, as Windows clients send it (MS-SSTP §4 proxy example):
//   CONNECT host:port HTTP/1.1
//   Host: host:port                 IPv6 in brackets; the port is always given
//   SSTPVERSION: 1.0

import { randomBytes } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import createDebug from 'debug';
import { Agent, ProxyAgent, type Dispatcher } from 'undici';
import { basicAuthorization, basicToken, isSupportedScheme, parseAuthSchemes } from './challenge.js';
import { answerChallenge, negotiateMessage, ntlmIdentity, parseChallengeMessage } from './ntlm.js';
import { scrubSecrets, secretForms } from './redact.js';
import { WAIT_CODES } from '../step-codes.js';
import type { ProxyConfig } from './select.js';
import type { ProxyInfo } from '../types.js';
import { formatHostPort } from '../target.js';

/** Outcomes of the proxy hop, each with its meaning. */
export const PROXY_TUNNEL_CODES = {
  connected: 'the proxy answered 2xx: the tunnel is open',
  'proxy-unreachable': 'no TCP connection to the proxy (refused, no route, name not found)',
  'proxy-tls-failed': 'an https:// proxy was reached but the TLS handshake with it failed',
  'proxy-timeout': 'the proxy did not accept the connection, or did not answer CONNECT, in time',
  'auth-required': 'the proxy wants credentials that were not sent (none configured, or a scheme we cannot answer)',
  'auth-rejected': 'the proxy refused the credentials sent (407 after Basic or NTLM, or 401)',
  rejected: 'the proxy refused or failed the tunnel (403, 5xx, other status)',
  'bad-response': 'the proxy answered something that is not HTTP, or a malformed NTLM challenge',
  closed: 'the proxy closed the connection without a complete answer',
  cancelled: WAIT_CODES.cancelled,
} as const;
export type ProxyTunnelCode = keyof typeof PROXY_TUNNEL_CODES;

/** Credentials sent to the proxy: none, Basic, NTLM, or NTLM messages under the Negotiate scheme. */
export type ProxyAuthSent = ProxyInfo['authSent'];

/** What the proxy answered: the report's ProxyInfo fields the hop itself learns, plus the redacted URL. */
export type ProxyTunnelEvidence = Omit<ProxyInfo, 'url' | 'source' | 'reason'> & {
  /** The proxy URL without the password. */
  proxy: string;
};

export interface ProxyTunnelResult {
  status: 'pass' | 'fail';
  code: ProxyTunnelCode;
  durationMs: number;
  detail: string | null;
  evidence: ProxyTunnelEvidence;
  /** The raw tunnel, ready for tls.connect({ socket }); null unless connected. */
  socket: Duplex | null;
}

export interface OpenTunnelOptions {
  /** Bound on the whole hop, every authentication round included. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Extra trust anchors (PEM) for an https:// proxy. */
  caCertificates?: string[];
  /** Verify an https:// proxy's certificate (default true). */
  rejectUnauthorizedProxy?: boolean;
}

const SELECTED_HEADERS = ['proxy-authenticate', 'www-authenticate', 'server', 'via', 'proxy-agent', 'connection'];
const HEAD_LIMIT = 16 * 1024;
/** A 407 body larger than this is not read: the connection is given up and a new one opened. */
const BODY_LIMIT = 64 * 1024;
const SHOWN_LINE_LIMIT = 200;
/** Bound on opening each revocation-fetch tunnel; the fetch itself has its own deadline. */
const FETCH_TUNNEL_TIMEOUT_MS = 10_000;
const SHOWN_HEADER_LIMIT = 512;
const STATUS_LINE = /^HTTP\/(\d)\.(\d) (\d{3})(?:[ \t].*)?$/;

const log = createDebug('sstp-probe:proxy');

/** The hop's one deadline and the caller's signal; `wait` resolves on the next socket event or on either. */
interface Hop {
  stopped: 'timeout' | 'aborted' | null;
  poke(): void;
  wait(): Promise<void>;
  stop(): void;
}

/** One connection to the proxy, read by us until the tunnel is handed over. */
interface Conn {
  kind: 'conn';
  socket: net.Socket;
  tcpConnected: boolean;
  proxyConnected: boolean;
  buffer: Buffer;
  ended: boolean;
  error: Error | null;
  release(): void;
}

type Answer = {
  kind: 'answer';
  status: number;
  httpVersion: string;
  headers: Record<string, string[]>;
  head: string;
  conn: Conn;
};

type Failure = {
  kind: 'failure';
  why: 'timeout' | 'aborted' | 'connect' | 'not-http' | 'closed';
  error: unknown;
  head: string;
  tcpConnected: boolean;
  proxyConnected: boolean;
};

type Attempt = Answer | Failure;

/** How far an NTLM handshake got, when one was tried. */
type NtlmStage = 'no-challenge' | 'bad-challenge' | 'closed-after-challenge' | 'answered';

interface Exchange {
  last: Attempt;
  attempts: number;
  authSent: ProxyAuthSent;
  ntlm: { stage: NtlmStage; error: unknown } | null;
}

/**
 * Opens a CONNECT tunnel through `proxy` to `target`. Remote failures are results, never exceptions;
 * only invalid input (a target that cannot be written as an authority, a bad timeout) throws.
 */
export async function openTunnel(
  proxy: ProxyConfig,
  target: { host: string; port: number },
  opts: OpenTunnelOptions,
): Promise<ProxyTunnelResult> {
  const authority = formatAuthority(target);
  if (!(opts.timeoutMs > 0)) throw new RangeError('timeoutMs must be a positive number');

  const started = performance.now();
  const secrets = secretForms(proxy.password, proxy.username !== null ? basicToken(proxy.username, proxy.password ?? '') : null);
  const hop = startHop(opts.timeoutMs, opts.signal);
  log('CONNECT %s via %s', authority, proxy.redactedUrl);
  let exchange: Exchange;
  try {
    exchange = await runExchange(proxy, authority, hop, opts, secrets);
  } finally {
    hop.stop();
  }
  const result = judge(exchange, {
    proxy,
    authority,
    secrets,
    durationMs: Math.round(performance.now() - started),
    timeoutMs: opts.timeoutMs,
  });
  log('result %s (status %s) after %d attempt(s) in %d ms', result.code, result.evidence.status, exchange.attempts, result.durationMs);
  return result;
}

/**
 * A dispatcher that sends undici requests (CRL, OCSP, AIA fetches) through the same proxy. With Basic or no
 * credentials, http:// URLs are forwarded as plain proxy requests rather than tunnelled, since many proxies
 * allow CONNECT only to port 443. A proxy that took NTLM (`authSent` of the SSTP tunnel) cannot accept a
 * fixed Proxy-Authorization header: each fetch then runs in a CONNECT tunnel of its own, authenticated like
 * the SSTP one.
 */
export function proxyDispatcher(
  proxy: ProxyConfig,
  opts: { caCertificates?: string[]; rejectUnauthorizedProxy?: boolean; authSent?: ProxyAuthSent } = {},
): Dispatcher {
  if (opts.authSent === 'ntlm' || opts.authSent === 'negotiate-ntlm') return tunnelDispatcher(proxy, opts);
  return new ProxyAgent({
    uri: proxy.url.href,
    proxyTunnel: false,
    ...(proxy.username !== null ? { token: basicAuthorization(proxy.username, proxy.password ?? '') } : {}),
    proxyTls: {
      ...(opts.caCertificates !== undefined ? { ca: opts.caCertificates } : {}),
      rejectUnauthorized: opts.rejectUnauthorizedProxy ?? true,
    },
  });
}

/** Each connection undici asks for is an authenticated CONNECT tunnel (TLS inside for https:// URLs). */
function tunnelDispatcher(proxy: ProxyConfig, opts: { caCertificates?: string[]; rejectUnauthorizedProxy?: boolean }): Dispatcher {
  return new Agent({
    connect: (options, callback) => {
      const https = options.protocol === 'https:';
      const port = options.port !== '' && options.port !== undefined ? Number(options.port) : https ? 443 : 80;
      openTunnel(proxy, { host: options.hostname, port }, { timeoutMs: FETCH_TUNNEL_TIMEOUT_MS, ...opts }).then(
        (result) => {
          if (result.socket === null) {
            callback(new Error(`no tunnel through the proxy to ${options.hostname}:${port} (${result.code})`), null);
            return;
          }
          if (!https) {
            callback(null, result.socket as net.Socket);
            return;
          }
          const secure = tls.connect({ socket: result.socket, servername: options.servername ?? options.hostname, ALPNProtocols: ['http/1.1'] });
          secure.once('secureConnect', () => callback(null, secure));
          secure.once('error', (error) => callback(error, null));
        },
        (error: Error) => callback(error, null),
      );
    },
  });
}

/** `host:port`, IPv6 in brackets. Throws on a host that could smuggle anything into the request. */
function formatAuthority(target: { host: string; port: number }): string {
  const { port } = target;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`invalid target port ${port}`);
  const host = target.host.startsWith('[') && target.host.endsWith(']') ? target.host.slice(1, -1) : target.host;
  if (!/^[A-Za-z0-9._~%:-]+$/.test(host)) throw new TypeError(`invalid target host ${JSON.stringify(target.host)}`);
  return formatHostPort(host, port);
}

/** The first CONNECT, then at most one authentication scheme's rounds. */
async function runExchange(proxy: ProxyConfig, authority: string, hop: Hop, opts: OpenTunnelOptions, secrets: string[]): Promise<Exchange> {
  const first = await dial(proxy, hop, opts);
  if (first.kind === 'failure') return { last: first, attempts: 0, authSent: 'none', ntlm: null };
  const last = await sendConnect(first, authority, null, hop);
  const exchange: Exchange = { last, attempts: 1, authSent: 'none', ntlm: null };
  if (last.kind !== 'answer' || last.status !== 407 || proxy.username === null) return exchange;

  const scheme = chooseScheme(parseAuthSchemes(last.headers['proxy-authenticate'] ?? []));
  if (scheme === null) return exchange;
  if (scheme === 'basic') return answerBasic(proxy, authority, last, hop, opts);
  return answerNtlm(proxy, authority, last, scheme === 'ntlm' ? 'NTLM' : 'Negotiate', hop, opts, secrets);
}

/** NTLM first (no password on the wire), then Negotiate carrying NTLM, then Basic. */
function chooseScheme(offered: readonly string[]): 'ntlm' | 'negotiate' | 'basic' | null {
  const has = (name: string): boolean => offered.some((s) => s.toLowerCase() === name);
  if (has('ntlm')) return 'ntlm';
  if (has('negotiate')) return 'negotiate';
  if (has('basic')) return 'basic';
  return null;
}

async function answerBasic(proxy: ProxyConfig, authority: string, challenge: Answer, hop: Hop, opts: OpenTunnelOptions): Promise<Exchange> {
  log('407 offers Basic: retrying with credentials');
  const conn = await keepOrRedial(challenge, proxy, hop, opts);
  if (conn.kind === 'failure') return { last: conn, attempts: 1, authSent: 'none', ntlm: null };
  const last = await sendConnect(conn, authority, basicAuthorization(proxy.username ?? '', proxy.password ?? ''), hop);
  return { last, attempts: 2, authSent: 'basic', ntlm: null };
}

/**
 * The connection-bound NTLM handshake (MS-NLMP §3.1.5): negotiate, challenge, authenticate on one socket.
 * Each base64 message joins `secrets`, so nothing shown can carry it.
 */
async function answerNtlm(
  proxy: ProxyConfig,
  authority: string,
  challenge: Answer,
  label: 'NTLM' | 'Negotiate',
  hop: Hop,
  opts: OpenTunnelOptions,
  secrets: string[],
): Promise<Exchange> {
  const authSent: ProxyAuthSent = label === 'NTLM' ? 'ntlm' : 'negotiate-ntlm';
  log('407 offers %s: NTLMv2 handshake', label);
  const conn = await keepOrRedial(challenge, proxy, hop, opts);
  if (conn.kind === 'failure') return { last: conn, attempts: 1, authSent: 'none', ntlm: null };

  const negotiate = negotiateMessage().toString('base64');
  secrets.push(negotiate);
  const second = await sendConnect(conn, authority, `${label} ${negotiate}`, hop);
  const exchange: Exchange = { last: second, attempts: 2, authSent, ntlm: null };
  if (second.kind !== 'answer' || second.status !== 407) return exchange;

  const token = challengeToken(second.headers['proxy-authenticate'] ?? [], label);
  if (token === null) return { ...exchange, ntlm: { stage: 'no-challenge', error: null } };
  secrets.push(token);
  let parsed;
  try {
    parsed = parseChallengeMessage(Buffer.from(token, 'base64'));
  } catch (error) {
    return { ...exchange, ntlm: { stage: 'bad-challenge', error } };
  }
  if (!(await keepAlive(second, hop))) return { ...exchange, ntlm: { stage: 'closed-after-challenge', error: null } };

  const authenticate = answerChallenge({
    identity: ntlmIdentity(proxy.username ?? ''),
    password: proxy.password ?? '',
    challenge: parsed,
    clientChallenge: randomBytes(8),
    now: new Date(),
  }).toString('base64');
  secrets.push(authenticate);
  log('sending the NTLM authenticate message on the same connection');
  const last = await sendConnect(second.conn, authority, `${label} ${authenticate}`, hop);
  return { last, attempts: 3, authSent, ntlm: { stage: 'answered', error: null } };
}

/** The token of the first `label <token>` challenge, or null when the proxy sent the scheme bare. */
function challengeToken(values: readonly string[], label: string): string | null {
  for (const value of values) {
    for (const piece of value.split(',')) {
      const m = /^\s*(\S+)\s+([A-Za-z0-9+/]+=*)\s*$/.exec(piece);
      if (m !== null && m[1]?.toLowerCase() === label.toLowerCase()) return m[2] ?? null;
    }
  }
  return null;
}

/** The same connection when the proxy keeps it (its 407 body read), else a new one. */
async function keepOrRedial(answer: Answer, proxy: ProxyConfig, hop: Hop, opts: OpenTunnelOptions): Promise<Conn | Failure> {
  if (await keepAlive(answer, hop)) return answer.conn;
  answer.conn.socket.destroy();
  // Out of time while reading the 407's body: the proxy was reached and answered, say so.
  if (hop.stopped !== null) return { ...failure(hop.stopped, answer.conn, null), head: answer.head };
  log('the proxy does not keep the connection: opening a new one');
  return dial(proxy, hop, opts);
}

/**
 * Whether the connection can carry another request (RFC 9112 §9.3): not closed by either Connection
 * field, HTTP/1.1 or an explicit keep-alive, and a body framed by Content-Length or chunked coding
 * (RFC 9112 §6.3), which is read and dropped here.
 */
async function keepAlive(answer: Answer, hop: Hop): Promise<boolean> {
  const tokens = [...(answer.headers.connection ?? []), ...(answer.headers['proxy-connection'] ?? [])]
    .join(',')
    .toLowerCase()
    .split(',')
    .map((s) => s.trim());
  if (tokens.includes('close')) return false;
  if (answer.httpVersion !== '1.1' && !tokens.includes('keep-alive')) return false;
  const { conn } = answer;
  const chunked = (answer.headers['transfer-encoding'] ?? []).join(',').toLowerCase().includes('chunked');
  const length = answer.headers['content-length']?.[0];
  if (!chunked && (length === undefined || !/^\d+$/.test(length.trim()))) return false;
  const bodyEnd = (): number | null => (chunked ? chunkedEnd(conn.buffer) : Number(length) <= conn.buffer.length ? Number(length) : null);
  if (!chunked && Number(length) > BODY_LIMIT) return false;
  for (;;) {
    const end = bodyEnd();
    if (end === -1 || conn.buffer.length > BODY_LIMIT) return false;
    if (end !== null) {
      conn.buffer = conn.buffer.subarray(end);
      return !conn.ended && conn.error === null;
    }
    if (conn.ended || conn.error !== null || hop.stopped !== null) return false;
    await hop.wait();
  }
}

/** Where a chunked body ends (RFC 9112 §7.1), null when incomplete, -1 when malformed. */
function chunkedEnd(buffer: Buffer): number | null {
  let at = 0;
  for (;;) {
    const lineEnd = buffer.indexOf('\r\n', at);
    if (lineEnd < 0) return null;
    const size = Number.parseInt(buffer.subarray(at, lineEnd).toString('latin1').split(';')[0]?.trim() ?? '', 16);
    if (!Number.isFinite(size) || size < 0) return -1;
    at = lineEnd + 2;
    if (size === 0) {
      // Trailer fields, then an empty line.
      for (;;) {
        const end = buffer.indexOf('\r\n', at);
        if (end < 0) return null;
        if (end === at) return end + 2;
        at = end + 2;
      }
    }
    if (buffer.length < at + size + 2) return null;
    at += size + 2;
  }
}

function startHop(timeoutMs: number, signal: AbortSignal | undefined): Hop {
  let wake: (() => void) | null = null;
  const hop: Hop = {
    stopped: signal?.aborted === true ? 'aborted' : null,
    poke: () => {
      const w = wake;
      wake = null;
      w?.();
    },
    wait: () =>
      new Promise<void>((resolve) => {
        wake = resolve;
      }),
    stop: () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    },
  };
  const timer = setTimeout(() => {
    hop.stopped ??= 'timeout';
    hop.poke();
  }, timeoutMs);
  const onAbort = (): void => {
    hop.stopped ??= 'aborted';
    hop.poke();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  return hop;
}

/** Connects to the proxy (TCP, then TLS for an https:// proxy) and starts reading. */
async function dial(proxy: ProxyConfig, hop: Hop, opts: OpenTunnelOptions): Promise<Conn | Failure> {
  if (hop.stopped !== null) return failure(hop.stopped, null, null);
  const socket: net.Socket =
    proxy.protocol === 'https:'
      ? tls.connect({
          host: proxy.host,
          port: proxy.port,
          ...(net.isIP(proxy.host) === 0 ? { servername: proxy.host } : {}),
          ...(opts.caCertificates !== undefined ? { ca: opts.caCertificates } : {}),
          rejectUnauthorized: opts.rejectUnauthorizedProxy ?? true,
          ALPNProtocols: ['http/1.1'],
        })
      : net.connect({ host: proxy.host, port: proxy.port });
  const onData = (chunk: Buffer): void => {
    conn.buffer = conn.buffer.length === 0 ? chunk : Buffer.concat([conn.buffer, chunk]);
    hop.poke();
  };
  const onEnd = (): void => {
    conn.ended = true;
    hop.poke();
  };
  const onError = (error: Error): void => {
    conn.error ??= error;
    hop.poke();
  };
  const conn: Conn = {
    kind: 'conn',
    socket,
    tcpConnected: false,
    proxyConnected: false,
    buffer: Buffer.alloc(0),
    ended: false,
    error: null,
    release: () => {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      socket.off('error', onError);
    },
  };
  socket.once('connect', () => {
    conn.tcpConnected = true;
  });
  socket.once(proxy.protocol === 'https:' ? 'secureConnect' : 'connect', () => {
    conn.proxyConnected = true;
    hop.poke();
  });
  socket.on('data', onData);
  socket.on('end', onEnd);
  socket.on('close', onEnd);
  socket.on('error', onError);

  while (!conn.proxyConnected) {
    if (hop.stopped !== null || conn.error !== null || conn.ended) {
      socket.destroy();
      return failure(hop.stopped ?? 'connect', conn, conn.error);
    }
    await hop.wait();
  }
  return conn;
}

/** Writes one CONNECT on `conn` and reads the answer's head. A 2xx hands the socket over as it is. */
async function sendConnect(conn: Conn, authority: string, authorization: string | null, hop: Hop): Promise<Attempt> {
  const lines = [`CONNECT ${authority} HTTP/1.1`, `Host: ${authority}`, 'SSTPVERSION: 1.0', 'User-Agent: sstp-probe', 'Proxy-Connection: keep-alive'];
  if (authorization !== null) lines.push(`Proxy-Authorization: ${authorization}`);
  conn.socket.write(`${lines.join('\r\n')}\r\n\r\n`);

  for (;;) {
    const state = headState(conn.buffer);
    if (state === 'not-http') return fail(conn, 'not-http', null);
    if (typeof state === 'number') return answerFrom(conn, state);
    if (conn.buffer.length > HEAD_LIMIT) return fail(conn, 'not-http', null);
    if (hop.stopped !== null) return fail(conn, hop.stopped, null);
    if (conn.error !== null || conn.ended) return fail(conn, 'closed', conn.error);
    await hop.wait();
  }
}

/** Where the head ends (after its blank line), 'more' to wait, or 'not-http' as soon as the first line says so. */
function headState(buffer: Buffer): number | 'more' | 'not-http' {
  const newline = buffer.indexOf('\n');
  const first = buffer.subarray(0, newline < 0 ? Math.min(buffer.length, 5) : newline).toString('latin1').replace(/\r$/, '');
  if (newline < 0 ? !'HTTP/'.startsWith(first) : !STATUS_LINE.test(first)) return 'not-http';
  const crlf = buffer.indexOf('\r\n\r\n');
  if (crlf >= 0) return crlf + 4;
  const lf = buffer.indexOf('\n\n');
  return lf >= 0 ? lf + 2 : 'more';
}

function answerFrom(conn: Conn, headEnd: number): Answer {
  const head = conn.buffer.subarray(0, headEnd).toString('latin1');
  conn.buffer = conn.buffer.subarray(headEnd);
  const [statusLine = '', ...fields] = head.split(/\r?\n/);
  const m = STATUS_LINE.exec(statusLine);
  const headers: Record<string, string[]> = {};
  for (const line of fields) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    (headers[name] ??= []).push(line.slice(colon + 1).trim());
  }
  return { kind: 'answer', status: Number(m?.[3]), httpVersion: `${m?.[1]}.${m?.[2]}`, headers, head, conn };
}

function fail(conn: Conn, why: Failure['why'], error: unknown): Failure {
  conn.socket.destroy();
  return failure(why, conn, error);
}

function failure(why: Failure['why'], conn: Conn | null, error: unknown): Failure {
  return {
    kind: 'failure',
    why,
    error,
    head: conn?.buffer.toString('latin1') ?? '',
    tcpConnected: conn?.tcpConnected ?? false,
    proxyConnected: conn?.proxyConnected ?? false,
  };
}

/** Gives the tunnel to the caller: our listeners off, bytes already read put back. */
function handOver(conn: Conn): Duplex {
  conn.release();
  conn.socket.pause();
  if (conn.buffer.length > 0) conn.socket.unshift(conn.buffer);
  conn.socket.on('error', (error: NodeJS.ErrnoException) => log('tunnel socket error %s', error.code ?? error.name));
  return conn.socket;
}

interface JudgeContext {
  proxy: ProxyConfig;
  authority: string;
  secrets: string[];
  durationMs: number;
  timeoutMs: number;
}

type Done = (code: ProxyTunnelCode, detail: string | null, socket?: Duplex | null) => ProxyTunnelResult;

const SCHEME_NAMES: Record<ProxyAuthSent, string> = {
  none: 'no',
  basic: 'the Basic',
  ntlm: 'the NTLMv2',
  'negotiate-ntlm': 'the NTLMv2 (inside Negotiate)',
};

function judge(exchange: Exchange, ctx: JudgeContext): ProxyTunnelResult {
  const attempt = exchange.last;
  const statusLine = firstLine(attempt.head, ctx.secrets);
  const evidence: ProxyTunnelEvidence = {
    proxy: ctx.proxy.redactedUrl,
    statusLine,
    status: null,
    httpVersion: attempt.kind === 'answer' ? attempt.httpVersion : null,
    authSchemes: [],
    headers: {},
    attempts: exchange.attempts,
    authSent: exchange.authSent,
    proxyConnected: attempt.kind === 'answer' || attempt.proxyConnected,
  };
  const done: Done = (code, detail, socket = null) => ({
    status: code === 'connected' ? 'pass' : 'fail',
    code,
    durationMs: ctx.durationMs,
    detail: detail === null ? null : scrubSecrets(detail, ctx.secrets),
    evidence,
    socket,
  });

  if (attempt.kind === 'failure') return judgeFailure(attempt, ctx, done);

  const { status } = attempt;
  evidence.status = status;
  evidence.headers = selectHeaders(attempt.headers, ctx.secrets);
  evidence.authSchemes = parseAuthSchemes(attempt.headers[status === 401 ? 'www-authenticate' : 'proxy-authenticate'] ?? []);

  if (status >= 200 && status <= 299) return done('connected', connectedNote(exchange, attempt), handOver(attempt.conn));
  attempt.conn.socket.destroy();
  if (exchange.ntlm !== null && exchange.ntlm.stage !== 'answered') return judgeNtlmStage(exchange, exchange.ntlm, done);
  if (status === 407) return judgeProxyAuth(exchange, evidence.authSchemes, ctx, done);
  if (status === 401) {
    return done(
      'auth-rejected',
      exchange.authSent === 'none'
        ? 'the proxy answered 401 without being sent credentials: it refuses this client'
        : `the proxy answered 401 to ${SCHEME_NAMES[exchange.authSent]} credentials: wrong user name or password`,
    );
  }
  return done('rejected', rejectionDetail(status, statusLine, ctx.authority));
}

/** The tunnel is open: say how we got through when it took more than a plain CONNECT. */
function connectedNote(exchange: Exchange, answer: Answer): string | null {
  const notes: string[] = [];
  if (exchange.authSent === 'ntlm') notes.push('authenticated with NTLMv2 on one connection');
  if (exchange.authSent === 'negotiate-ntlm') {
    notes.push('the proxy offers Negotiate without NTLM: authenticated with NTLMv2 messages inside Negotiate, as Windows does without Kerberos');
  }
  if (answer.httpVersion === '1.0') notes.push('the proxy answered in HTTP/1.0; the tunnel works all the same');
  return notes.length > 0 ? notes.join('; ') : null;
}

/** An NTLM handshake that stopped before our answer was sent. */
function judgeNtlmStage(exchange: Exchange, ntlm: { stage: NtlmStage; error: unknown }, done: Done): ProxyTunnelResult {
  const scheme = exchange.authSent === 'negotiate-ntlm' ? 'Negotiate (NTLM inside)' : 'NTLM';
  switch (ntlm.stage) {
    case 'no-challenge':
      return done('auth-required', `the proxy answered the ${scheme} negotiate message without a challenge (407 with no token): no credentials could be sent`);
    case 'bad-challenge':
      return done('bad-response', `the proxy's ${scheme} challenge is malformed: ${describeError(ntlm.error)}`);
    default:
      return done(
        'closed',
        `the proxy closed the connection after its ${scheme} challenge: NTLM needs the answer on the same connection (keep-alive)`,
      );
  }
}

function judgeProxyAuth(exchange: Exchange, schemes: string[], ctx: JudgeContext, done: Done): ProxyTunnelResult {
  if (exchange.authSent === 'basic') return done('auth-rejected', 'the proxy refused the Basic credentials (407 again)');
  if (exchange.authSent !== 'none') {
    const how = exchange.authSent === 'negotiate-ntlm' ? 'NTLMv2 inside Negotiate (Kerberos is not supported)' : 'NTLMv2';
    return done('auth-rejected', `the proxy refused the credentials of ${ctx.proxy.username ?? ''} sent with ${how} (407 after the authenticate message)`);
  }
  if (schemes.length === 0) {
    return done('auth-required', 'the proxy requires authentication (407) but names no scheme in Proxy-Authenticate');
  }
  if (!schemes.some(isSupportedScheme)) {
    const unsent = ctx.proxy.username !== null ? '; the configured credentials were not sent' : '';
    return done(
      'auth-required',
      `the proxy requires ${schemes.join(', ')} authentication, which sstp-probe does not support (only Basic, NTLM and NTLM inside Negotiate)${unsent}`,
    );
  }
  const supported = schemes.filter(isSupportedScheme);
  const unsupported = schemes.filter((s) => !isSupportedScheme(s));
  const extra = unsupported.length > 0 ? ` (also offers ${unsupported.join(', ')}, not supported)` : '';
  return done('auth-required', `the proxy requires authentication and accepts ${supported.join(', ')}${extra}; no proxy credentials were given`);
}

function rejectionDetail(status: number, statusLine: string | null, authority: string): string {
  if (status === 403) return `the proxy forbids a tunnel to ${authority} (403): its policy may not allow this host or port`;
  if (status === 500 || status === 502 || status === 503) return `the proxy could not open a connection to ${authority} (${status})`;
  if (status === 504) return `the proxy timed out connecting to ${authority} (504)`;
  return `the proxy answered ${statusLine ?? status} instead of 2xx`;
}

function judgeFailure(attempt: Failure, ctx: JudgeContext, done: Done): ProxyTunnelResult {
  const received = attempt.head.length;
  switch (attempt.why) {
    case 'aborted':
      return done('cancelled', 'the proxy hop was cancelled');
    case 'timeout':
      if (!attempt.proxyConnected) {
        return done(
          'proxy-timeout',
          attempt.tcpConnected
            ? `the proxy accepted TCP but did not complete TLS within ${Math.round(ctx.timeoutMs)} ms`
            : `no connection to the proxy ${ctx.proxy.redactedUrl} within ${Math.round(ctx.timeoutMs)} ms`,
        );
      }
      return done(
        'proxy-timeout',
        received === 0
          ? `the proxy accepted the connection but did not answer CONNECT within ${Math.round(ctx.timeoutMs)} ms`
          : `the proxy sent ${received} bytes but no complete answer within ${Math.round(ctx.timeoutMs)} ms`,
      );
    case 'connect':
      if (ctx.proxy.protocol === 'https:' && attempt.tcpConnected) {
        return done('proxy-tls-failed', `TLS with the proxy failed: ${describeError(attempt.error)}`);
      }
      return done('proxy-unreachable', unreachableDetail((attempt.error as NodeJS.ErrnoException | null)?.code, ctx, attempt.error));
    case 'not-http':
      return done('bad-response', `the proxy did not answer in HTTP (${received} bytes received)`);
    case 'closed':
      return done(
        'closed',
        received === 0
          ? 'the proxy closed the connection without answering CONNECT'
          : `the proxy closed the connection after ${received} bytes, before the end of its answer`,
      );
  }
}

function unreachableDetail(errno: string | undefined, ctx: JudgeContext, error: unknown): string {
  const where = `${ctx.proxy.host}:${ctx.proxy.port}`;
  switch (errno) {
    case 'ECONNREFUSED':
      return `the proxy ${where} refused the connection (nothing listening)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the proxy host name ${ctx.proxy.host} could not be resolved (${errno})`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `no route to the proxy ${where} (${errno})`;
    default:
      return `cannot connect to the proxy ${where}: ${describeError(error)}`;
  }
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code !== undefined ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}

function selectHeaders(headers: Record<string, string[]>, secrets: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of SELECTED_HEADERS) {
    const values = headers[name] ?? [];
    if (values.length > 0) out[name] = shown(maskAuthTokens(values.join(', ')), SHOWN_HEADER_LIMIT, secrets);
  }
  return out;
}

/** `NTLM TlRMTVNT...` -> `NTLM ***`: a challenge token is part of the handshake, never shown. */
function maskAuthTokens(value: string): string {
  return value.replace(/\b(NTLM|Negotiate|Kerberos)\s+[A-Za-z0-9+/]+=*/gi, '$1 ***');
}

function firstLine(head: string, secrets: string[]): string | null {
  if (head.length === 0) return null;
  const end = head.search(/\r?\n/);
  return shown(end >= 0 ? head.slice(0, end) : head, SHOWN_LINE_LIMIT, secrets);
}

/** Printable, bounded and scrubbed: a proxy could reflect our request, credentials included. */
function shown(text: string, limit: number, secrets: string[]): string {
  const scrubbed = scrubSecrets(text, secrets);
  const printable = scrubbed.replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return printable.length > limit ? `${printable.slice(0, limit)}...` : printable;
}

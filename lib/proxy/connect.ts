// The proxy hop: open an HTTP CONNECT tunnel to the SSTP server and say precisely how it went.
//
// Strategy. undici's Client#connect sends the CONNECT and parses the answer: it resolves with the proxy's
// real status (a 407 does not throw) and hands over the raw socket. We give it our own connector so we
// know whether the proxy itself was reached (unreachable vs. silent) and so we can copy the bytes the
// parser reads: undici does not expose the status line or HTTP version, and a non-HTTP answer is worth
// showing. The copy is a 'data' listener; while undici's 'readable' listener is attached, Node emits
// 'data' only for what undici read(), so both see the same bytes and nothing is consumed twice.
//
// Authentication: the first CONNECT carries no credentials. On 407 offering Basic, and when credentials
// are configured, one retry on a fresh connection carries `Proxy-Authorization: Basic ...` (never a loop).
// NTLM, Negotiate and Digest are reported as offered and unsupported.
//
// Request, as Windows clients send it (MS-SSTP §4 proxy example):
//   CONNECT host:port HTTP/1.1
//   Host: host:port                 IPv6 in brackets; the port is always given
//   SSTPVERSION: 1.0

import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import createDebug from 'debug';
import { Client, ProxyAgent, errors, type Dispatcher } from 'undici';
import { basicAuthorization, basicToken, isSupportedScheme, parseAuthSchemes } from './challenge.js';
import { scrubSecrets, secretForms } from './redact.js';
import type { ProxyConfig } from './select.js';
import type { ProxyInfo } from '../types.js';

/** Outcomes of the proxy hop, each with its meaning. */
export const PROXY_TUNNEL_CODES = {
  connected: 'the proxy answered 2xx: the tunnel is open',
  'proxy-unreachable': 'no TCP connection to the proxy (refused, no route, name not found)',
  'proxy-tls-failed': 'an https:// proxy was reached but the TLS handshake with it failed',
  'proxy-timeout': 'the proxy did not accept the connection, or did not answer CONNECT, in time',
  'auth-required': 'the proxy wants credentials that were not sent (none configured, or a scheme we cannot answer)',
  'auth-rejected': 'the proxy refused the credentials sent (407 after Basic, or 401)',
  rejected: 'the proxy refused or failed the tunnel (403, 5xx, other status)',
  'bad-response': 'the proxy answered something that is not HTTP',
  closed: 'the proxy closed the connection without a complete answer',
  aborted: 'the caller cancelled the hop',
} as const;
export type ProxyTunnelCode = keyof typeof PROXY_TUNNEL_CODES;

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
  /** Bound on the whole hop, the retry with credentials included. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Extra trust anchors (PEM) for an https:// proxy. */
  caCertificates?: string[];
  /** Verify an https:// proxy's certificate (default true). */
  rejectUnauthorizedProxy?: boolean;
}

const SELECTED_HEADERS = ['proxy-authenticate', 'www-authenticate', 'server', 'via', 'proxy-agent', 'connection'];
const HEAD_COPY_LIMIT = 16 * 1024;
const SHOWN_LINE_LIMIT = 200;
const SHOWN_HEADER_LIMIT = 512;

const log = createDebug('sstp-probe:proxy');

interface Deadline {
  readonly at: number;
  readonly timeoutMs: number;
  readonly signal: AbortSignal | undefined;
}

type Attempt =
  | {
      kind: 'answer';
      status: number;
      headers: Record<string, string | string[] | undefined>;
      socket: Duplex;
      head: string;
    }
  | {
      kind: 'failure';
      error: unknown;
      head: string;
      tcpConnected: boolean;
      proxyConnected: boolean;
      timedOut: boolean;
      aborted: boolean;
    };

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
  const deadline: Deadline = { at: started + opts.timeoutMs, timeoutMs: opts.timeoutMs, signal: opts.signal };
  const token = proxy.username !== null ? basicToken(proxy.username, proxy.password ?? '') : null;
  const secrets = secretForms(proxy.password, token);

  let attempts = 1;
  let authSent: 'none' | 'basic' = 'none';
  log('CONNECT %s via %s', authority, proxy.redactedUrl);
  let attempt = await attemptConnect(proxy, authority, null, deadline, opts);

  if (attempt.kind === 'answer' && attempt.status === 407 && proxy.username !== null) {
    const offered = parseAuthSchemes(headerValues(attempt.headers['proxy-authenticate']));
    if (offered.some((s) => s.toLowerCase() === 'basic')) {
      attempt.socket.destroy();
      attempts = 2;
      authSent = 'basic';
      log('407 offers Basic: retrying on a fresh connection with credentials');
      attempt = await attemptConnect(
        proxy,
        authority,
        basicAuthorization(proxy.username, proxy.password ?? ''),
        deadline,
        opts,
      );
    }
  }

  const result = judge(attempt, {
    proxy,
    authority,
    attempts,
    authSent,
    secrets,
    durationMs: Math.round(performance.now() - started),
    timeoutMs: opts.timeoutMs,
  });
  log('result %s (status %s) after %d attempt(s) in %d ms', result.code, result.evidence.status, attempts, result.durationMs);
  return result;
}

/**
 * A dispatcher that sends undici requests (CRL, OCSP, AIA fetches) through the same proxy, with Basic
 * credentials when configured. http:// URLs are forwarded as plain proxy requests rather than tunnelled,
 * since many proxies allow CONNECT only to port 443.
 */
export function proxyDispatcher(
  proxy: ProxyConfig,
  opts: { caCertificates?: string[]; rejectUnauthorizedProxy?: boolean } = {},
): Dispatcher {
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

/** `host:port`, IPv6 in brackets. Throws on a host that could smuggle anything into the request. */
function formatAuthority(target: { host: string; port: number }): string {
  const { port } = target;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`invalid target port ${port}`);
  const host = target.host.startsWith('[') && target.host.endsWith(']') ? target.host.slice(1, -1) : target.host;
  if (!/^[A-Za-z0-9._~%:-]+$/.test(host)) throw new TypeError(`invalid target host ${JSON.stringify(target.host)}`);
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

async function attemptConnect(
  proxy: ProxyConfig,
  authority: string,
  authorization: string | null,
  deadline: Deadline,
  opts: OpenTunnelOptions,
): Promise<Attempt> {
  let head = Buffer.alloc(0);
  let tcpConnected = false;
  let proxyConnected = false;
  let timedOut = false;
  let socket: net.Socket | null = null;
  let stopCopying = (): void => undefined;

  const remaining = deadline.at - performance.now();
  if (isAborted(deadline.signal) || remaining <= 0) {
    return {
      kind: 'failure',
      error: null,
      head: '',
      tcpConnected,
      proxyConnected,
      timedOut: remaining <= 0,
      aborted: isAborted(deadline.signal),
    };
  }

  const controller = new AbortController();
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error('proxy hop timed out'));
  }, remaining);
  const onAbort = (): void => controller.abort(new Error('proxy hop aborted'));
  deadline.signal?.addEventListener('abort', onAbort, { once: true });

  const client = new Client(proxy.url.origin, {
    headersTimeout: 0, // our own timer bounds the hop
    bodyTimeout: 0,
    connect: (_options, callback) => {
      const s =
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
      socket = s;
      let settled = false;
      const settle = (error: Error | null): void => {
        if (settled) return;
        settled = true;
        if (error !== null) callback(error, null);
        else callback(null, s);
      };
      s.once('connect', () => {
        tcpConnected = true;
      });
      s.once(proxy.protocol === 'https:' ? 'secureConnect' : 'connect', () => {
        proxyConnected = true;
        settle(null);
      });
      s.once('error', (error) => settle(error));
      s.once('close', () => settle(new Error('connection to the proxy closed')));

      // Copy what undici reads until the end of the head (see the module comment). pause() keeps an early
      // banner buffered until undici attaches its 'readable' listener.
      const copy = (chunk: Buffer): void => {
        head = Buffer.concat([head, chunk]);
        if (head.includes('\r\n\r\n') || head.includes('\n\n') || head.length > HEAD_COPY_LIMIT) s.off('data', copy);
      };
      s.on('data', copy);
      s.pause();
      stopCopying = () => s.off('data', copy);
    },
  });

  const headers: Record<string, string> = { host: authority, sstpversion: '1.0', 'user-agent': 'sstp-probe' };
  if (authorization !== null) headers['proxy-authorization'] = authorization;

  // undici applies an abort only once the request is written, so a proxy stuck in the TCP or TLS
  // connect would outlive the signal: race the abort ourselves. The socket of a late answer is our own
  // `socket`, destroyed below.
  const connecting = client.connect({ path: authority, headers, signal: controller.signal });
  connecting.catch(() => undefined);
  const abandoned = new Promise<never>((_resolve, reject) => {
    const fail = (): void => reject(controller.signal.reason);
    if (controller.signal.aborted) fail();
    else controller.signal.addEventListener('abort', fail, { once: true });
  });
  abandoned.catch(() => undefined);

  try {
    const answer = await Promise.race([connecting, abandoned]);
    answer.socket.on('error', (error: NodeJS.ErrnoException) => log('tunnel socket error %s', error.code ?? error.name));
    return {
      kind: 'answer',
      status: answer.statusCode,
      headers: answer.headers,
      socket: answer.socket,
      head: head.toString('latin1'),
    };
  } catch (error) {
    (socket as net.Socket | null)?.destroy();
    return {
      kind: 'failure',
      error,
      head: head.toString('latin1'),
      tcpConnected,
      proxyConnected,
      timedOut,
      aborted: !timedOut && isAborted(deadline.signal),
    };
  } finally {
    stopCopying();
    clearTimeout(timer);
    deadline.signal?.removeEventListener('abort', onAbort);
    client.destroy().catch(() => undefined);
  }
}

interface JudgeContext {
  proxy: ProxyConfig;
  authority: string;
  attempts: number;
  authSent: 'none' | 'basic';
  secrets: string[];
  durationMs: number;
  timeoutMs: number;
}

function judge(attempt: Attempt, ctx: JudgeContext): ProxyTunnelResult {
  const statusLine = firstLine(attempt.head, ctx.secrets);
  const httpVersion = statusLine === null ? null : (/^HTTP\/(\d\.\d)\s/.exec(statusLine)?.[1] ?? null);
  const evidence: ProxyTunnelEvidence = {
    proxy: ctx.proxy.redactedUrl,
    statusLine,
    status: null,
    httpVersion,
    authSchemes: [],
    headers: {},
    attempts: ctx.attempts,
    authSent: ctx.authSent,
    proxyConnected: attempt.kind === 'answer' || attempt.proxyConnected,
  };
  const done = (code: ProxyTunnelCode, detail: string | null, socket: Duplex | null = null): ProxyTunnelResult => ({
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
  const challengeField = status === 401 ? 'www-authenticate' : 'proxy-authenticate';
  evidence.authSchemes = parseAuthSchemes(headerValues(attempt.headers[challengeField]));

  if (status >= 200 && status <= 299) {
    const note = httpVersion === '1.0' ? 'the proxy answered in HTTP/1.0; the tunnel works all the same' : null;
    return done('connected', note, attempt.socket);
  }
  attempt.socket.destroy();
  const schemes = evidence.authSchemes;
  const unsupported = schemes.filter((s) => !isSupportedScheme(s));

  if (status === 407) {
    if (ctx.authSent === 'basic') {
      return done('auth-rejected', `the proxy refused the Basic credentials (407 again)`);
    }
    if (schemes.length === 0) {
      return done('auth-required', 'the proxy requires authentication (407) but names no scheme in Proxy-Authenticate');
    }
    if (!schemes.some(isSupportedScheme)) {
      const unsent = ctx.proxy.username !== null ? '; the configured credentials were not sent' : '';
      return done(
        'auth-required',
        `the proxy requires ${schemes.join(', ')} authentication, which sstp-probe does not support (only Basic)${unsent}`,
      );
    }
    const extra = unsupported.length > 0 ? ` (also offers ${unsupported.join(', ')}, not supported)` : '';
    return done('auth-required', `the proxy requires authentication and accepts Basic${extra}; no proxy credentials were given`);
  }
  if (status === 401) {
    const why =
      ctx.authSent === 'basic'
        ? 'the proxy answered 401 to the Basic credentials: wrong user name or password'
        : 'the proxy answered 401 without being sent credentials: it refuses this client';
    return done('auth-rejected', why);
  }
  if (status === 403) {
    return done('rejected', `the proxy forbids a tunnel to ${ctx.authority} (403): its policy may not allow this host or port`);
  }
  if (status === 502 || status === 503 || status === 500) {
    return done('rejected', `the proxy could not open a connection to ${ctx.authority} (${status})`);
  }
  if (status === 504) {
    return done('rejected', `the proxy timed out connecting to ${ctx.authority} (504)`);
  }
  return done('rejected', `the proxy answered ${statusLine ?? status} instead of 2xx`);
}

function judgeFailure(
  attempt: Extract<Attempt, { kind: 'failure' }>,
  ctx: JudgeContext,
  done: (code: ProxyTunnelCode, detail: string | null) => ProxyTunnelResult,
): ProxyTunnelResult {
  const { error } = attempt;
  const errno = (error as NodeJS.ErrnoException | null)?.code;
  const received = attempt.head.length;

  if (attempt.aborted) return done('aborted', 'the proxy hop was cancelled');
  if (attempt.timedOut) {
    if (!attempt.proxyConnected) {
      return done(
        'proxy-timeout',
        attempt.tcpConnected
          ? `the proxy accepted TCP but did not complete TLS within ${ctx.timeoutMs} ms`
          : `no connection to the proxy ${ctx.proxy.redactedUrl} within ${ctx.timeoutMs} ms`,
      );
    }
    return done(
      'proxy-timeout',
      received === 0
        ? `the proxy accepted the connection but did not answer CONNECT within ${ctx.timeoutMs} ms`
        : `the proxy sent ${received} bytes but no complete answer within ${ctx.timeoutMs} ms`,
    );
  }
  if (!attempt.proxyConnected) {
    if (ctx.proxy.protocol === 'https:' && attempt.tcpConnected) {
      return done('proxy-tls-failed', `TLS with the proxy failed: ${describeError(error)}`);
    }
    return done('proxy-unreachable', unreachableDetail(errno, ctx, error));
  }
  if (error instanceof errors.HTTPParserError || error instanceof errors.HeadersOverflowError) {
    return done('bad-response', `the proxy did not answer in HTTP (${received} bytes received)`);
  }
  if (errno === 'UND_ERR_SOCKET' || errno === 'ECONNRESET' || errno === 'EPIPE' || error instanceof errors.SocketError) {
    return done(
      'closed',
      received === 0
        ? 'the proxy closed the connection without answering CONNECT'
        : `the proxy closed the connection after ${received} bytes, before the end of its answer`,
    );
  }
  return done('bad-response', `the CONNECT exchange failed: ${describeError(error)}`);
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

function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code !== undefined ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}

function headerValues(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function selectHeaders(headers: Record<string, string | string[] | undefined>, secrets: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of SELECTED_HEADERS) {
    const values = headerValues(headers[name]);
    if (values.length > 0) out[name] = shown(values.join(', '), SHOWN_HEADER_LIMIT, secrets);
  }
  return out;
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

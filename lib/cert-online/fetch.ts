// Bounded HTTP fetches for CRLs, OCSP and AIA certificates. Every fetch ends in one outcome from a small
// closed set (never an exception), within a deadline and a size cap. A direct fetch goes through node:http /
// node:https, which are part of Node itself: undici costs ~100 ms of loading per process, and its WebAssembly
// HTTP parser keeps compiling in the background for another ~200 ms that hold the process's exit. undici is
// loaded only when a `dispatcher` (the proxy's) is passed in.

import type { IncomingMessage } from 'node:http';
import type { Dispatcher } from 'undici';
import { ProbeDeadlineReached } from '../endings.js';
import { withoutUrlCredentials } from '../proxy/redact.js';

export const FETCH_OUTCOMES = {
  ok: 'a 2xx answer within the size cap',
  'http-status': 'the server answered with a non-2xx status',
  timeout: 'no complete answer before the deadline',
  refused: 'the TCP connection was refused',
  dns: 'the host name did not resolve',
  reset: 'the connection was reset or closed early',
  'too-large': 'the answer exceeded the size cap',
  'unsupported-scheme': 'not an http(s) URL (e.g. ldap://), not fetched',
  aborted: 'the caller cancelled the fetch',
  error: 'any other failure',
} as const;
export type FetchOutcome = keyof typeof FETCH_OUTCOMES;

export interface FetchOptions {
  method?: 'GET' | 'POST';
  body?: Buffer;
  contentType?: string;
  /** Deadline for the whole fetch including redirects (default 10 s). */
  timeoutMs?: number;
  /** Largest accepted body (default 10 MiB). */
  maxBytes?: number;
  dispatcher?: Dispatcher;
  signal?: AbortSignal;
  /** Redirects followed for GET (default 3). */
  maxRedirects?: number;
}

export interface FetchResult {
  /** The URL asked for, without any user:password part. */
  url: string;
  outcome: FetchOutcome;
  httpStatus: number | null;
  body: Buffer | null;
  contentType: string | null;
  detail: string | null;
  durationMs: number;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export async function fetchBounded(url: string, options: FetchOptions = {}): Promise<FetchResult> {
  const started = performance.now();
  const shown = withoutUrlCredentials(url);
  const done = (outcome: FetchOutcome, rest: Partial<FetchResult> = {}): FetchResult => ({
    url: shown,
    outcome,
    httpStatus: null,
    body: null,
    contentType: null,
    detail: null,
    ...rest,
    durationMs: Math.round(performance.now() - started),
  });
  if (!/^https?:\/\//i.test(url)) return done('unsupported-scheme', { detail: `scheme ${url.split(':')[0] ?? ''} is not fetched` });

  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxBytes = options.maxBytes ?? 10 * 1024 * 1024;
  const controller = new AbortController();
  let timedOut = false;
  // When the deadline fires, pending I/O gets one more turn first: on a saturated event loop an answer that
  // already arrived must not be read as "unreachable".
  const timer = setTimeout(() => {
    setImmediate(() => {
      timedOut = true;
      controller.abort();
    });
  }, timeoutMs);
  const onAbort = (): void => controller.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) controller.abort();
  try {
    let current = url;
    for (let hop = 0; ; hop++) {
      const request: RequestOptions = {
        method: options.method ?? 'GET',
        headers: {
          ...(options.contentType ? { 'content-type': options.contentType } : {}),
          'user-agent': 'sstp-probe',
        },
        body: options.body,
        signal: controller.signal,
        timeoutMs,
      };
      const res = options.dispatcher ? await requestThrough(options.dispatcher, current, request) : await requestDirect(current, request);
      const location = res.headers.location;
      if (REDIRECTS.has(res.statusCode) && typeof location === 'string' && (options.method ?? 'GET') === 'GET' && hop < (options.maxRedirects ?? 3)) {
        await res.body.dump();
        current = new URL(location, current).toString();
        continue;
      }
      const contentType = typeof res.headers['content-type'] === 'string' ? res.headers['content-type'] : null;
      if (res.statusCode < 200 || res.statusCode > 299) {
        await res.body.dump();
        return done('http-status', { httpStatus: res.statusCode, contentType, detail: `HTTP ${res.statusCode}` });
      }
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > maxBytes) {
        res.body.destroy();
        return done('too-large', { httpStatus: res.statusCode, contentType, detail: `Content-Length ${declared} exceeds ${maxBytes}` });
      }
      const parts: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body) {
        size += (chunk as Buffer).length;
        if (size > maxBytes) {
          res.body.destroy();
          return done('too-large', { httpStatus: res.statusCode, contentType, detail: `body exceeds ${maxBytes} bytes` });
        }
        parts.push(chunk as Buffer);
      }
      return done('ok', { httpStatus: res.statusCode, contentType, body: Buffer.concat(parts) });
    }
  } catch (error) {
    // The probe's own deadline cutting the fetch short is a timeout of ours, not a failure of the server.
    const probeDeadline = options.signal?.reason instanceof ProbeDeadlineReached ? options.signal.reason : null;
    const outcome = timedOut || probeDeadline ? 'timeout' : options.signal?.aborted ? 'aborted' : classify(error);
    const detail = probeDeadline
      ? `the probe's overall deadline of ${probeDeadline.totalMs} ms ran out before an answer came`
      : outcome === 'timeout' ? `no answer within ${Math.round(timeoutMs)} ms` : describeError(error);
    return done(outcome, { detail });
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
}

interface RequestOptions {
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body: Buffer | undefined;
  signal: AbortSignal;
  timeoutMs: number;
}

/** The part of an answer the fetch reads, the same whichever client fetched it. */
interface Answer {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: AsyncIterable<Buffer> & { dump(): Promise<void>; destroy(): void };
}

async function requestThrough(dispatcher: Dispatcher, url: string, request: RequestOptions): Promise<Answer> {
  const { request: send } = await import('undici');
  const res = await send(url, {
    method: request.method,
    headers: request.headers,
    body: request.body,
    signal: request.signal,
    // Our own timer is the deadline (its abort says 'timeout'); undici's are only a backstop.
    headersTimeout: request.timeoutMs + 1_000,
    bodyTimeout: request.timeoutMs + 1_000,
    dispatcher,
  });
  return { statusCode: res.statusCode, headers: res.headers, body: { [Symbol.asyncIterator]: () => res.body[Symbol.asyncIterator](), dump: () => res.body.dump().then(() => {}), destroy: () => res.body.destroy() } };
}

async function requestDirect(url: string, request: RequestOptions): Promise<Answer> {
  const { request: send } = url.toLowerCase().startsWith('https:') ? await import('node:https') : await import('node:http');
  const attempt = (): Promise<IncomingMessage> => new Promise<IncomingMessage>((resolve, reject) => {
    const outgoing = send(url, { method: request.method, headers: request.headers, signal: request.signal }, resolve);
    outgoing.on('error', (error: NodeJS.ErrnoException) => reject(Object.assign(error, { reusedSocket: outgoing.reusedSocket })));
    outgoing.end(request.body);
  });
  // A kept-alive connection the server closed just as it was reused fails before any answer: that says
  // nothing about the server, so the request goes once more on a new connection.
  const res = await attempt().catch((error: NodeJS.ErrnoException & { reusedSocket?: boolean }) => {
    if (error.reusedSocket && error.code === 'ECONNRESET' && !request.signal.aborted) return attempt();
    throw error;
  });
  return {
    statusCode: res.statusCode ?? 0,
    headers: res.headers,
    body: {
      [Symbol.asyncIterator]: () => res[Symbol.asyncIterator](),
      // Read to the end so the connection can serve the next fetch (keep-alive).
      dump: () => new Promise<void>((resolve) => {
        res.on('end', resolve).on('close', resolve).resume();
      }),
      destroy: () => res.destroy(),
    },
  };
}

function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  let e: unknown = error;
  for (let i = 0; i < 4 && e && typeof e === 'object'; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    e = (e as { cause?: unknown }).cause;
  }
  return codes;
}

function classify(error: unknown): FetchOutcome {
  const codes = errorCodes(error);
  if (codes.includes('ECONNREFUSED')) return 'refused';
  if (codes.some((c) => c === 'ENOTFOUND' || c === 'EAI_AGAIN' || c === 'EAI_NONAME')) return 'dns';
  if (codes.some((c) => c === 'UND_ERR_CONNECT_TIMEOUT' || c === 'UND_ERR_HEADERS_TIMEOUT' || c === 'UND_ERR_BODY_TIMEOUT' || c === 'ETIMEDOUT')) return 'timeout';
  if (codes.some((c) => c === 'ECONNRESET' || c === 'UND_ERR_SOCKET' || c === 'EPIPE' || c === 'UND_ERR_CLOSED')) return 'reset';
  return 'error';
}

function describeError(error: unknown): string {
  const codes = errorCodes(error);
  const message = error instanceof Error ? error.message : String(error);
  return codes.length > 0 ? `${codes[0]}: ${message}` : message;
}

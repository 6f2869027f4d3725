import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { ProbeReport, Target } from '../types.js';
import { probe as runProbe, DEFAULT_TIMEOUT_MS, type ProbeOptions } from '../probe.js';
import { prepareTrust } from '../trust.js';
import { UsageError } from '../errors.js';
import { followAbort } from '../endings.js';
import { chooseProxy } from '../proxy/select.js';
import { VERSION } from '../version.js';
import { PROMETHEUS_CONTENT_TYPE, renderFamilies, renderPrometheus } from '../report/prometheus.js';
import { parseProbeQuery, type ProbeOverrides } from './params.js';
import { DEFAULT_LISTEN_HOST, DEFAULT_LISTEN_PORT, DEFAULT_MAX_CONCURRENT } from './defaults.js';
import { formatHostPort } from '../target.js';

export { DEFAULT_LISTEN_HOST, DEFAULT_LISTEN_PORT, DEFAULT_MAX_CONCURRENT };

// The exporter: an HTTP server in the blackbox_exporter convention. Prometheus asks `GET /probe?target=...`,
// one probe runs, and the answer is that probe's metrics. What is the exporter's own (trust anchors, proxy
// and its credentials, timeouts) is prepared once and shared by every probe; what a scrape may choose is the
// small set params.ts accepts. It is bounded everywhere a scraper or a stranger could push it: probes at
// once, URL and header size, the deadline, and it answers every bad request with a one-line reason.

/** Kept back from the scraper's timeout, so the answer arrives before Prometheus gives up (blackbox: 0.5 s). */
export const SCRAPE_TIMEOUT_MARGIN_MS = 500;
export const MAX_URL_LENGTH = 2048;
const MAX_HEADER_BYTES = 8192;
/** How long close() waits for cancelled probes to hand back their sockets before dropping connections. */
const CLOSE_GRACE_MS = 1500;

/** ProbeOptions plus the per-target fields of client profiles and `--connections n`, passed through as given. */
export type ServeProbeOptions = ProbeOptions & { clients?: string[]; connections?: number };

export interface ServeOptions {
  /** Address to listen on (default 127.0.0.1). */
  host?: string;
  /** Port (default 9468; 0 picks a free one). */
  port?: number;
  /** Probes at once; a request beyond this is answered 503 at once (default 16). */
  maxConcurrent?: number;
  /** What every probe shares: trust, proxy, timeouts. The trust is prepared once here when not given. */
  probeOptions?: ProbeOptions;
  /** The probe itself; replaceable in tests. */
  probe?: (target: Target, options: ServeProbeOptions) => Promise<ProbeReport>;
  /** Closing the exporter when this aborts (e.g. on SIGTERM). */
  signal?: AbortSignal;
}

export interface Exporter {
  host: string;
  port: number;
  /** `http://host:port` */
  url: string;
  /** Stops listening, cancels the probes in flight and resolves once every connection is closed. */
  close(): Promise<void>;
}

interface Counters {
  probes: { success: number; failure: number };
  errors: number;
  refused: Map<string, number>;
  inFlight: number;
}

export async function serve(options: ServeOptions = {}): Promise<Exporter> {
  const host = options.host ?? DEFAULT_LISTEN_HOST;
  const port = options.port ?? DEFAULT_LISTEN_PORT;
  const maxConcurrent = options.maxConcurrent ?? DEFAULT_MAX_CONCURRENT;
  if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1) throw new RangeError(`maxConcurrent must be a whole number of at least 1, not ${maxConcurrent}`);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`port ${port} is out of range (0-65535)`);
  const shared: ProbeOptions = { ...options.probeOptions };
  checkProxySettings(shared);
  shared.trust ??= prepareTrust(shared);
  const probeOne = options.probe ?? runProbe;
  const ownTimeoutMs = shared.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  const counters: Counters = { probes: { success: 0, failure: 0 }, errors: 0, refused: new Map(), inFlight: 0 };
  // Aborted on close, and with the caller's signal. Each scrape's probe follows it with a signal of its own
  // (followAbort, not AbortSignal.any, which would leave an entry per scrape on this long-lived signal).
  const exporterLife = followAbort(shared.signal);
  const settled = new Set<Promise<void>>();
  let closing = false;

  const refuse = (res: ServerResponse, status: number, reason: string, why: string, headers: Record<string, string> = {}): void => {
    counters.refused.set(why, (counters.refused.get(why) ?? 0) + 1);
    send(res, status, 'text/plain; charset=utf-8', `${reason}\n`, headers);
  };

  const probeRequest = async (req: IncomingMessage, res: ServerResponse, query: URLSearchParams): Promise<void> => {
    const parsed = parseProbeQuery(query);
    if (!parsed.ok) return refuse(res, 400, parsed.reason, 'bad-request');
    const deadline = scrapeDeadline(req.headers['x-prometheus-scrape-timeout-seconds'], ownTimeoutMs);
    if (typeof deadline === 'string') return refuse(res, 400, deadline, 'bad-request');
    if (counters.inFlight >= maxConcurrent) {
      return refuse(res, 503, `too many probes at once (--max-concurrent ${maxConcurrent}): try again`, 'busy', { 'retry-after': '1' });
    }
    const { controller, release } = followAbort(exporterLife.controller.signal);
    // The scraper gave up (or the connection dropped): the probe's answer has nobody to go to.
    res.once('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    const signal = controller.signal;
    counters.inFlight++;
    try {
      let report: ProbeReport;
      try {
        report = await probeOne(parsed.target, withOverrides(shared, parsed.overrides, deadline, signal));
      } catch (error) {
        // Invalid input the query checks could not see (the probe validates before any I/O).
        if (error instanceof UsageError) return refuse(res, 400, oneLine(error.message), 'bad-request');
        throw error;
      }
      if (closing || signal.aborted) {
        refuse(res, 503, 'the exporter is shutting down: probe cancelled', 'shutting-down');
        return;
      }
      counters.probes[report.ok ? 'success' : 'failure']++;
      send(res, 200, PROMETHEUS_CONTENT_TYPE, renderPrometheus(report));
    } finally {
      counters.inFlight--;
      release();
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const rawUrl = req.url ?? '/';
    if (rawUrl.length > MAX_URL_LENGTH) return refuse(res, 414, `URL longer than ${MAX_URL_LENGTH} characters`, 'too-large');
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'only GET and HEAD are served', 'bad-request', { allow: 'GET, HEAD' });
    if (hasBody(req)) return refuse(res, 413, 'requests carry no body here', 'too-large', { connection: 'close' });
    if (closing) return refuse(res, 503, 'the exporter is shutting down', 'shutting-down');
    let url: URL;
    try {
      url = new URL(rawUrl, 'http://exporter.invalid');
    } catch {
      return refuse(res, 400, 'malformed request URL', 'bad-request');
    }
    switch (url.pathname) {
      case '/probe':
        return probeRequest(req, res, url.searchParams);
      case '/metrics':
        return send(res, 200, PROMETHEUS_CONTENT_TYPE, ownMetrics(counters, maxConcurrent));
      case '/':
        return send(res, 200, 'text/html; charset=utf-8', LANDING_PAGE);
      default:
        return refuse(res, 404, `nothing at ${url.pathname.slice(0, 100)}: see / for what is served`, 'not-found');
    }
  };

  const server: Server = createServer({ maxHeaderSize: MAX_HEADER_BYTES }, (req, res) => {
    const done = handle(req, res).catch((error: unknown) => {
      // A bug, not a remote failure (those are in the report): answer it, count it, keep serving.
      counters.errors++;
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', `internal error: ${oneLine((error as Error)?.message ?? String(error))}\n`);
      else res.destroy();
    });
    settled.add(done);
    void done.finally(() => settled.delete(done));
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 15_000;
  // Unparsable requests and heads over the cap never reach the handler: answer them here and hang up.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
    counters.refused.set(tooLarge ? 'too-large' : 'bad-request', (counters.refused.get(tooLarge ? 'too-large' : 'bad-request') ?? 0) + 1);
    if (socket.writable) socket.end(`HTTP/1.1 ${tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request'}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException): void => reject(listenError(error, host, port));
    server.once('error', failed);
    server.listen({ host, port }, () => {
      server.off('error', failed);
      resolve();
    });
  });
  server.on('error', () => {});
  const bound = server.address();
  const boundPort = typeof bound === 'object' && bound ? bound.port : port;

  let closed: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closed ??= (async () => {
      closing = true;
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      exporterLife.controller.abort();
      exporterLife.release();
      // Cancelled probes answer 503 and release their sockets; a stuck one does not hold shutdown.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.allSettled([...settled]), new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_GRACE_MS)))]);
      clearTimeout(timer);
      server.closeAllConnections();
      await stopped;
    })();
    return closed;
  };
  if (options.signal) {
    if (options.signal.aborted) await close();
    else options.signal.addEventListener('abort', () => void close(), { once: true });
  }
  return { host, port: boundPort, url: `http://${formatHostPort(host, boundPort)}`, close };
}

/**
 * The probe's deadline: its own, or the scraper's timeout minus the margin when that is shorter (as
 * blackbox_exporter does). A header that is not a positive number of seconds is the caller's error.
 */
export function scrapeDeadline(header: string | string[] | undefined, ownMs: number): number | string {
  if (header === undefined) return ownMs;
  const text = Array.isArray(header) ? header[0] ?? '' : header;
  const seconds = Number(text);
  if (text.trim() === '' || !Number.isFinite(seconds) || seconds <= 0) {
    return 'bad X-Prometheus-Scrape-Timeout-Seconds: a positive number of seconds';
  }
  const scraperMs = seconds * 1000;
  // Too short to keep a margin: use what there is rather than nothing.
  const allowed = scraperMs > SCRAPE_TIMEOUT_MARGIN_MS ? scraperMs - SCRAPE_TIMEOUT_MARGIN_MS : scraperMs;
  return Math.max(1, Math.floor(Math.min(ownMs, allowed)));
}

/**
 * A bad proxy URL (flag or HTTPS_PROXY) is the exporter's own misconfiguration: it fails at start-up with the
 * proxy module's redacted message instead of on every scrape.
 */
function checkProxySettings(shared: ProbeOptions): void {
  chooseProxy({
    target: { host: 'sstp-probe.invalid', port: 443 },
    ...(typeof shared.proxy === 'string' ? { flagProxy: shared.proxy } : {}),
    noProxyFlag: shared.proxy === false,
    env: shared.env ?? process.env,
    ...(shared.proxyUser !== undefined ? { proxyUser: shared.proxyUser } : {}),
    ...(shared.proxyPassword !== undefined ? { proxyPassword: shared.proxyPassword } : {}),
  });
}

function withOverrides(shared: ProbeOptions, overrides: ProbeOverrides, timeoutMs: number, signal: AbortSignal): ServeProbeOptions {
  const options: ServeProbeOptions = { ...shared, timeoutMs, signal };
  if (overrides.sni !== undefined) options.sni = overrides.sni;
  if (overrides.ppp !== undefined) options.ppp = overrides.ppp;
  if (overrides.revocation !== undefined) options.revocation = overrides.revocation;
  if (overrides.clients !== undefined) options.clients = overrides.clients;
  if (overrides.connections !== undefined) options.connections = overrides.connections;
  // A scrape turning PPP off cannot leave a login or an enumeration behind that needs it.
  if (options.ppp === false) {
    delete options.enumerateAuth;
    delete options.credentials;
  }
  return options;
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function send(res: ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store', ...headers });
  res.end(body);
}

function ownMetrics(counters: Counters, maxConcurrent: number): string {
  return renderFamilies([
    { name: 'sstp_probe_exporter_build_info', type: 'gauge', help: 'The sstp-probe version serving', samples: [{ labels: { version: VERSION }, value: 1 }] },
    {
      name: 'sstp_probe_exporter_probes_total',
      type: 'counter',
      help: 'Probes run to the end, by whether the server was healthy',
      samples: [{ labels: { result: 'success' }, value: counters.probes.success }, { labels: { result: 'failure' }, value: counters.probes.failure }],
    },
    { name: 'sstp_probe_exporter_probe_errors_total', type: 'counter', help: 'Requests the exporter failed to answer (internal errors)', samples: [{ value: counters.errors }] },
    {
      name: 'sstp_probe_exporter_requests_refused_total',
      type: 'counter',
      help: 'Requests answered without a probe, by reason',
      samples: ['bad-request', 'busy', 'too-large', 'not-found', 'shutting-down'].map((reason) => ({ labels: { reason }, value: counters.refused.get(reason) ?? 0 })),
    },
    { name: 'sstp_probe_exporter_probes_in_flight', type: 'gauge', help: 'Probes running now', samples: [{ value: counters.inFlight }] },
    { name: 'sstp_probe_exporter_max_concurrent', type: 'gauge', help: 'Probes allowed at once (--max-concurrent)', samples: [{ value: maxConcurrent }] },
  ]);
}

function listenError(error: NodeJS.ErrnoException, host: string, port: number): Error {
  const where = formatHostPort(host, port);
  const why = error.code === 'EADDRINUSE' ? 'the port is in use' : error.code === 'EADDRNOTAVAIL' ? 'no such local address' : error.code === 'EACCES' ? 'permission denied' : error.message;
  return Object.assign(new Error(`cannot listen on ${where}: ${why}`), { code: error.code });
}

function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').slice(0, 200);
}

const LANDING_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>sstp-probe exporter</title></head>
<body>
<h1>sstp-probe exporter</h1>
<p>Probes SSTP VPN servers for Prometheus, one target per scrape (version ${VERSION}).</p>
<ul>
<li><code>/probe?target=host[:port]</code>: probe one server (also <code>sni</code>, <code>clients</code>, <code>connections</code>, <code>no_ppp</code>, <code>revocation</code>)</li>
<li><a href="metrics">/metrics</a>: the exporter's own metrics</li>
</ul>
<form action="probe"><label>Target <input name="target" placeholder="vpn.contoso.com:443"></label> <button>Probe</button></form>
</body></html>
`;

import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import type { Target } from './types.js';
import { quoteInput, UsageError } from './errors.js';

export const DEFAULT_PORT = 443;
/** An offloaded RRAS listens for plain HTTP on port 80 unless ListenerPort says otherwise. */
export const DEFAULT_HTTP_PORT = 80;

/**
 * Accepts `host`, `host:port`, `[v6]`, `[v6]:port`, a bare IPv6 literal, or an `https://host[:port]/...` URL
 * (administrators often paste the SSTP URL itself). An explicit `port` argument wins over a port in the text.
 * `http://host[:port]` (default port 80) is the plain-HTTP SSTP listener of an offloaded RRAS, as the balancer
 * reaches it; like the https form, any path is ignored (SSTP always asks for its own URL).
 *
 * International names are accepted in both forms and probed by their punycode (IDNA, UTS #46), the name a
 * Windows client puts in DNS and SNI: `bücher.example` and `https://bücher.example/` are both
 * `xn--bcher-kva.example`.
 */
export function parseTarget(input: string, port?: number): Target {
  const text = input.trim();
  if (text === '') throw new UsageError('the target is empty: give a host name or address, e.g. vpn.contoso.com');
  if (/[;,]/.test(text)) throw new UsageError(`"${quoteInput(text)}" holds more than one target: give one target per line (or per argument)`);
  let host: string;
  let textPort: string | undefined;
  let plainHttp = false;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new UsageError(`"${quoteInput(input)}" is not a valid URL`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new UsageError(`SSTP runs over HTTPS (or plain HTTP behind a TLS-offloading balancer): "${quoteInput(url.protocol)}" URLs cannot be probed`);
    }
    plainHttp = url.protocol === 'http:';
    host = url.hostname.replace(/^\[|\]$/g, '');
    textPort = url.port || undefined;
  } else if (text.startsWith('[')) {
    const match = /^\[([^\]]+)\](?::(.*))?$/.exec(text);
    if (!match) throw new UsageError(`"${quoteInput(input)}" is not a valid [IPv6]:port target`);
    host = match[1]!;
    textPort = match[2];
  } else if (isIP(text) === 6) {
    host = text;
  } else {
    const colon = text.lastIndexOf(':');
    if (colon >= 0 && text.indexOf(':') !== colon) throw new UsageError(`"${quoteInput(input)}" looks like an IPv6 address with a port: write it as [address]:port`);
    host = colon >= 0 ? text.slice(0, colon) : text;
    textPort = colon >= 0 ? text.slice(colon + 1) : undefined;
  }
  // The same IDN rule as the URL form above, whose parser already applied it.
  if (/[^\x00-\x7f]/.test(host) && isIP(host) === 0) host = domainToASCII(host) || host;
  if (host.startsWith('[') || (isIP(host) === 0 && !isHostName(host))) {
    throw new UsageError(`"${quoteInput(host)}" is not a valid host name or IP address`);
  }
  const chosen = port ?? (textPort === undefined ? (plainHttp ? DEFAULT_HTTP_PORT : DEFAULT_PORT) : parsePort(textPort, input));
  if (!Number.isInteger(chosen) || chosen < 1 || chosen > 65535) throw new UsageError(`port ${chosen} is out of range (1-65535)`);
  return { host: host.toLowerCase(), port: chosen, ...(plainHttp ? { scheme: 'http' as const } : {}) };
}

function parsePort(text: string, input: string): number {
  if (!/^\d{1,5}$/.test(text)) throw new UsageError(`"${quoteInput(input)}" has an invalid port "${quoteInput(text)}"`);
  return Number(text);
}

function isHostName(host: string): boolean {
  if (host.length > 253) return false;
  return host.split('.').every((label, i, all) => (label === '' ? i === all.length - 1 && i > 0 : /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/i.test(label)));
}

export function formatTarget(target: Target): string {
  const hostPort = `${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}`;
  return target.scheme === 'http' ? `http://${hostPort}` : hostPort;
}

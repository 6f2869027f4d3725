// Which proxy, if any, a probe goes through. Pure: the environment is passed in, nothing is read from
// the process. Order of precedence:
//
//   1. --no-proxy                 no proxy, whatever else is set
//   2. --proxy URL                that proxy; NO_PROXY does not apply to an explicit flag
//   3. https_proxy, HTTPS_PROXY   the lowercase name first, as curl does for https_proxy
//      unless no_proxy / NO_PROXY (lowercase first, as curl) matches the target
//   4. no proxy
//
// SSTP always runs over https, so http_proxy and ALL_PROXY are not consulted. A value without a scheme
// is taken as http://, as curl does; a URL without a port uses its scheme's port (80 / 443), not
// curl's 1080.

import { UsageError } from '../errors.js';
import { matchNoProxy } from './no-proxy.js';
import { redactProxyUrl, redactRawProxyUrl, scrubSecrets, secretForms } from './redact.js';

export interface ProxyConfig {
  /** The proxy URL without credentials. */
  url: URL;
  /** `http://user:***@host:port` or `http://host:port`. */
  redactedUrl: string;
  protocol: 'http:' | 'https:';
  /** Host name or IP literal, IPv6 without brackets. */
  host: string;
  port: number;
  username: string | null;
  /** Not enumerable: JSON.stringify, util.inspect and debug's %o never print it. */
  password: string | null;
}

export interface ProxyChoice {
  proxy: ProxyConfig | null;
  source: 'flag' | 'env' | 'none';
  /** e.g. "HTTPS_PROXY", "NO_PROXY matched 10.0.0.0/8", "--no-proxy", "no proxy configured". */
  reason: string;
}

export interface ProxyChoiceInput {
  target: { host: string; port: number };
  /** Value of --proxy. */
  flagProxy?: string;
  /** --no-proxy was given. */
  noProxyFlag?: boolean;
  env: Record<string, string | undefined>;
  /** Override the user name of the proxy URL. */
  proxyUser?: string;
  /** Override the password of the proxy URL (the CLI reads it from an environment variable). */
  proxyPassword?: string;
}

/** Invalid proxy input, found before any I/O. The message never contains the password. */
export class ProxyUrlError extends UsageError {
  constructor(message: string) {
    super(message, 'ERR_PROXY_URL');
    this.name = 'ProxyUrlError';
  }
}

const PROXY_VARS = ['https_proxy', 'HTTPS_PROXY'] as const;
const NO_PROXY_VARS = ['no_proxy', 'NO_PROXY'] as const;

export function chooseProxy(input: ProxyChoiceInput): ProxyChoice {
  if (input.noProxyFlag === true) return { proxy: null, source: 'none', reason: '--no-proxy' };

  const credentials = { user: input.proxyUser, password: input.proxyPassword };
  const flag = input.flagProxy?.trim();
  if (flag !== undefined && flag !== '') {
    return { proxy: parseProxyUrl(flag, '--proxy', credentials), source: 'flag', reason: '--proxy' };
  }

  const fromEnv = firstSet(input.env, PROXY_VARS);
  if (fromEnv === null) return { proxy: null, source: 'none', reason: 'no proxy configured' };

  const noProxy = firstSet(input.env, NO_PROXY_VARS);
  if (noProxy !== null) {
    const matched = matchNoProxy(noProxy.value, input.target);
    if (matched !== null) return { proxy: null, source: 'none', reason: `${noProxy.name} matched ${matched}` };
  }
  return { proxy: parseProxyUrl(fromEnv.value, fromEnv.name, credentials), source: 'env', reason: fromEnv.name };
}

/**
 * Parses `http://[user:pass@]host:port` or `https://...`. `origin` names where the value came from, for
 * messages. Explicit `user` / `password` replace the URL's own (which are percent-decoded).
 */
export function parseProxyUrl(
  raw: string,
  origin: string,
  credentials: { user?: string | undefined; password?: string | undefined } = {},
): ProxyConfig {
  const text = raw.trim();
  const hidden = secretForms(credentials.password ?? null, null);
  const shown = (): string => scrubSecrets(redactRawProxyUrl(text), hidden);
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;

  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new ProxyUrlError(`${origin}: not a valid proxy URL: ${shown()}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ProxyUrlError(
      `${origin}: unsupported proxy scheme "${url.protocol}" (only http:// and https:// proxies, which speak CONNECT)`,
    );
  }
  if (url.hostname === '') throw new ProxyUrlError(`${origin}: proxy URL has no host: ${shown()}`);

  let urlUser: string;
  let urlPassword: string;
  try {
    urlUser = decodeURIComponent(url.username);
    urlPassword = decodeURIComponent(url.password);
  } catch {
    throw new ProxyUrlError(`${origin}: proxy URL has a malformed percent-escape in its user name or password`);
  }

  const flagUser = credentials.user !== undefined && credentials.user !== '' ? credentials.user : null;
  const username = flagUser ?? (urlUser !== '' ? urlUser : null);
  const password = username === null ? null : (credentials.password ?? (url.password !== '' ? urlPassword : null));
  if (username !== null && username.includes(':')) {
    // RFC 7617 §2: a Basic user-id cannot contain a colon.
    throw new ProxyUrlError(`${origin}: proxy user name must not contain ":"`);
  }

  const protocol = url.protocol;
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const port = url.port !== '' ? Number(url.port) : protocol === 'https:' ? 443 : 80;
  if (port === 0) throw new ProxyUrlError(`${origin}: proxy port 0 is not usable`);

  const config: ProxyConfig = {
    url: new URL(`${protocol}//${url.host}`),
    redactedUrl: redactProxyUrl({ protocol, host, port, username, password }),
    protocol,
    host,
    port,
    username,
    password: null,
  };
  Object.defineProperty(config, 'password', { value: password, enumerable: false, writable: false });
  return config;
}

function firstSet(
  env: Record<string, string | undefined>,
  names: readonly string[],
): { name: string; value: string } | null {
  for (const name of names) {
    const value = env[name]?.trim();
    if (value !== undefined && value !== '') return { name, value };
  }
  return null;
}

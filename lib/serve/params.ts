import type { Target } from '../types.js';
import { parseTarget } from '../target.js';
import { MAX_CONNECTIONS } from '../probe-options.js';

// The query of `GET /probe`: which server to probe and the per-target options that make sense from a scrape
// config. Everything else is refused with a one-line reason, credentials first: a password in a scrape URL
// would sit in Prometheus's config, its target labels and every proxy log on the way. Secrets (proxy
// credentials) are given to `serve` itself, once.

/** Per-target options a scrape may set; `clients` and `connections` are carried to the probe as they are. */
export interface ProbeOverrides {
  sni?: string;
  clients?: string[];
  connections?: number;
  ppp?: boolean;
  revocation?: boolean;
}

export type ProbeQuery =
  | { ok: true; target: Target; overrides: ProbeOverrides }
  | { ok: false; reason: string };

export const PROBE_PARAMETERS = ['target', 'sni', 'clients', 'connections', 'no_ppp', 'revocation'] as const;
type ProbeParameter = (typeof PROBE_PARAMETERS)[number];

export const MAX_CLIENTS = 32;
// The probe's own bound (lib/probe-options.ts), so a scrape is refused with the same limit the CLI has.
export { MAX_CONNECTIONS } from '../probe-options.js';

/** Names that look like a credential, whatever their spelling (user, password, proxy_user, token, ...). */
const CREDENTIAL_LIKE = /user|pass|pwd|secret|token|cred|auth|login|key/i;

const CLIENT_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/i;
const DNS_NAME = /^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/i;

export function parseProbeQuery(query: URLSearchParams): ProbeQuery {
  const seen = new Map<string, string>();
  for (const [name, value] of query) {
    if (CREDENTIAL_LIKE.test(name)) {
      return { ok: false, reason: `credentials are never accepted in a probe URL ("${shortName(name)}"): give proxy credentials to 'sstp-probe serve' itself` };
    }
    if (!(PROBE_PARAMETERS as readonly string[]).includes(name)) {
      return { ok: false, reason: `unknown parameter "${shortName(name)}" (known: ${PROBE_PARAMETERS.join(', ')})` };
    }
    if (seen.has(name)) return { ok: false, reason: `parameter "${name}" is given twice` };
    seen.set(name, value);
  }
  const get = (name: ProbeParameter): string | undefined => seen.get(name);

  const targetText = get('target');
  if (targetText === undefined || targetText.trim() === '') return { ok: false, reason: 'missing target parameter: /probe?target=host[:port]' };
  let target: Target;
  try {
    target = parseTarget(targetText);
  } catch (error) {
    return { ok: false, reason: `bad target: ${(error as Error).message}` };
  }

  const overrides: ProbeOverrides = {};
  const sni = get('sni');
  if (sni !== undefined) {
    if (!DNS_NAME.test(sni)) return { ok: false, reason: `bad sni: "${shortName(sni)}" is not a DNS name` };
    overrides.sni = sni.toLowerCase();
  }
  const clients = get('clients');
  if (clients !== undefined) {
    const names = clients.split(',').map((name) => name.trim()).filter((name) => name !== '');
    if (names.length === 0) return { ok: false, reason: 'bad clients: give client profile names separated by commas' };
    if (names.length > MAX_CLIENTS) return { ok: false, reason: `bad clients: at most ${MAX_CLIENTS} profiles per probe` };
    const bad = names.find((name) => !CLIENT_NAME.test(name));
    if (bad !== undefined) return { ok: false, reason: `bad clients: "${shortName(bad)}" is not a client profile name` };
    overrides.clients = [...new Set(names)];
  }
  const connections = get('connections');
  if (connections !== undefined) {
    const count = /^\d{1,6}$/.test(connections) ? Number(connections) : Number.NaN;
    if (!(count >= 1 && count <= MAX_CONNECTIONS)) return { ok: false, reason: `bad connections: a whole number from 1 to ${MAX_CONNECTIONS}` };
    overrides.connections = count;
  }
  const noPpp = get('no_ppp');
  if (noPpp !== undefined) {
    const value = flag(noPpp, true);
    if (value === null) return { ok: false, reason: 'bad no_ppp: 1, true, 0 or false' };
    overrides.ppp = !value;
  }
  const revocation = get('revocation');
  if (revocation !== undefined) {
    const value = flag(revocation, null);
    if (value === null) return { ok: false, reason: 'bad revocation: 1, true, 0 or false' };
    overrides.revocation = value;
  }
  return { ok: true, target, overrides };
}

/** `1`/`true`/`0`/`false`; an empty value (`?no_ppp`) means `empty`. */
function flag(value: string, empty: boolean | null): boolean | null {
  const text = value.trim().toLowerCase();
  if (text === '') return empty;
  if (text === '1' || text === 'true') return true;
  if (text === '0' || text === 'false') return false;
  return null;
}

/** Echo at most a short, printable prefix of what the client sent. */
function shortName(text: string): string {
  const printable = text.replace(/[^\x20-\x7e]/g, '?');
  return printable.length > 64 ? `${printable.slice(0, 64)}...` : printable;
}

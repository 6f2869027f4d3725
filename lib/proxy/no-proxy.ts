// NO_PROXY matching, pure. The list is the comma- or space-separated value of NO_PROXY / no_proxy
// (or anything shaped like it). Entry forms, following curl where curl has a rule:
//
//   *                    every host
//   contoso.com          contoso.com and every subdomain (a leading "." or "*." means the same)
//   contoso.com:443      the same names, only for that port
//   10.1.2.3, ::1        that IP literal; IPv6 may be bracketed: [::1], [::1]:443
//   10.0.0.0/8, fd00::/8 a CIDR range (curl has these, undici's matcher does not)
//
// Names are never resolved: an IP or CIDR entry matches only a target that is itself an IP literal,
// as in curl. An IPv4-mapped IPv6 target (::ffff:10.1.2.3) is matched as its IPv4 address.
// Entries that parse as none of the above are ignored.

export type NoProxyEntry =
  | { kind: 'any'; text: string }
  | { kind: 'domain'; text: string; domain: string; port: number | null }
  | { kind: 'ip'; text: string; bytes: Uint8Array; port: number | null }
  | { kind: 'cidr'; text: string; bytes: Uint8Array; prefix: number };

export interface NoProxyTarget {
  host: string;
  port: number;
}

/** Splits and parses a NO_PROXY value; unparsable entries are dropped. */
export function parseNoProxy(list: string): NoProxyEntry[] {
  const entries: NoProxyEntry[] = [];
  for (const raw of list.split(/[\s,]+/)) {
    const entry = parseEntry(raw);
    if (entry !== null) entries.push(entry);
  }
  return entries;
}

/** Returns the text of the first entry that matches the target, or null when the proxy applies. */
export function matchNoProxy(list: string | readonly NoProxyEntry[], target: NoProxyTarget): string | null {
  const entries = typeof list === 'string' ? parseNoProxy(list) : list;
  const host = normalizeHost(target.host);
  const ip = toMatchable(parseIp(host));
  for (const entry of entries) {
    if (entryMatches(entry, host, ip, target.port)) return entry.text;
  }
  return null;
}

/** Parses an IPv4 or IPv6 literal (brackets and a zone id allowed) into network-order bytes. */
export function parseIp(text: string): Uint8Array | null {
  let s = text.trim();
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  if (s.includes(':')) return parseIPv6(s);
  return parseIPv4(s);
}

function parseEntry(raw: string): NoProxyEntry | null {
  const text = raw.trim();
  if (text === '') return null;
  if (text === '*') return { kind: 'any', text };

  // [v6], [v6]:port, [v6]/prefix
  const bracketed = /^\[([^\]]+)\](?::(\d+)|\/(\d+))?$/.exec(text);
  if (bracketed !== null) {
    const bytes = parseIPv6(bracketed[1] ?? '');
    if (bytes === null) return null;
    if (bracketed[3] !== undefined) return cidrEntry(text, bytes, bracketed[3]);
    const port = bracketed[2] === undefined ? null : parsePort(bracketed[2]);
    if (port === undefined) return null;
    return { kind: 'ip', text, bytes, port };
  }

  const slash = text.indexOf('/');
  if (slash >= 0) {
    const bytes = parseIp(text.slice(0, slash));
    return bytes === null ? null : cidrEntry(text, bytes, text.slice(slash + 1));
  }

  const colons = text.split(':').length - 1;
  if (colons >= 2) {
    // A bare IPv6 literal: its colons are not a port separator.
    const bytes = parseIPv6(text);
    return bytes === null ? null : { kind: 'ip', text, bytes, port: null };
  }

  let name = text;
  let port: number | null = null;
  if (colons === 1) {
    const at = text.lastIndexOf(':');
    const parsed = parsePort(text.slice(at + 1));
    if (parsed === undefined) return null;
    port = parsed;
    name = text.slice(0, at);
  }
  const v4 = parseIPv4(name);
  if (v4 !== null) return { kind: 'ip', text, bytes: v4, port };

  const domain = normalizeHost(name.replace(/^\*?\.+/, ''));
  if (domain === '' || !/^[a-z0-9_.-]+$/.test(domain)) return null;
  return { kind: 'domain', text, domain, port };
}

function cidrEntry(text: string, bytes: Uint8Array, prefixText: string): NoProxyEntry | null {
  if (!/^\d{1,3}$/.test(prefixText)) return null;
  const prefix = Number(prefixText);
  if (prefix > bytes.length * 8) return null;
  // A range written as IPv4-mapped IPv6 (::ffff:10.0.0.0/104) is kept as the IPv4 range it covers.
  const mapped = bytes.length === 16 && isMapped(bytes);
  return mapped
    ? { kind: 'cidr', text, bytes: bytes.slice(12), prefix: Math.max(prefix - 96, 0) }
    : { kind: 'cidr', text, bytes, prefix };
}

function entryMatches(entry: NoProxyEntry, host: string, ip: Uint8Array | null, port: number): boolean {
  switch (entry.kind) {
    case 'any':
      return true;
    case 'domain':
      if (entry.port !== null && entry.port !== port) return false;
      return host === entry.domain || host.endsWith(`.${entry.domain}`);
    case 'ip': {
      if (entry.port !== null && entry.port !== port) return false;
      const bytes = toMatchable(entry.bytes);
      return ip !== null && bytes !== null && sameBytes(ip, bytes);
    }
    case 'cidr':
      return ip !== null && ip.length === entry.bytes.length && prefixEqual(ip, entry.bytes, entry.prefix);
  }
}

/** Lowercase, without brackets, zone id or trailing dots, so "Host.Example." and "host.example" compare equal. */
function normalizeHost(host: string): string {
  let h = host.trim().toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  return h.replace(/\.+$/, '');
}

// undefined: not a valid port; null is kept for "no port given" by callers.
function parsePort(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : undefined;
}

function parseIPv4(text: string): Uint8Array | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (m === null) return null;
  const bytes = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const octet = Number(m[i + 1]);
    if (octet > 255) return null;
    bytes[i] = octet;
  }
  return bytes;
}

// RFC 4291 §2.2 text forms: eight groups, "::" for one run of zero groups, an IPv4 tail in the last 32 bits.
function parseIPv6(text: string): Uint8Array | null {
  const zone = text.indexOf('%');
  const s = zone >= 0 ? text.slice(0, zone) : text;
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const head = parseGroups(halves[0] ?? '', halves.length === 1);
  const tail = halves.length === 2 ? parseGroups(halves[1] ?? '', true) : [];
  if (head === null || tail === null) return null;
  if (halves.length === 1 ? head.length !== 8 : head.length + tail.length > 7) return null;
  const groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    bytes[i * 2] = g >> 8;
    bytes[i * 2 + 1] = g & 0xff;
  });
  return bytes;
}

function parseGroups(part: string, ipv4TailAllowed: boolean): number[] | null {
  if (part === '') return [];
  const texts = part.split(':');
  const groups: number[] = [];
  for (let i = 0; i < texts.length; i++) {
    const g = texts[i] ?? '';
    if (ipv4TailAllowed && i === texts.length - 1 && g.includes('.')) {
      const v4 = parseIPv4(g);
      if (v4 === null) return null;
      groups.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
      continue;
    }
    if (!/^[0-9a-f]{1,4}$/i.test(g)) return null;
    groups.push(parseInt(g, 16));
  }
  return groups;
}

function isMapped(bytes: Uint8Array): boolean {
  // ::ffff:a.b.c.d (RFC 4291 §2.5.5.2)
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return false;
  return bytes[10] === 0xff && bytes[11] === 0xff;
}

/** IPv4-mapped IPv6 addresses compare as IPv4. */
function toMatchable(bytes: Uint8Array | null): Uint8Array | null {
  if (bytes === null) return null;
  return bytes.length === 16 && isMapped(bytes) ? bytes.slice(12) : bytes;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function prefixEqual(a: Uint8Array, b: Uint8Array, prefix: number): boolean {
  const full = Math.floor(prefix / 8);
  for (let i = 0; i < full; i++) if (a[i] !== b[i]) return false;
  const rest = prefix % 8;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((a[full] ?? 0) & mask) === ((b[full] ?? 0) & mask);
}

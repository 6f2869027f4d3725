// Reads the saved output of `netsh http show sslcert` from the RRAS server, so the diagnosis can compare
// the certificate HTTP.SYS is told to serve with the one the client actually received.
//
// The output is a list of blocks, one per binding, of "Label : value" lines:
//
//     IP:port                      : 0.0.0.0:443          <- or Hostname:port / Central Certificate Store
//     Certificate Hash             : 5f1c...              <- SHA-1, lower case
//     Application ID               : {ba195980-cd49-458b-9e23-c84ee0adcd75}
//     Certificate Store Name       : MY
//     ...                                                  (a dozen more settings)
//
// Labels are translated on non-English Windows and the padding varies, so a block is recognised by the
// shape of its first value (an IP:port or host:port) and the hash by being 40 hex digits; known labels
// only break ties. Lines may end in CRLF.

import { quoteInput, UsageError } from '../errors.js';
import { tryNormalizeThumbprint } from './thumbprint.js';
import { isIpLiteral } from '../cert/names.js';

export const NETSH_BINDING_KINDS = ['ipport', 'hostnameport', 'ccs'] as const;
export type NetshBindingKind = (typeof NETSH_BINDING_KINDS)[number];

export interface NetshBinding {
  kind: NetshBindingKind;
  /** The endpoint as netsh prints it: "0.0.0.0:443", "[::]:443", "vpn.contoso.com:443", or the port for ccs. */
  endpoint: string;
  /** IP address (IPv6 without brackets) or host name; null for a central certificate store binding. */
  host: string | null;
  port: number;
  /** SHA-1 thumbprint, upper-case hex, or null when absent. */
  certHash: string | null;
  /** Application ID in lower case with braces, or null. */
  appId: string | null;
  certStoreName: string | null;
  /** Every "label : value" line of the block, as printed. */
  fields: Record<string, string>;
}

const IPV4_ENDPOINT = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/;
const IPV6_ENDPOINT = /^\[([0-9a-fA-F:.%]+)\]:(\d{1,5})$/;
const HOST_ENDPOINT = /^([A-Za-z0-9*_](?:[A-Za-z0-9*_.-]*[A-Za-z0-9_])?):(\d{1,5})$/;
const GUID = /^\{[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}$/;
// "Label : value": the label may itself contain a colon ("IP:port"), so the separator is a colon
// followed by whitespace, or a colon ending the line (an empty value).
const FIELD_LINE = /^\s*(\S.*?)\s*:(?:\s+(.*?))?\s*$/;

interface ParsedEndpoint {
  kind: NetshBindingKind;
  host: string | null;
  port: number;
}

function parseEndpoint(label: string, value: string): ParsedEndpoint | null {
  let m = IPV4_ENDPOINT.exec(value);
  if (m) return { kind: 'ipport', host: m[1] ?? '', port: Number(m[2]) };
  m = IPV6_ENDPOINT.exec(value);
  if (m) return { kind: 'ipport', host: (m[1] ?? '').toLowerCase(), port: Number(m[2]) };
  m = HOST_ENDPOINT.exec(value);
  if (m) return { kind: 'hostnameport', host: (m[1] ?? '').toLowerCase(), port: Number(m[2]) };
  // "Central Certificate Store : 443" (label translated elsewhere, so only the English one is known).
  if (/central certificate store|ccs/i.test(label) && /^\d{1,5}$/.test(value)) {
    return { kind: 'ccs', host: null, port: Number(value) };
  }
  return null;
}

const NULLISH = /^\((?:null|nul|nulo|leer)\)$/i;

function isHashLabel(label: string): boolean {
  return /hash|hachage|thumbprint|impronta/i.test(label) && !/ctl/i.test(label);
}

function isStoreLabel(label: string): boolean {
  return /store\s*name|speicher|magasin|almac[eé]n|archivio/i.test(label) && !/ctl/i.test(label);
}

function isAppIdLabel(label: string): boolean {
  return /app|anwendung|aplica/i.test(label) && !/ctl/i.test(label);
}

/**
 * The text of a saved netsh output file. Windows PowerShell 5.1 redirects (`> file.txt`) as UTF-16LE with a
 * byte order mark, PowerShell 7 and cmd as UTF-8 (sometimes with a BOM); UTF-16BE with its BOM is read too.
 */
export function decodeNetshFile(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    const swapped = new Uint8Array(bytes.length - 2 - (bytes.length % 2));
    for (let i = 0; i < swapped.length; i += 2) {
      swapped[i] = bytes[i + 3]!;
      swapped[i + 1] = bytes[i + 2]!;
    }
    return new TextDecoder('utf-16le').decode(swapped);
  }
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return new TextDecoder('utf-8').decode(bytes.subarray(3));
  return new TextDecoder('utf-8').decode(bytes);
}

/**
 * Parses `netsh http show sslcert` output into its bindings, in order. Unknown lines are ignored; a
 * certificate hash that is not a SHA-1 thumbprint is a UsageError naming its line (skipping it would hide
 * the very binding the user wants compared).
 */
export function parseNetshSslcert(text: string): NetshBinding[] {
  const bindings: NetshBinding[] = [];
  let current: NetshBinding | null = null;
  let lineNumber = 0;

  for (const rawLine of text.split(/\r?\n|\r/)) {
    lineNumber++;
    if (rawLine.trim() === '') {
      current = null;
      continue;
    }
    const m = FIELD_LINE.exec(rawLine);
    if (!m) continue;
    const label = m[1] ?? '';
    const value = (m[2] ?? '').trim();
    if (value === '') continue;

    const endpoint = parseEndpoint(label, value);
    if (endpoint) {
      current = {
        kind: endpoint.kind,
        endpoint: value,
        host: endpoint.host,
        port: endpoint.port,
        certHash: null,
        appId: null,
        certStoreName: null,
        fields: { [label]: value },
      };
      bindings.push(current);
      continue;
    }
    if (current === null) continue;

    current.fields[label] = value;
    if (NULLISH.test(value)) continue;
    if (current.certHash === null && (isHashLabel(label) || /^[0-9a-fA-F]{40}$/.test(value))) {
      current.certHash = tryNormalizeThumbprint(value);
      if (current.certHash === null || current.certHash.length !== 40) {
        throw new UsageError(`line ${lineNumber}: the certificate hash "${quoteInput(value)}" is not a SHA-1 thumbprint (40 hex digits)`);
      }
    } else if (current.appId === null && GUID.test(value) && isAppIdLabel(label)) {
      current.appId = value.toLowerCase();
    } else if (current.certStoreName === null && isStoreLabel(label)) {
      current.certStoreName = value;
    }
  }
  return bindings;
}

/** Canonical text of an IPv6 address (eight 4-digit groups, lower case), or the input when not IPv6. */
function canonicalIp(address: string): string {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '').toLowerCase();
  if (!bare.includes(':')) return bare;
  // An IPv4-mapped address is IPv4 on the wire: HTTP.SYS matches it against IPv4 bindings.
  const mapped = /^(?:0{0,4}:){0,5}:?ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(bare);
  if (mapped?.[1]) return mapped[1];
  let text = bare;
  // An embedded IPv4 tail (::ffff:192.0.2.1) becomes two hex groups.
  const v4 = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::', 2) as [string, string | undefined];
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups = tail === undefined ? headGroups : [...headGroups, ...Array<string>(Math.max(missing, 0)).fill('0'), ...tailGroups];
  return groups.map((g) => g.padStart(4, '0')).join(':');
}

export interface BindingQuery {
  /** The name sent as SNI (the host the client dials); hostnameport bindings match it. */
  host?: string | null;
  port: number;
  /** The address the client connected to; picks the exact IP binding, then the wildcard of its family. */
  address?: string | null;
}

/**
 * The binding HTTP.SYS uses for a connection: a hostnameport binding for the SNI name first, then an
 * exact IP:port binding, then the wildcard of the address family (0.0.0.0:port or [::]:port).
 * Null when none applies (HTTP.SYS then resets the handshake).
 */
export function bindingFor(bindings: readonly NetshBinding[], query: BindingQuery): NetshBinding | null {
  const { port } = query;
  const host = query.host && !isIpLiteral(query.host) ? query.host.toLowerCase() : null;
  if (host !== null) {
    const named = bindings.find((b) => b.kind === 'hostnameport' && b.port === port && b.host === host);
    if (named) return named;
  }
  const ipBindings = bindings.filter((b) => b.kind === 'ipport' && b.port === port && b.host !== null);
  const address = query.address ? canonicalIp(query.address) : null;
  if (address !== null) {
    const exact = ipBindings.find((b) => canonicalIp(b.host ?? '') === address);
    if (exact) return exact;
  }
  const v4Wildcard = ipBindings.find((b) => b.host === '0.0.0.0');
  const v6Wildcard = ipBindings.find((b) => canonicalIp(b.host ?? '') === canonicalIp('::'));
  if (address === null) return v4Wildcard ?? v6Wildcard ?? null;
  return (address.includes(':') ? v6Wildcard : v4Wildcard) ?? null;
}

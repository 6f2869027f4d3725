// Host name and IP address matching against a server certificate, the way a Windows SSTP client judges it:
// DNS names are matched against subjectAltName dNSName entries (CN only when the certificate has no SAN
// extension); an IP literal must appear as a subjectAltName iPAddress entry (RFC 6125 §6.4, RFC 5280 §4.2.1.6).

import { domainToASCII } from 'node:url';

/** True for an IPv4 or IPv6 literal (brackets and a zone allowed), false for a host name. */
export function isIpLiteral(text: string): boolean {
  return text.trim() === text && parseIp(text) !== null;
}

/** IPv4 (4 bytes) or IPv6 (16 bytes) literal, or null when `text` is not an IP literal. */
export function parseIp(text: string): Buffer | null {
  let s = text.trim();
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const zone = s.indexOf('%');
  if (zone >= 0 && s.includes(':')) s = s.slice(0, zone);
  const v4 = parseIPv4(s);
  if (v4) return v4;
  return s.includes(':') ? parseIPv6(s) : null;
}

function parseIPv4(s: string): Buffer | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  const out = Buffer.alloc(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^\d{1,3}$/.test(p) || (p.length > 1 && p.startsWith('0'))) return null;
    const n = Number(p);
    if (n > 255) return null;
    out[i] = n;
  }
  return out;
}

function parseIPv6(s: string): Buffer | null {
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const toGroups = (part: string): number[] | null => {
    if (part === '') return [];
    const groups: number[] = [];
    const items = part.split(':');
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      if (i === items.length - 1 && item.includes('.')) {
        const v4 = parseIPv4(item);
        if (!v4) return null;
        groups.push(v4.readUInt16BE(0), v4.readUInt16BE(2));
      } else if (/^[0-9a-fA-F]{1,4}$/.test(item)) {
        groups.push(parseInt(item, 16));
      } else {
        return null;
      }
    }
    return groups;
  };
  const head = toGroups(halves[0]!);
  const tail = halves.length === 2 ? toGroups(halves[1]!) : [];
  if (!head || !tail) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const groups = [...head, ...Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}

/** Text form of an iPAddress SAN: dotted IPv4, or RFC 5952 IPv6 (lowercase, longest zero run as ::). */
export function formatIp(bytes: Buffer): string {
  if (bytes.length === 4) return [...bytes].join('.');
  if (bytes.length !== 16) return `UNKNOWN(0x${bytes.toString('hex')})`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLen < 2) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** Lowercase A-label form without a trailing dot; null when the name cannot be a DNS name. */
export function normalizeDnsName(name: string): string | null {
  const trimmed = name.trim().replace(/\.$/, '');
  if (trimmed === '') return null;
  const ascii = domainToASCII(trimmed);
  return ascii === '' ? null : ascii.toLowerCase();
}

/**
 * One certificate name against one host (both DNS names). A wildcard is honoured only as the whole left-most
 * label (`*.example.com`), stands for exactly one label, never matches the bare parent, and needs at least
 * two labels after it. Partial wildcards (`vpn*.example.com`) never match.
 */
export function dnsNameMatches(pattern: string, host: string): boolean {
  const h = normalizeDnsName(host);
  if (h === null) return false;
  const raw = pattern.trim().replace(/\.$/, '').toLowerCase();
  if (!raw.includes('*')) return normalizeDnsName(raw) === h;
  const labels = raw.split('.');
  if (labels[0] !== '*' || labels.slice(1).some((l) => l.includes('*') || l === '')) return false;
  if (labels.length < 3) return false;
  const hostLabels = h.split('.');
  if (hostLabels.length !== labels.length) return false;
  const suffix = normalizeDnsName(labels.slice(1).join('.'));
  return suffix !== null && hostLabels.slice(1).join('.') === suffix && hostLabels[0] !== '';
}

/** Whether a certificate's SANs cover the host a client dials: IP SANs for an address, DNS SANs otherwise. */
export function certificateFitsHost(cert: { dnsNames: readonly string[]; ipAddresses: readonly string[] }, host: string): boolean {
  const ip = parseIp(host);
  if (ip !== null) return cert.ipAddresses.some((address) => parseIp(address)?.equals(ip) === true);
  return cert.dnsNames.some((name) => dnsNameMatches(name, host));
}

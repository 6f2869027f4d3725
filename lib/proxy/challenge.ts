// Proxy authentication challenges, and the Basic credential (NTLM is in ntlm.ts), pure.
//
// A Proxy-Authenticate field (RFC 9110 §11.6.1, §11.7.1) holds one or more challenges separated by commas:
//   challenge = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
// so "Basic realm=\"x\", Digest realm=\"y\", nonce=\"z\"" offers Basic and Digest, and a proxy may also send
// the field several times (NTLM and Negotiate usually come that way).

/** Schemes a proxy may offer, spelled as users know them. Basic, NTLM and Negotiate (with NTLM inside) can be answered. */
export const AUTH_SCHEMES = ['Basic', 'Digest', 'NTLM', 'Negotiate', 'Kerberos', 'Bearer'] as const;
export type AuthScheme = (typeof AUTH_SCHEMES)[number];

export const SUPPORTED_AUTH_SCHEMES: readonly AuthScheme[] = ['Basic', 'NTLM', 'Negotiate'];

const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const SCHEME_AT_START = new RegExp(`^(${TOKEN})(?:\\s+(?!=)|$)`);
const PARAM_AT_START = new RegExp(`^${TOKEN}\\s*=`);

/** Scheme names offered by the given field values, in order, without duplicates (case-insensitive). */
export function parseAuthSchemes(values: readonly string[]): string[] {
  const seen = new Set<string>();
  const schemes: string[] = [];
  for (const value of values) {
    for (const piece of splitOutsideQuotes(value)) {
      const text = piece.trim();
      if (text === '' || PARAM_AT_START.test(text)) continue;
      const m = SCHEME_AT_START.exec(text);
      if (m === null) continue;
      const name = canonicalScheme(m[1] ?? '');
      if (!seen.has(name.toLowerCase())) {
        seen.add(name.toLowerCase());
        schemes.push(name);
      }
    }
  }
  return schemes;
}

/** True when a scheme from `parseAuthSchemes` is one sstp-probe can answer. */
export function isSupportedScheme(scheme: string): boolean {
  return SUPPORTED_AUTH_SCHEMES.some((s) => s.toLowerCase() === scheme.toLowerCase());
}

/** The base64 token of a Basic credential (RFC 7617 §2: user-id ":" password, UTF-8). */
export function basicToken(username: string, password: string): string {
  return Buffer.from(`${username}:${password}`, 'utf8').toString('base64');
}

/** The value of a Proxy-Authorization field carrying Basic credentials. */
export function basicAuthorization(username: string, password: string): string {
  return `Basic ${basicToken(username, password)}`;
}

function canonicalScheme(name: string): string {
  return AUTH_SCHEMES.find((s) => s.toLowerCase() === name.toLowerCase()) ?? name;
}

function splitOutsideQuotes(value: string): string[] {
  const pieces: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (quoted && c === '\\' && i + 1 < value.length) {
      current += c + value[i + 1];
      i++;
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === ',' && !quoted) {
      pieces.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  pieces.push(current);
  return pieces;
}

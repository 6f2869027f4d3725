// Keeping proxy credentials out of everything a user or a log can see. Two tools: a URL printer that
// shows who authenticates but never with what, and a scrubber for any text that could echo a secret
// back (an error message, a header a proxy reflected, a garbled answer).

import { formatHostPort } from '../target.js';

const MASK = '***';

/** `http://user:***@host:port`, or `http://host:port` without credentials; the port is always shown. */
export function redactProxyUrl(parts: {
  protocol: string;
  host: string;
  port: number;
  username: string | null;
  password: string | null;
}): string {
  let userinfo = '';
  if (parts.username !== null) {
    userinfo = encodeURIComponent(parts.username);
    if (parts.password !== null) userinfo += `:${MASK}`;
    userinfo += '@';
  }
  return `${parts.protocol}//${userinfo}${formatHostPort(parts.host, parts.port)}`;
}

/** Removes `user:password@` from every URL in a text (a CRL address, a proxy URL inside a message). */
export function withoutUrlCredentials(text: string): string {
  // Greedy up to the last "@" before the path: a password may itself hold an "@".
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s]*@/gi, '$1');
}

/**
 * For a proxy URL that did not parse: everything up to the last "@" is hidden, since with a broken URL
 * there is no telling where the password ends.
 */
export function redactRawProxyUrl(raw: string): string {
  const at = raw.lastIndexOf('@');
  if (at < 0) return raw;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(raw)?.[0] ?? '';
  return `${scheme}${MASK}@${raw.slice(at + 1)}`;
}

/**
 * The forms a secret takes on the wire or in a URL: itself, percent-encoded, and the Basic token
 * built from it. `basicToken` is the base64 part of a Basic credential.
 */
export function secretForms(password: string | null, basicToken: string | null): string[] {
  const forms = new Set<string>();
  if (password !== null && password !== '') {
    forms.add(password);
    forms.add(encodeURIComponent(password));
  }
  if (basicToken !== null && basicToken !== '') forms.add(basicToken);
  // Longest first, so a secret containing another is masked whole.
  return [...forms].sort((a, b) => b.length - a.length);
}

/** Replaces every occurrence of each secret with "***". */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret !== '') out = out.split(secret).join(MASK);
  }
  return out;
}

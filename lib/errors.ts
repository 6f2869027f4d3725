/**
 * Invalid input from the caller (a bad target, flag or file), raised before any I/O. Remote failures are
 * never thrown: they are step results. The CLI prints `message` on one line and exits 2.
 */
export class UsageError extends Error {
  readonly code: string;
  constructor(message: string, code = 'ERR_USAGE') {
    super(message);
    this.name = 'UsageError';
    this.code = code;
  }
}

/** The longest piece of caller input a message repeats. */
export const MAX_QUOTED_INPUT = 120;

/**
 * Caller input as a message may repeat it: control bytes (a terminal escape, a NUL) shown as \xNN or \n, and
 * cut to MAX_QUOTED_INPUT characters with an ellipsis, so a junk line cannot flood or drive the terminal.
 */
export function quoteInput(text: string, max = MAX_QUOTED_INPUT): string {
  let out = '';
  let length = 0;
  for (const char of text) {
    const code = char.codePointAt(0)!;
    const control = code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029 || code === 0xfeff;
    const shown = char === '\n' ? '\\n' : char === '\r' ? '\\r' : char === '\t' ? '\\t'
      : !control ? char : code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`;
    const width = shown === char ? 1 : shown.length;
    if (length + width > max - 1) return `${out}…`;
    out += shown;
    length += width;
  }
  return out;
}

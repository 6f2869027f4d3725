// The terminal colours every text output shares (SGR codes, ECMA-48 §8.3.117). Whether to colour is the
// caller's choice (NO_COLOR, a TTY): with `color` false the text comes back as it was.

export const ANSI = {
  reset: '\u001b[0m',
  bold: '\u001b[1m',
  dim: '\u001b[2m',
  red: '\u001b[31m',
  green: '\u001b[32m',
  yellow: '\u001b[33m',
  cyan: '\u001b[36m',
} as const;
export type AnsiStyle = Exclude<keyof typeof ANSI, 'reset'>;

export function paint(style: AnsiStyle | readonly AnsiStyle[], text: string, color: boolean): string {
  if (!color || text === '') return text;
  const styles: readonly AnsiStyle[] = typeof style === 'string' ? [style] : style;
  return `${styles.map((s) => ANSI[s]).join('')}${text}${ANSI.reset}`;
}

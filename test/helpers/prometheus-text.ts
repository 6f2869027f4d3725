// A minimal reader of text format 0.0.4: every sample line must follow a HELP and a TYPE of its family.
export interface Parsed {
  help: Map<string, string>;
  type: Map<string, string>;
  samples: Array<{ name: string; labels: Record<string, string>; value: number }>;
}

export function parseExposition(text: string): Parsed {
  const parsed: Parsed = { help: new Map(), type: new Map(), samples: [] };
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (meta) {
      (meta[1] === 'HELP' ? parsed.help : parsed.type).set(meta[2]!, meta[3]!);
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!sample) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    const body = sample[2] ?? '';
    const pair = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/y;
    let at = 0;
    while (at < body.length) {
      pair.lastIndex = at;
      const match = pair.exec(body);
      if (!match) throw new Error(`bad label set: ${body}`);
      labels[match[1]!] = match[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
      at = pair.lastIndex;
    }
    if (!parsed.type.has(sample[1]!) || !parsed.help.has(sample[1]!)) throw new Error(`${sample[1]} has no HELP/TYPE before it`);
    parsed.samples.push({ name: sample[1]!, labels, value: Number(sample[3]) });
  }
  return parsed;
}

/** The value of the first sample of `name` whose labels include `labels`. */
export function sampleValue(parsed: Parsed, name: string, labels: Record<string, string> = {}): number | undefined {
  return parsed.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

// Nagios Plugin Development Guidelines: "SERVICE STATUS - text | 'label'=value[UOM];[warn];[crit];[min];[max] ..."
const LINE = /^SSTP (OK|WARNING|CRITICAL|UNKNOWN) - ([^|\n]+?)(?: \| (.*))?\n$/;
const RANGE = /^(@?(~|-?\d+(\.\d+)?)?:?(-?\d+(\.\d+)?)?)?$/;
const PERF = /^('[^'=]+'|[^ '=]+)=(-?\d+(?:\.\d+)?)(s|ms|us|%|B|KB|MB|TB|c)?(?:;([^;]*))?(?:;([^;]*))?(?:;([^;]*))?(?:;([^;]*))?$/;

interface PerfItem { label: string; value: number; uom: string; warn: string; crit: string; min: string; max: string }

export function parseNagios(text: string): { state: string; summary: string; perf: PerfItem[] } {
  const line = LINE.exec(text);
  if (!line) throw new Error(`not a plugin status line: ${JSON.stringify(text)}`);
  const perf = (line[3] ?? '').split(' ').filter(Boolean).map((item) => {
    const match = PERF.exec(item);
    if (!match) throw new Error(`bad perfdata item: ${item}`);
    for (const range of [match[4], match[5]]) if (range && !RANGE.test(range)) throw new Error(`bad threshold range: ${range}`);
    for (const bound of [match[6], match[7]]) if (bound && !/^-?\d+(\.\d+)?$/.test(bound)) throw new Error(`bad min/max: ${bound}`);
    return { label: match[1]!, value: Number(match[2]), uom: match[3] ?? '', warn: match[4] ?? '', crit: match[5] ?? '', min: match[6] ?? '', max: match[7] ?? '' };
  });
  return { state: line[1]!, summary: line[2]!, perf };
}

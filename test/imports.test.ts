import t from 'tap';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// The layering, checked on the source: no import cycle among lib/, bin/ and cli/, and
// lib/ (what `import 'sstp-probe'` gives) never imports yargs or anything under fixtures/. Type-only
// imports are left out: they vanish from the built code.

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FOLDERS = ['lib', 'bin', 'cli'];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Value imports (static and dynamic) of one file: relative ones resolved to .ts paths, others as written. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  const statics = /^\s*(?:import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;
  for (const m of text.matchAll(statics)) if (!m[1]) found.push(m[2]!);
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push(m[1]!);
  return found.map((spec) => (spec.startsWith('.') ? resolve(dirname(file), spec).replace(/\.js$/, '.ts') : spec));
}

const files = FOLDERS.flatMap((folder) => sources(join(ROOT, folder)));
const graph = new Map(files.map((file) => [file, importsOf(file)]));

t.test('lib/ imports neither yargs nor fixtures/', async (t) => {
  const bad: string[] = [];
  for (const [file, imports] of graph) {
    if (!file.startsWith(join(ROOT, 'lib') + '/')) continue;
    for (const spec of imports) {
      if (spec === 'yargs' || spec.startsWith('yargs/') || spec.startsWith(join(ROOT, 'fixtures'))) bad.push(`${relative(ROOT, file)} -> ${relative(ROOT, spec) || spec}`);
    }
  }
  t.same(bad, [], bad.join('\n'));
});

t.test(`no import cycle in ${FOLDERS.join(', ')}`, async (t) => {
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (!graph.has(next)) continue;
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next].map((f) => relative(ROOT, f)).join(' -> '));
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  t.same(cycles, [], cycles.join('\n'));
});

t.test('the walk sees the files it should', async (t) => {
  t.ok(graph.has(join(ROOT, 'lib/probe.ts')) && graph.has(join(ROOT, 'bin/sstp-probe.ts')), 'lib and bin are walked');
  t.ok((graph.get(join(ROOT, 'lib/probe.ts')) ?? []).includes(join(ROOT, 'lib/path.ts')), 'relative imports are resolved');
});

// Bundles the command line (dist/bin/sstp-probe.js as tsc wrote it, with cli/, lib/, the demo's fixtures and
// yargs) into a few files, run by `npm run build` after tsc. Why: a one-target probe used to load ~120
// modules, and resolving, reading and compiling them one by one was about a fifth of its wall time; the library
// (dist/lib, what `import 'sstp-probe'` gives) stays tsc's output, one file per module.
//
// - Code splitting keeps the CLI's lazy loading: `--version` loads only the entry file, `--help` the CLI chunk
//   (yargs), and the probe, the demo, the text renderer and the fleet runner stay chunks of their own, loaded
//   by the commands that use them. dist/bin/chunks/modules.json lists what each chunk holds
//   (test/cold-start.test.ts reads it to check what each command loads).
// - node-forge and undici stay outside, loaded from node_modules when used (forge's ASN.1 part by the
//   certificate code, all of it only by the demo; undici only for fetches through a proxy).
// - cliui measures every help line with string-width, which segments each string into graphemes and matches
//   emoji patterns per character (~40 ms for our --help, ~20 ms more to set up its segmenter). Printable ASCII
//   is one column per character in every terminal, so such strings are counted by length and anything else
//   still goes to string-width, loaded on first use.

import { build } from 'esbuild';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}dist/bin`;
const FAST_WIDTH = 'ascii-fast-string-width';

/** string-width as cliui and wrap-ansi import it, with printable ASCII counted by its length. */
const asciiFastStringWidth = {
  name: FAST_WIDTH,
  setup(bundler) {
    bundler.onResolve({ filter: /^string-width$/ }, async (args) => {
      if (args.pluginData === FAST_WIDTH) return undefined;
      const real = await bundler.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: FAST_WIDTH });
      if (real.errors.length > 0) return { errors: real.errors };
      return { path: real.path, namespace: FAST_WIDTH };
    });
    bundler.onLoad({ filter: /.*/, namespace: FAST_WIDTH }, (args) => ({
      resolveDir: root,
      contents: [
        // required, not imported: the bundle then evaluates string-width (its Intl.Segmenter, its emoji
        // patterns) only when a string is not printable ASCII, which our help never has.
        'const PRINTABLE_ASCII = /^[\\x20-\\x7e]*$/;',
        'export default function asciiFastStringWidth(text, options) {',
        '  if (typeof text === "string" && PRINTABLE_ASCII.test(text)) return text.length;',
        `  return require(${JSON.stringify(args.path)}).default(text, options);`,
        '}',
      ].join('\n'),
    }));
  },
};

const entry = `${outdir}/sstp-probe.js`;
const source = readFileSync(entry, 'utf8').replace(/^#!.*\n/, '');
if (source.includes('createRequireForBundle')) throw new Error(`${entry} is already the bundle: run tsc first (npm run build)`);
rmSync(`${outdir}/chunks`, { recursive: true, force: true });
// tsc's source map describes the file this replaces.
rmSync(`${entry}.map`, { force: true });
const result = await build({
  stdin: { contents: source, resolveDir: outdir, sourcefile: 'sstp-probe.js', loader: 'js' },
  absWorkingDir: root,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  outdir,
  entryNames: 'sstp-probe',
  chunkNames: 'chunks/[name]-[hash]',
  allowOverwrite: true,
  external: ['node-forge', 'undici'],
  minify: process.env.BUNDLE_MINIFY !== "0",
  keepNames: true,
  legalComments: 'none',
  // debug (CommonJS) requires Node's built-ins at run time: give the ES module output a require.
  banner: { js: "#!/usr/bin/env node\nimport { createRequire as createRequireForBundle } from 'node:module';\nconst require = createRequireForBundle(import.meta.url);" },
  plugins: [asciiFastStringWidth],
  metafile: true,
  logLevel: 'warning',
});

// What each output file holds, by source module (paths from the package root), for test/cold-start.test.ts.
const modules = {};
for (const [output, meta] of Object.entries(result.metafile.outputs)) {
  const inputs = Object.keys(meta.inputs).map((input) => input.replace(`${FAST_WIDTH}:`, ''));
  modules[relative(outdir, `${root}${output}`)] = inputs.map((input) => (input.startsWith('/') ? relative(root, input) : input)).sort();
}
writeFileSync(`${outdir}/chunks/modules.json`, `${JSON.stringify(modules, null, 1)}\n`);

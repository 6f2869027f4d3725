#!/usr/bin/env node
// The thin CLI: argv in, exit code out. `--version` answers before anything heavy is loaded.
import * as nodeModule from 'node:module';
import { VERSION } from '../lib/version.js';

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  process.stdout.write(`${VERSION}\n`);
} else {
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  // Node 22.1+: keep V8's compiled code of our modules and the dependencies between runs (Node's own cache
  // directory; NODE_DISABLE_COMPILE_CACHE=1 turns it off). Older Node has no such call.
  (nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache?.();
  const { runCli } = await import('../lib/cli.js');
  process.exitCode = await runCli(argv, {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    signal: controller.signal,
    stdin: process.stdin,
  });
}

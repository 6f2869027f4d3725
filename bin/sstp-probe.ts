#!/usr/bin/env node
// The thin CLI: argv in, exit code out. `--version` answers before anything heavy is loaded.
import { VERSION } from '../lib/version.js';

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  process.stdout.write(`${VERSION}\n`);
} else {
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  const { runCli } = await import('../cli/cli.js');
  process.exitCode = await runCli(argv, {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    signal: controller.signal,
    stdin: process.stdin,
  });
}

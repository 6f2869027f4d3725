#!/usr/bin/env node
// The thin CLI: argv in, exit code out. `--version` answers before anything heavy is loaded.
import * as nodeModule from 'node:module';
import { VERSION } from '../lib/version.js';

const argv = process.argv.slice(2);
// A reader that goes away (`| head -1`) is not an error: stop writing, end the run, exit as if all was read.
const stdoutClosed = new AbortController();
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  stdoutClosed.abort();
});
process.stderr.on('error', () => {});
const stdout = {
  get isTTY() {
    return process.stdout.isTTY;
  },
  get columns() {
    return process.stdout.columns;
  },
  write(text: string): boolean {
    return stdoutClosed.signal.aborted ? false : process.stdout.write(text);
  },
  drained(): Promise<void> {
    if (!process.stdout.writableNeedDrain || stdoutClosed.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        process.stdout.off('drain', done);
        stdoutClosed.signal.removeEventListener('abort', done);
        resolve();
      };
      process.stdout.once('drain', done);
      stdoutClosed.signal.addEventListener('abort', done, { once: true });
    });
  },
};

if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  stdout.write(`${VERSION}\n`);
} else {
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  // Node 22.1+: keep V8's compiled code of our modules and the dependencies between runs (Node's own cache
  // directory; NODE_DISABLE_COMPILE_CACHE=1 turns it off). Older Node has no such call.
  (nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache?.();
  const { runCli, EXIT } = await import('../cli/cli.js');
  const code = await runCli(argv, {
    stdout,
    stderr: process.stderr,
    env: process.env,
    signal: controller.signal,
    stdoutClosed: stdoutClosed.signal,
    stdin: process.stdin,
  });
  process.exitCode = code;
  // Nothing started before the input was refused, or the user asked to stop, or nobody reads any more:
  // no timer or socket of a half-built probe may keep the process alive.
  if (code === EXIT.USAGE || code === EXIT.CANCELLED || stdoutClosed.signal.aborted) process.exit(code);
}

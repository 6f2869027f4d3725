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
  const { runCli } = await import('../cli/cli.js');
  const code = await runCli(argv, {
    stdout,
    stderr: process.stderr,
    env: process.env,
    signal: controller.signal,
    stdoutClosed: stdoutClosed.signal,
    stdin: process.stdin,
    ownsProcess: true,
  });
  process.exitCode = code;
  // Everything the run had to say is written: once it has reached the terminal or the pipe, the process ends.
  // Nothing is left to wait for: a refused input started nothing, a stop leaves half-built probes behind, and
  // a finished probe has already left its call (Call Disconnect, its Ack, our close_notify and FIN), so what
  // would still hold the event loop is the server's own FIN, a round trip away, or a keep-alive socket.
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(code);
}

/** Resolves once what was written to the stream has been handed to the OS (at once when it is gone). */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  if (stream.destroyed || stream.writableEnded) return Promise.resolve();
  return new Promise((resolve) => {
    try {
      stream.write('', () => resolve());
    } catch {
      resolve();
    }
  });
}

import { spawn } from 'node:child_process';

// Runs the real SSTP client (Debian's sstpc) against a loopback server without pppd, and returns what it
// logged. It stops as soon as the log matches `until`, or when sstpc exits, or after `timeoutMs`.

export interface SstpcRun {
  port: number;
  /** Options before the server (e.g. --cert-warn, or --ca-cert FILE); --nolaunchpppd and logging are always on. */
  options: string[];
  until: RegExp;
  timeoutMs: number;
}

export function runSstpc(run: SstpcRun): Promise<string> {
  return new Promise((resolve) => {
    // --ipparam gives each run its own control socket, so runs never share /var/run/sstpc state.
    const ipparam = `sstp-probe-test-${process.pid}-${run.port}`;
    const args = ['--nolaunchpppd', '--log-stderr', '--log-level', '4', ...run.options, '--ipparam', ipparam, `127.0.0.1:${run.port}`];
    const child = spawn('sstpc', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    const finish = (): void => {
      clearTimeout(timer);
      child.kill('SIGTERM');
      resolve(log);
    };
    const timer = setTimeout(finish, run.timeoutMs);
    const collect = (chunk: Buffer): void => {
      log += chunk.toString();
      if (run.until.test(log)) finish();
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', (error) => {
      log += `\nspawn failed: ${error.message}`;
      finish();
    });
    // 'close', not 'exit': a client that fails fast can exit before its last words are read from the pipe.
    child.on('close', () => finish());
  });
}

// sstpc 1.0.18 sometimes never reads the server's HTTP answer when the machine is busy: `ss -tn` then shows
// the 200 sitting unread in sstpc's receive queue while it blocks in epoll_wait. That is the client's bug,
// not the fixture's, so a run that stalls before the Ack is retried (at most three runs, each 8 s).
export async function runSstpcUntil(start: () => Promise<{ port: number }>, until: RegExp, options: string[] = ['--cert-warn']): Promise<string> {
  let log = '';
  for (let attempt = 0; attempt < 3 && !until.test(log); attempt++) {
    const server = await start();
    log = await runSstpc({ port: server.port, options, until, timeoutMs: 8_000 });
  }
  return log;
}

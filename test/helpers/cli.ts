import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// The CLI is tested as users run it: the built bin in a child process.
export const BIN = fileURLToPath(new URL('../../dist/bin/sstp-probe.js', import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runBin(args: string[], env: Record<string, string | undefined> = {}, stdin?: string): Promise<CliRun> {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run 'npm run build' (npm test does it first)`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

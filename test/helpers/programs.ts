import fs from 'node:fs';
import path from 'node:path';

// Tests that drive real Debian programs (sstpc, tinyproxy, haproxy, nmap) find them on PATH.

export function hasProgram(program: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    try {
      fs.accessSync(path.join(dir, program), fs.constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

/** The part of a tap test that requireProgram uses. */
export interface TestLike {
  fail(message: string): unknown;
  plan(count: number, comment?: string): void;
}

/**
 * True when `program` is on PATH. Otherwise the test is skipped with a one-line reason, except under CI
 * (CI=true), where a missing program fails the test: .ci/run installs it, so its absence is a broken setup.
 */
export function requireProgram(t: TestLike, program: string, debianPackage = program): boolean {
  if (hasProgram(program)) return true;
  if (process.env.CI === 'true') {
    t.fail(`${program} is not installed, and CI must run this test (.ci/run installs the ${debianPackage} package)`);
  } else {
    t.plan(0, `${program} not installed (apt-get install ${debianPackage})`);
  }
  return false;
}

import { spawnSync } from 'node:child_process';

export function hasProgram(program: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${program}`], { encoding: 'utf8' }).status === 0;
}

/**
 * For `t.test(name, { skip: skipWithout('sstpc', 'sstp-client') }, ...)`: a test that needs a Debian program
 * skips with a one-line reason when it is absent on a developer's machine. Under CI (CI=true, where .ci/run
 * installed it) it never skips: the test runs and fails on the missing program.
 */
export function skipWithout(program: string, debianPackage: string): string | false {
  if (process.env.CI === 'true' || hasProgram(program)) return false;
  return `${program} is not installed (apt-get install ${debianPackage})`;
}

/**
 * Invalid input from the caller (a bad target, flag or file), raised before any I/O. Remote failures are
 * never thrown: they are step results. The CLI prints `message` on one line and exits 2.
 */
export class UsageError extends Error {
  readonly code: string;
  constructor(message: string, code = 'ERR_USAGE') {
    super(message);
    this.name = 'UsageError';
    this.code = code;
  }
}

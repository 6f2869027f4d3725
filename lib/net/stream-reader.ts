import type { Duplex } from 'node:stream';

// One reader per connection. Bytes accumulate in a buffer; `read` waits until a parser can take a whole
// unit (an HTTP head, an SSTP packet) off the front, and every wait is bounded by a timeout and an AbortSignal.
// Bytes the parser leaves over stay buffered for the next read, so nothing received is lost between steps.

export type ReadFailure = 'timeout' | 'closed' | 'reset' | 'aborted' | 'invalid';

export type ReadOutcome<T> =
  | { ok: true; value: T }
  | { ok: false; reason: ReadFailure; error: Error | null };

/** Takes a unit off the front of `buffer`, or returns null when more bytes are needed. May throw on bad input. */
export type UnitParser<T> = (buffer: Buffer) => { value: T; rest: Buffer } | null;

export class StreamReader {
  private buffer: Buffer;
  private ended = false;
  private endError: Error | null = null;
  private wake: (() => void) | null = null;

  constructor(socket: Duplex, initial: Buffer = Buffer.alloc(0)) {
    this.buffer = initial;
    socket.on('data', (chunk: Buffer) => {
      this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
      this.notify();
    });
    socket.on('end', () => this.finish(null));
    socket.on('close', () => this.finish(null));
    socket.on('error', (error: Error) => this.finish(error));
  }

  get buffered(): number {
    return this.buffer.length;
  }

  get isClosed(): boolean {
    return this.ended;
  }

  private finish(error: Error | null): void {
    if (!this.ended) {
      this.ended = true;
      this.endError = error;
    } else if (error && !this.endError) {
      this.endError = error;
    }
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  async read<T>(parse: UnitParser<T>, timeoutMs: number, signal?: AbortSignal): Promise<ReadOutcome<T>> {
    const deadline = Date.now() + Math.max(0, timeoutMs);
    for (;;) {
      if (this.buffer.length > 0) {
        let unit: { value: T; rest: Buffer } | null;
        try {
          unit = parse(this.buffer);
        } catch (error) {
          return { ok: false, reason: 'invalid', error: error as Error };
        }
        if (unit) {
          this.buffer = unit.rest;
          return { ok: true, value: unit.value };
        }
      }
      if (this.ended) {
        const error = this.endError;
        const reset = error !== null && (error as NodeJS.ErrnoException).code === 'ECONNRESET';
        return { ok: false, reason: reset ? 'reset' : 'closed', error };
      }
      if (signal?.aborted) return { ok: false, reason: 'aborted', error: null };
      const remaining = deadline - Date.now();
      if (remaining <= 0) return { ok: false, reason: 'timeout', error: null };
      await this.waitForChange(remaining, signal);
    }
  }

  private waitForChange(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        if (this.wake === done) this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
      this.wake = done;
    });
  }
}

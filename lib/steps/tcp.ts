import { Socket } from 'node:net';
import type { StepResult } from '../types.js';
import { interruptionOf, waitedWithin, type StepBound } from '../endings.js';
import { finishStep } from './result.js';
import { formatHostPort } from '../target.js';

export interface TcpStepOutcome {
  step: StepResult;
  socket: Socket | null;
}

const UNREACHABLE = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'EHOSTDOWN', 'ENETDOWN']);

/** Opens a TCP connection to one address. Refused, timed out and unreachable are distinct outcomes. */
export function tcpStep(
  address: string,
  port: number,
  options: StepBound & { signal?: AbortSignal },
): Promise<TcpStepOutcome> {
  const startedAt = performance.now();
  const where = formatHostPort(address, port);
  return new Promise<TcpStepOutcome>((resolve) => {
    const socket = new Socket();
    let settled = false;
    const settle = (outcome: TcpStepOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      socket.removeAllListeners('connect');
      socket.removeListener('error', onError);
      // Later errors surface through the TLS layer and its reader; this keeps a late RST from crashing the process.
      socket.on('error', ignoreError);
      if (!outcome.socket) socket.destroy();
      resolve(outcome);
    };
    const onError = (error: NodeJS.ErrnoException): void => {
      const code = error.code ?? 'ERROR';
      if (code === 'ECONNREFUSED') {
        settle({ step: finishStep('tcp', 'fail', 'refused', startedAt, `${where} refused the connection (TCP RST)`), socket: null });
      } else if (UNREACHABLE.has(code)) {
        settle({ step: finishStep('tcp', 'fail', 'unreachable', startedAt, `${where} is unreachable (${code})`), socket: null });
      } else if (code === 'ETIMEDOUT') {
        settle({ step: finishStep('tcp', 'fail', 'timeout', startedAt, `no answer from ${where} (${code})`), socket: null });
      } else {
        settle({ step: finishStep('tcp', 'fail', 'error', startedAt, `connecting to ${where} failed: ${code}`), socket: null });
      }
    };
    const onAbort = (): void => {
      const ended = interruptionOf(options.signal, startedAt, `no answer from ${where}`);
      settle({ step: finishStep('tcp', ended.code === 'cancelled' ? 'skip' : 'fail', ended.code, startedAt, ended.detail), socket: null });
    };
    const timer = setTimeout(
      () => settle({ step: finishStep('tcp', 'fail', 'timeout', startedAt, `no answer from ${where} ${waitedWithin(options)} (filtered?)`), socket: null }),
      options.timeoutMs,
    );
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => {
      socket.setNoDelay(true);
      settle({ step: finishStep('tcp', 'pass', 'connected', startedAt, `connected to ${where}`), socket });
    });
    socket.on('error', onError);
    socket.connect({ host: address, port });
  });
}

function ignoreError(): void {}

import { Socket } from 'node:net';
import type { StepResult } from '../types.js';
import { endOnce, interruptionOf, waitedWithin, type StepBound } from '../endings.js';
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
    const ending = endOnce<TcpStepOutcome>(options, {
      onTimeout: () => ({ step: finishStep('tcp', 'fail', 'timeout', startedAt, `no answer from ${where} ${waitedWithin(options)} (filtered?)`), socket: null }),
      onAbort: () => {
        const ended = interruptionOf(options.signal, startedAt, `no answer from ${where}`);
        return { step: finishStep('tcp', 'fail', ended.code, startedAt, ended.detail), socket: null };
      },
      finish: (outcome) => {
        socket.removeAllListeners('connect');
        socket.removeListener('error', onError);
        // Later errors surface through the TLS layer and its reader; this keeps a late RST from crashing the process.
        socket.on('error', ignoreError);
        if (!outcome.socket) socket.destroy();
        resolve(outcome);
      },
    });
    const settle = ending.settle;
    // A declaration: the ending may settle (an already-aborted signal) before this line is reached.
    function onError(error: NodeJS.ErrnoException): void {
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
    }
    if (ending.settled) return;
    socket.once('connect', () => {
      socket.setNoDelay(true);
      settle({ step: finishStep('tcp', 'pass', 'connected', startedAt, `connected to ${where}`), socket });
    });
    socket.on('error', onError);
    socket.connect({ host: address, port });
  });
}

function ignoreError(): void {}

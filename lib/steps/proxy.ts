import type { Duplex } from 'node:stream';
import type { StepResult, Target } from '../types.js';
import type { ProxyConfig } from '../proxy/select.js';
import type { ProxyTunnelEvidence } from '../proxy/connect.js';
import { interruptionOf, type StepBound } from '../endings.js';
import { finishStep } from './result.js';

// The proxy step: the CONNECT hop (lib/proxy/connect.ts does the talking). The hop's own codes are in
// PROXY_TUNNEL_CODES; a hop cut short by the probe's deadline reads `timeout`, one cancelled from outside
// reads `cancelled`, like every other step.

export interface ProxyStepOutcome {
  step: StepResult;
  evidence: ProxyTunnelEvidence;
  /** The tunnel, ready for the TLS step; null unless the proxy said 2xx. */
  socket: Duplex | null;
}

export async function proxyStep(proxy: ProxyConfig, target: Target, options: StepBound & { signal?: AbortSignal }): Promise<ProxyStepOutcome> {
  const startedAt = performance.now();
  // undici is loaded only when a proxy is used.
  const { openTunnel } = await import('../proxy/connect.js');
  const tunnel = await openTunnel(proxy, target, { timeoutMs: options.timeoutMs, ...(options.signal ? { signal: options.signal } : {}) });
  if (!tunnel.socket && options.signal?.aborted) {
    const ended = interruptionOf(options.signal, startedAt, `no tunnel through the proxy ${proxy.redactedUrl}`);
    const step = ended.code === 'timeout' ? finishStep('proxy', 'fail', 'proxy-timeout', startedAt, ended.detail) : finishStep('proxy', 'skip', 'cancelled', startedAt, ended.detail);
    return { step, evidence: tunnel.evidence, socket: null };
  }
  return {
    step: { name: 'proxy', status: tunnel.status, durationMs: Math.round(tunnel.durationMs), code: tunnel.code, detail: tunnel.detail },
    evidence: tunnel.evidence,
    socket: tunnel.socket,
  };
}

import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { AddressInfo, StepResult } from '../types.js';
import { interruptionOf, waitedWithin, type StepBound } from '../endings.js';
import { DeadlineError, finishStep, withDeadline } from './result.js';

/** The resolver seam: every A and AAAA address of a name. Tests inject their own. */
export type Resolver = (host: string) => Promise<AddressInfo[]>;

/** The system resolver (getaddrinfo), so /etc/hosts and the OS's DNS settings apply as they do for a VPN client. */
export const systemResolver: Resolver = async (host) => {
  const found = await lookup(host, { all: true, verbatim: true });
  return found.map((entry) => ({ address: entry.address, family: entry.family === 6 ? 6 : 4 }));
};

export interface DnsStepOutcome {
  step: StepResult;
  addresses: AddressInfo[];
}

const NOT_FOUND_CODES = new Set(['ENOTFOUND', 'ENODATA', 'EAI_NONAME', 'EAI_NODATA']);

export async function dnsStep(
  host: string,
  options: StepBound & { resolver: Resolver; signal?: AbortSignal },
): Promise<DnsStepOutcome> {
  const startedAt = performance.now();
  const family = isIP(host);
  if (family !== 0) {
    return {
      step: finishStep('dns', 'pass', 'literal', startedAt, `${host} is an IP address: no lookup`),
      addresses: [{ address: host, family: family === 6 ? 6 : 4 }],
    };
  }
  try {
    const found = await withDeadline(options.resolver(host), options.timeoutMs, options.signal);
    const unique = dedupe(found);
    if (unique.length === 0) {
      return { step: finishStep('dns', 'fail', 'not-found', startedAt, `${host} has no A or AAAA record`), addresses: [] };
    }
    const listed = unique.map((a) => a.address).join(', ');
    return { step: finishStep('dns', 'pass', 'resolved', startedAt, listed), addresses: unique };
  } catch (error) {
    if (error instanceof DeadlineError) {
      if (error.reason === 'timeout') {
        return { step: finishStep('dns', 'fail', 'timeout', startedAt, `no answer for ${host} ${waitedWithin(options)}`), addresses: [] };
      }
      const ended = interruptionOf(options.signal, startedAt, `no answer for ${host}`);
      return { step: finishStep('dns', ended.code === 'cancelled' ? 'skip' : 'fail', ended.code, startedAt, ended.detail), addresses: [] };
    }
    const code = (error as NodeJS.ErrnoException).code ?? 'ERROR';
    if (NOT_FOUND_CODES.has(code)) {
      return { step: finishStep('dns', 'fail', 'not-found', startedAt, `${host} does not resolve (${code})`), addresses: [] };
    }
    return { step: finishStep('dns', 'fail', 'error', startedAt, `lookup of ${host} failed: ${code}`), addresses: [] };
  }
}

function dedupe(addresses: AddressInfo[]): AddressInfo[] {
  const seen = new Set<string>();
  return addresses.filter((entry) => (seen.has(entry.address) ? false : (seen.add(entry.address), true)));
}

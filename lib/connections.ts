import type { ConnectionResult, StepName, StepResult, Target } from './types.js';
import { mapBounded } from './map-bounded.js';
import { walkPath, type Budget, type PathOutcome, type PathSession, type Route } from './path.js';

// Behind one address a load balancer may spread connections over several servers; one connection sees one
// of them. With `connections` > 1 each address gets more independent walks (fresh TCP, fresh TLS: Node never
// resumes a session it is not handed) up to the SSTP Ack, never PPP or credentials, so the members can be
// told apart by what a client notices. They run after the addresses' own walks, a few at a time, so a fleet
// probe holds no more sockets per target than the address walks do.

/** Extra walks in flight at once within one probe. */
export const CONNECTION_CONCURRENCY = 3;

/** The steps a connection is compared on: up to the SSTP handshake. */
const COMPARED_STEPS: readonly StepName[] = ['tcp', 'proxy', 'tls', 'http', 'sstp'];

export interface ConnectionsInput {
  target: Target;
  /** One route per address, in the order of the addresses' own walks. */
  routes: Route[];
  /** The address's own walk (index 0), already made, one per route. */
  mainWalks: PathOutcome[];
  /** Connections per address, counting the main walk. */
  count: number;
  sni: string | null;
  budget: Budget;
  now: () => Date;
}

/** Every connection per address, main walk first, in address order then index order. */
export async function walkConnections(input: ConnectionsInput): Promise<ConnectionResult[]> {
  const quiet: PathSession = { compareSni: false, clientHandshakes: false, ppp: false, enumerateAuth: false, credentials: null, insecure: false, now: input.now };
  const extra = input.routes.flatMap((route, address) => Array.from({ length: Math.max(0, input.count - 1) }, (_, i) => ({ route, address, index: i + 1 })));
  // A walk the probe's deadline (or the caller) cut short says nothing about the member it reached: left out.
  const walked = await mapBounded(extra, CONNECTION_CONCURRENCY, async (job) => {
    if (input.budget.signal.aborted) return null;
    const outcome = await walkPath(input.target, job.route, input.sni, input.budget, () => {}, quiet);
    return input.budget.signal.aborted ? null : outcome;
  });
  const results: ConnectionResult[] = [];
  input.mainWalks.forEach((main, address) => {
    results.push(compactConnection(main, 0));
    extra.forEach((job, at) => {
      const outcome = walked[at];
      if (job.address === address && outcome) results.push(compactConnection(outcome, job.index));
    });
  });
  return results;
}

/** What a client would notice about one connection, up to the Ack. */
export function compactConnection(outcome: PathOutcome, index: number): ConnectionResult {
  const compared = outcome.steps.filter((step) => COMPARED_STEPS.includes(step.name));
  const failed = compared.find((step) => step.status === 'fail' || step.code === 'cancelled') ?? null;
  const took = (name: StepName): number | null => {
    const step = compared.find((s: StepResult) => s.name === name);
    return step && step.status !== 'skip' ? Math.round(step.durationMs) : null;
  };
  return {
    address: outcome.address,
    index,
    certificateSha256: outcome.certificate?.sha256 ?? null,
    tlsVersion: outcome.tls?.protocol ?? null,
    httpStatus: outcome.http?.status ?? null,
    server: outcome.http?.server ?? null,
    sstpResult: outcome.sstp?.result ?? null,
    timings: { tcp: took('tcp'), tls: took('tls'), http: took('http'), sstp: took('sstp') },
    failedStep: failed?.name ?? null,
    code: failed?.code ?? null,
  };
}

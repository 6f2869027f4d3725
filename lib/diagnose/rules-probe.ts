// Rules about the probe itself rather than the server: a cancelled probe says so, and no server cause is
// drawn from the step it cut short (that step reads `cancelled`, status skip, which no other rule matches).

import { makeFinding } from './causes.js';
import type { Rule } from './rule.js';

export const cancelledRule: Rule = {
  name: 'probe-cancelled',
  causes: ['probe-cancelled'],
  apply(f) {
    if (f.report.cancelled !== true) return [];
    const inFlight = f.report.steps.find((step) => step.code === 'cancelled') ?? null;
    return [
      makeFinding(
        'probe-cancelled',
        `The probe was cancelled ${inFlight ? `during the ${inFlight.name} step` : 'before it finished'}: what it did not see says nothing about the server.`,
        { step: inFlight?.name ?? null, detail: inFlight?.detail ?? null },
        ['Run the probe again and let it finish.'],
      ),
    ];
  },
};

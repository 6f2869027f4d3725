// A saved `netsh http show sslcert` file is only evidence when one of its bindings is the one HTTP.SYS
// would pick for this connection (hostnameport for the SNI name, else ipport exact, else the wildcard of
// the address family). When none is, the user compared against the wrong server or port: say so instead
// of silently ignoring the file.

import { makeFinding } from './causes.js';
import type { Rule } from './rule.js';

/** How many bindings a finding lists by endpoint before it only counts the rest. */
const LISTED = 8;

export const netshScopeRule: Rule = {
  name: 'netsh-scope',
  causes: ['binding-not-applicable'],
  apply(f) {
    const bindings = f.context.netshBindings;
    if (!bindings || bindings.length === 0 || f.binding !== null) return [];
    const endpoints = bindings.map((b) => (b.kind === 'ccs' ? `ccs=${b.port}` : `${b.kind}=${b.endpoint}`));
    const onPort = bindings.filter((b) => b.port === f.port);
    const address = f.report.connectedAddress ?? null;
    const why = onPort.length === 0
      ? `none is on port ${f.port}`
      : `the ones on port ${f.port} name neither ${f.sniHost ?? 'the (absent) SNI name'}${address ? `, ${address}` : ''} nor the wildcard of its address family`;
    const listed = endpoints.slice(0, LISTED).join(', ') + (endpoints.length > LISTED ? ` and ${endpoints.length - LISTED} more` : '');
    return [
      makeFinding(
        'binding-not-applicable',
        `The netsh http show sslcert file holds ${bindings.length} binding(s) (${listed}), but none applies to ${f.host}:${f.port}: ${why}. Its certificate hashes were not compared.`,
        { bindings: endpoints, port: f.port, sniHost: f.sniHost, connectedAddress: address },
        [`Save the output of 'netsh http show sslcert' on the server that answers ${f.host}:${f.port}, or probe the port its bindings use.`],
      ),
    ];
  },
};

// When the name resolves to several addresses, clients pick one of them; if they do not behave alike,
// the VPN works for some users and not others. Two patterns have a known cause: IPv6 failing while IPv4
// works (no [::]:port binding or no IPv6 path), and different certificates per address (a load-balanced
// node still serving an old certificate).

import { makeFinding } from './causes.js';
import { knownSha1 } from './facts.js';
import { netshAddCommands, netshDeleteCommands, RESTART_RRAS_STEP } from './remediation.js';
import { formatHostPort } from '../target.js';
import type { Rule } from './rule.js';

export const addressesRule: Rule = {
  name: 'addresses',
  causes: ['address-inconsistent'],
  apply(f) {
    const all = f.report.addresses;
    if (all.length < 2) return [];
    const working = all.filter((a) => a.ok);
    const failing = all.filter((a) => !a.ok);
    const describe = (a: (typeof all)[number]): string =>
      `${formatHostPort(a.address, f.port)} (IPv${a.family}) ${a.ok ? 'works' : `fails at ${a.failedStep ?? '?'}${a.code ? ` (${a.code})` : ''}`}`;
    const evidence = {
      addresses: all.map((a) => ({ address: a.address, family: a.family, ok: a.ok, failedStep: a.failedStep, code: a.code, sha256: a.sha256 })),
    };
    const findings = [];

    if (working.length > 0 && failing.length > 0) {
      const v6Failing = failing.filter((a) => a.family === 6);
      const v4Working = working.some((a) => a.family === 4);
      const sha1 = knownSha1(f);
      if (v6Failing.length > 0 && v4Working && v6Failing.length === failing.length) {
        const names = v6Failing.map((a) => a.address).join(', ');
        const atTls = v6Failing.some((a) => a.failedStep === 'tls');
        findings.push(
          makeFinding(
            'address-inconsistent',
            `${f.host} works over IPv4 but its IPv6 address ${names} fails (${v6Failing.map(describe).join('; ')}): clients preferring IPv6 cannot connect.${atTls ? ` A handshake failing only over IPv6 usually means HTTP.SYS has no [::]:${f.port} certificate binding.` : ''}`,
            evidence,
            [
              `On the RRAS server, add the IPv6 binding: ${netshAddCommands({ port: f.port, sha1 })[1]}`,
              RESTART_RRAS_STEP,
              `If the server is not meant to be reached over IPv6, remove the AAAA record of ${f.host}; otherwise allow TCP ${f.port} over IPv6 on every firewall in the path.`,
            ],
          ),
        );
      } else {
        findings.push(
          makeFinding(
            'address-inconsistent',
            `The addresses of ${f.host} do not behave alike: ${all.map(describe).join('; ')}. Clients fail or succeed depending on the address they pick.`,
            evidence,
            [
              `Check each failing address: is it still a node of this VPN service (DNS may list a retired server), and does TCP ${f.port} reach RRAS on it?`,
              'If a load balancer publishes these addresses, check the health of each node behind it.',
            ],
          ),
        );
      }
    }

    const hashes = new Map<string, string[]>();
    for (const a of working) {
      if (a.sha256 === null) continue;
      const key = a.sha256.toUpperCase();
      hashes.set(key, [...(hashes.get(key) ?? []), a.address]);
    }
    if (hashes.size > 1) {
      const main = f.presented?.sha256 ?? null;
      const groups = [...hashes.entries()].sort((x, y) => y[1].length - x[1].length);
      const odd = groups.filter(([h]) => (main ? h !== main : h !== groups[0]?.[0]));
      findings.push(
        makeFinding(
          'address-inconsistent',
          `The addresses of ${f.host} present different certificates: ${groups.map(([h, addrs]) => `${addrs.join(', ')} → SHA-256 ${h}`).join('; ')}. A load-balanced node probably still serves an old certificate, and clients reaching it fail (crypto binding or certificate checks).`,
          { ...evidence, certificates: Object.fromEntries(groups) },
          [
            `On the node(s) behind ${odd.flatMap(([, a]) => a).join(', ')}, bind the same certificate as the others${f.presented ? ` (SHA-1 ${f.presented.sha1})` : ''}:`,
            ...netshDeleteCommands(f.port),
            ...netshAddCommands({ port: f.port, sha1: f.presented?.sha1 ?? null }),
            RESTART_RRAS_STEP,
          ],
        ),
      );
    }
    return findings;
  },
};

// Rules for the hops before TLS: name resolution, the HTTP proxy, and the TCP connection.
// The Event 8 page's "Fix the network connectivity or certificate issue" section (ping by name, then by
// address; firewall and IPsec settings) is the source of the fix steps.

import type { Finding } from '../types.js';
import { makeFinding } from './causes.js';
import type { Facts } from './facts.js';
import { SSTP_PARAMETERS_KEY, serverCheck, sstpUrl } from './remediation.js';
import { formatHostPort } from '../target.js';
import type { Rule } from './rule.js';

function withDetail(text: string, detail: string | null | undefined): string {
  return detail ? `${text} (${detail})` : text;
}

/** The address the connection was aimed at, for messages. */
function targetAddress(f: Facts): string {
  return f.report.connectedAddress ?? f.report.resolved[0]?.address ?? f.host;
}

export const dnsRule: Rule = {
  name: 'dns',
  causes: ['dns-resolution-failed'],
  apply(f) {
    const step = f.step('dns');
    if (step?.status !== 'fail') return [];
    const what =
      step.code === 'not-found'
        ? `The name ${f.host} does not resolve: DNS has no address record for it`
        : step.code === 'timeout'
          ? `No DNS server answered for ${f.host} in time`
          : `Resolving ${f.host} failed`;
    return [
      makeFinding(
        'dns-resolution-failed',
        `${withDetail(what, step.detail)}.`,
        { host: f.host, code: step.code, detail: step.detail },
        [
          `Check the record from the network the clients use: nslookup ${f.host}`,
          `Clients outside the company network need a public A record (and AAAA only if the server is reachable over IPv6) for ${f.host}, pointing at the address that forwards TCP ${f.port} to the RRAS server; with split DNS, add it to the external zone too.`,
          `If ping ${f.host} fails but pinging the server's IP address works, the problem is name resolution: check the DNS servers the client uses (ipconfig /all) and that each of them answers (ping each DNS server).`,
        ],
      ),
    ];
  },
};

function proxyEvidence(f: Facts, code: string, detail: string | null): Record<string, unknown> {
  const p = f.report.proxy;
  return { proxy: p?.url ?? null, proxySource: p?.reason ?? null, code, detail, statusLine: p?.statusLine ?? null };
}

const SENT_SCHEMES = { basic: 'Basic', ntlm: 'NTLMv2', 'negotiate-ntlm': 'NTLMv2 inside Negotiate' } as const;

/** Credentials were sent and the proxy refused them (407 again, or 401). */
function proxyAuthRejected(f: Facts, detail: string | null): Finding {
  const proxy = f.report.proxy;
  const sent = proxy === null || proxy.authSent === 'none' ? 'the' : SENT_SCHEMES[proxy.authSent];
  const target = formatHostPort(f.host, f.port);
  return makeFinding(
    'proxy-auth-rejected',
    `${withDetail(`The proxy ${proxy?.url ?? ''} refused the credentials sent with ${sent} for CONNECT ${target}`, detail)}.`,
    { ...proxyEvidence(f, 'auth-rejected', detail), authSent: proxy?.authSent ?? null, authSchemes: proxy?.authSchemes ?? [] },
    [
      'Check the proxy user name (DOMAIN\\user or user@domain) and the password, and that the account is not locked and may use the proxy.',
      `Windows SSTP clients cannot answer a proxy's authentication at all (they show "Access Denied"): allow unauthenticated CONNECT to ${target}, or let VPN clients bypass the proxy.`,
    ],
  );
}

export const proxyRule: Rule = {
  name: 'proxy',
  causes: ['proxy-unreachable', 'proxy-auth-required', 'proxy-auth-rejected', 'proxy-rejected'],
  apply(f) {
    if (!f.viaProxy || f.report.proxy === null) return [];
    const proxy = f.report.proxy;
    const tcp = f.step('tcp');
    const step = f.step('proxy');
    const target = formatHostPort(f.host, f.port);

    if (tcp?.status === 'fail' || step?.code === 'proxy-unreachable' || step?.code === 'proxy-timeout' || step?.code === 'proxy-tls-failed') {
      const code = tcp?.status === 'fail' ? tcp.code : (step?.code ?? 'proxy-unreachable');
      const detail = tcp?.status === 'fail' ? tcp.detail : (step?.detail ?? null);
      return [
        makeFinding(
          'proxy-unreachable',
          code === 'proxy-timeout' && proxy.proxyConnected
            ? `${withDetail(`The HTTP proxy ${proxy.url} accepted the connection but did not answer CONNECT ${target} in time`, detail)}.`
            : `${withDetail(`The HTTP proxy ${proxy.url} cannot be used (${code})`, detail)}; the connection to ${target} never started.`,
          proxyEvidence(f, code, detail),
          [
            `Check the proxy address and port: ${proxy.url} (taken from ${proxy.reason}).`,
            `If clients reach ${target} directly, do not send the VPN through the proxy (for the probe: --no-proxy, or NO_PROXY=${f.host}).`,
            'Windows clients use the proxy of Internet Options (netsh winhttp show proxy shows the machine one): make sure it is the one that works from the client network.',
          ],
        ),
      ];
    }

    const status = proxy.status;
    if (step?.code === 'auth-rejected' && proxy.authSent !== 'none') return [proxyAuthRejected(f, step.detail)];
    if (step?.code === 'auth-required' || step?.code === 'auth-rejected' || status === 407) {
      const rejected = step?.code === 'auth-rejected';
      const schemes = proxy.authSchemes.length > 0 ? ` (schemes offered: ${proxy.authSchemes.join(', ')})` : '';
      return [
        makeFinding(
          'proxy-auth-required',
          rejected
            ? `${withDetail(`The proxy ${proxy.url} refuses CONNECT ${target} without credentials`, step?.detail ?? null)}${schemes}. Windows SSTP clients show "Access Denied".`
            : `The proxy ${proxy.url} answers CONNECT ${target} with 407 Proxy Authentication Required${schemes}: the only HTTP status a Windows SSTP client reacts to, shown as "Access Denied".`,
          { ...proxyEvidence(f, step?.code ?? 'auth-required', step?.detail ?? null), authSchemes: proxy.authSchemes },
          [
            `Configure the proxy so that it does not prompt for authentication for the SSTP connection: allow unauthenticated CONNECT to ${target}.`,
            `Check the rule as the Event 8 page suggests: open ${sstpUrl(f.host, f.port)} in a browser that uses this proxy; it must not ask for credentials.`,
            `Or let VPN clients bypass the proxy for ${f.host}.`,
          ],
        ),
      ];
    }

    if (step?.status !== 'fail') return [];
    let meaning: string;
    const extra: string[] = [];
    if (step.code === 'bad-response') {
      meaning = `The proxy ${proxy.url} answered CONNECT with something that is not HTTP: it is probably not an HTTP proxy`;
    } else if (step.code === 'closed') {
      meaning = `The proxy ${proxy.url} closed the connection without answering CONNECT ${target}`;
    } else if (status === 403) {
      meaning = `The proxy ${proxy.url} forbids CONNECT to ${target} (403): a policy, category filter or port restriction blocks it`;
      extra.push(`Allow CONNECT to ${target} in the proxy's policy (many proxies only allow CONNECT to port 443).`);
    } else if (status === 405 || status === 501) {
      meaning = `The proxy ${proxy.url} does not allow the CONNECT method (${status})`;
      extra.push('Enable CONNECT (HTTPS tunnelling) on the proxy for this destination.');
    } else if (status === 502 || status === 503 || status === 504) {
      meaning = `The proxy ${proxy.url} could not reach ${target} itself (${status}): the failure lies past the proxy (its DNS, routing or the server's firewall)`;
      extra.push(`From the proxy host, check name resolution and TCP ${f.port} to ${f.host}.`);
    } else {
      meaning = `The proxy ${proxy.url} refused CONNECT ${target}${status !== null ? ` with ${proxy.statusLine ?? status}` : ''}`;
    }
    return [
      makeFinding(
        'proxy-rejected',
        `${withDetail(meaning, step.detail)}.`,
        proxyEvidence(f, step.code, step.detail),
        [
          ...extra,
          `Check whether the Web proxy blocks the SSTP URL, as the Event 8 page suggests: open ${sstpUrl(f.host, f.port)} through the proxy in a browser.`,
          'Review the HTTP status code the proxy returned and its logs for this CONNECT request.',
        ],
      ),
    ];
  },
};

export const tcpRule: Rule = {
  name: 'tcp',
  causes: ['tcp-refused', 'tcp-timeout', 'tcp-unreachable'],
  apply(f) {
    const step = f.step('tcp');
    if (step?.status !== 'fail' || f.viaProxy) return [];
    const endpoint = formatHostPort(targetAddress(f), f.port);
    const evidence = { address: targetAddress(f), port: f.port, code: step.code, detail: step.detail };
    const pingSteps = [
      `From a client, ping ${f.host} and then the server's IP address (ping may be blocked by firewalls or IPsec even when TCP ${f.port} works).`,
      'Check the firewall settings on the RRAS server with the Windows Firewall with Advanced Security snap-in, and its IPsec settings with the IP Security Policy Management snap-in.',
    ];
    let findings: Finding[];
    if (step.code === 'refused') {
      findings = [
        makeFinding(
          'tcp-refused',
          `${withDetail(`${endpoint} refused the TCP connection: nothing listens on port ${f.port} there, or a device in the path answers with a reset`, step.detail)}.`,
          evidence,
          [
            `Check that the public address forwards TCP ${f.port} to the RRAS server (NAT / port forwarding on the edge router or firewall).`,
            `On the RRAS server, check that something listens on ${f.port}: netstat -ano | findstr :${f.port} (HTTP.SYS shows as PID 4, System).`,
            serverCheck('sstpService', f.host, f.port),
            serverCheck('httpSys', f.host, f.port),
            f.port === 443
              ? 'In rrasmgmt.msc, check that the server is enabled as a remote access (VPN) server with SSTP ports.'
              : `RRAS listens on 443 unless told otherwise: set ${SSTP_PARAMETERS_KEY}\\ListenerPort (DWORD) to ${f.port}, then restart Routing and Remote Access.`,
          ],
        ),
      ];
    } else if (step.code === 'timeout') {
      findings = [
        makeFinding(
          'tcp-timeout',
          `${withDetail(`TCP connection attempts to ${endpoint} get no answer: a firewall, an IPsec policy or a missing NAT rule drops them`, step.detail)}.`,
          evidence,
          [
            `Allow inbound TCP ${f.port} to the RRAS server on every firewall in the path (edge firewall, cloud security group, Windows Firewall on the server).`,
            `Check the NAT / port forwarding rule for TCP ${f.port} on the edge device.`,
            ...pingSteps,
            'Try from another network: some networks filter outbound traffic.',
          ],
        ),
      ];
    } else {
      findings = [
        makeFinding(
          'tcp-unreachable',
          `${withDetail(`${endpoint} cannot be reached from this network`, step.detail ?? step.code)}.`,
          evidence,
          [
            'Check the TCP/IP settings of this machine: ipconfig /all; ping the default gateway; check the routing table (route print).',
            ...pingSteps,
          ],
        ),
      ];
    }
    return findings;
  },
};

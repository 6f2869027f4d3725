// The clients the server does not serve: one finding per reason a group of client profiles fails for
// (no TLS version in common, no cipher suite in common, a chain they cannot complete, an EKU they refuse),
// with the fix on the server. An error when a Windows client the administrator named is in the group (the
// SSTP client that ships with Windows is the one RRAS serves), a warning otherwise.

import type { ClientReasonKind, ClientResult, Finding } from '../types.js';
import { makeFinding } from './causes.js';
import type { Rule } from './rule.js';

const SCHANNEL_PROTOCOLS_KEY = 'HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols';

const REASON_WORDS: Partial<Record<ClientReasonKind, string>> = {
  'no-common-version': 'no TLS version in common',
  'no-common-cipher': 'no cipher suite in common',
  'tls-alert': 'the server refuses their TLS handshake',
  'chain-needs-aia': 'certificate chain incomplete for a client that does not fetch AIA',
  'any-eku-refused': 'EKU not accepted by that client (Any Purpose without Server Authentication)',
};

export const clientsRule: Rule = {
  name: 'clients',
  causes: ['client-incompatible'],
  apply(f) {
    const clients = f.report.clients ?? [];
    const groups = new Map<ClientReasonKind, ClientResult[]>();
    for (const client of clients) {
      if (client.verdict !== 'fails') continue;
      for (const reason of client.reasons) {
        if (!reason.clientSpecific) continue;
        groups.set(reason.kind, [...(groups.get(reason.kind) ?? []), client]);
      }
    }
    const findings: Finding[] = [];
    for (const [kind, group] of groups) {
      const names = group.map((c) => `${c.client}${c.selected ? '' : ' (not selected)'}`);
      const error = group.some((c) => c.windows && c.selected);
      const served = clients.filter((c) => c.verdict === 'connects').map((c) => c.client);
      const negotiated = f.report.tls?.protocol ? `${f.report.tls.protocol} ${f.report.tls.cipher ?? ''}`.trim() : null;
      findings.push(
        makeFinding(
          'client-incompatible',
          `${names.join(', ')} cannot connect: ${REASON_WORDS[kind] ?? kind}${served.length > 0 ? ` (${served.join(', ')} can)` : ''}${negotiated && (kind === 'no-common-version' || kind === 'no-common-cipher') ? `; the server chose ${negotiated} for a client offering everything` : ''}.`,
          {
            reason: kind,
            clients: group.map((c) => ({ client: c.client, selected: c.selected, windows: c.windows, handshake: c.handshake })),
            connects: served,
            negotiated,
          },
          remediation(kind, group),
          error ? 'error' : 'warning',
        ),
      );
    }
    return findings;
  },
};

function remediation(kind: ClientReasonKind, group: ClientResult[]): string[] {
  const ids = new Set(group.map((c) => c.client));
  switch (kind) {
    case 'no-common-version': {
      return [
        `Enable TLS 1.2 for the SSTP listener (HTTP.SYS uses SChannel's server settings): under ${SCHANNEL_PROTOCOLS_KEY}\\TLS 1.2\\Server set Enabled=1 (DWORD) and DisabledByDefault=0, then restart the server.`,
        ids.has('windows-11') || ids.has('sstpc')
          ? 'Clients that only speak TLS 1.2 and 1.3 cannot use a server limited to TLS 1.0 / 1.1: TLS 1.0 and 1.1 are off in current Windows 11 builds and in OpenSSL 3 at its default security level.'
          : 'Windows 10 has no TLS 1.3 in its SSTP client: a server (or a load balancer in front of it, e.g. haproxy ssl-min-ver) that only accepts TLS 1.3 refuses it. Allow TLS 1.2 there too.',
        'Check a TLS-terminating device in front of RRAS (load balancer, web application proxy) as well: its own version settings are what the clients meet.',
      ];
    }
    case 'no-common-cipher':
    case 'tls-alert':
      return [
        'Enable cipher suites Windows clients offer, e.g. in PowerShell on the server: Enable-TlsCipherSuite -Name TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 and Enable-TlsCipherSuite -Name TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 (TLS_ECDHE_ECDSA_* for an ECDSA certificate); Get-TlsCipherSuite lists what is on.',
        'A cipher suite order set by Group Policy (SSL Cipher Suite Order) overrides the default list: include those suites there.',
        'On a TLS-terminating device in front of RRAS, add ECDHE with AES-GCM suites to its cipher list (ChaCha20-Poly1305 alone is not offered by SChannel).',
      ];
    case 'chain-needs-aia':
      return [
        'Install the intermediate CA certificate on the server so HTTP.SYS sends it: import it into the Local Computer "Intermediate Certification Authorities" store (certlm.msc), then restart Routing and Remote Access.',
        'Clients that do not download missing issuers (sstpc, NetworkManager-sstp, most OpenSSL-based clients) fail with "unable to get local issuer certificate" until the server sends the whole chain.',
      ];
    case 'any-eku-refused':
      return ['Reissue the certificate with the Server Authentication EKU (1.3.6.1.5.5.7.3.1): OpenSSL refuses a leaf whose only EKU is Any Purpose for a TLS server.'];
    default:
      return [];
  }
}

// Rules for the TLS handshake and the HTTP.SYS certificate bindings behind it. HTTP.SYS accepts the TCP
// connection for any port it listens on and only then looks up a certificate binding (host name for the
// SNI first, then IP:port, then 0.0.0.0:port / [::]:port); with none it resets the handshake, which a
// Windows client reports as 0x80072746. So a reset right after ClientHello points at the bindings.

import type { SniAttempt } from '../types.js';
import { makeFinding } from './causes.js';
import { knownSha1, knownSha256, type Facts } from './facts.js';
import {
  bindableHost,
  netshAddCommands,
  netshDeleteCommands,
  netshShowCommands,
  RESTART_RRAS_STEP,
  rebindSteps,
  registryHashSteps,
  serverCheck,
} from './remediation.js';
import { formatHostPort } from '../target.js';
import type { Rule } from './rule.js';

// TLS alert descriptions (RFC 8446 §6.2, as OpenSSL names them in TlsInfo.alert) grouped by what they mean here.
const PROTOCOL_ALERTS: ReadonlySet<string> = new Set(['protocol version']);
const CIPHER_ALERTS: ReadonlySet<string> = new Set(['handshake failure', 'insufficient security']);
const KEY_ALERTS: ReadonlySet<string> = new Set(['internal error']);

/** Whether the evidence says the server uses a hostnameport (SNI) binding for this host. */
function usesHostBinding(f: Facts): boolean {
  if (f.binding?.kind === 'hostnameport') return true;
  const cmp = f.report.sniComparison;
  if (!cmp) return false;
  // Any difference between the two handshakes means a host-name binding exists for this name.
  return cmp.withSni.ok !== cmp.withoutSni.ok || (cmp.withSni.ok && cmp.withoutSni.ok && cmp.withSni.sha1 !== cmp.withoutSni.sha1);
}

export const tlsRule: Rule = {
  name: 'tls',
  causes: ['tls-handshake-failed'],
  apply(f) {
    const tls = f.report.tls;
    const step = f.step('tls');
    if (step?.status !== 'fail') return [];
    const failure = tls?.failure ?? (step.code === 'skipped' || step.code === 'not-applicable' || step.code === 'established' ? 'error' : step.code);
    const detail = tls?.failureDetail ?? step.detail;
    const address = f.report.connectedAddress ?? f.report.resolved[0]?.address ?? f.host;
    const endpoint = formatHostPort(address, f.port);
    const sni = tls?.sni ?? null;
    const where = sni ? `${endpoint} or for the host name ${sni}:${f.port}` : endpoint;
    const alert = tls?.alert ?? null;
    const proxy = f.viaProxy ? (f.report.proxy?.url ?? 'the proxy') : null;
    const netshGiven = f.context.netshBindings !== undefined;
    const hostForBinding = usesHostBinding(f) ? f.sniHost : null;

    let observed: string;
    let kind: 'binding' | 'protocol' | 'cipher' | 'key' | 'not-tls' | 'silent' | 'tunnel' | 'size' | 'other';
    if (proxy && (failure === 'reset' || failure === 'closed' || failure === 'timeout')) {
      // Through a proxy the client never sees the server's TCP: a tunnel that closes or stays silent right
      // after "200" is first of all the proxy's doing (a policy that allows CONNECT but not this traffic).
      kind = 'tunnel';
      observed = failure === 'timeout'
        ? `The proxy ${proxy} answered CONNECT with 200, then nothing came back through the tunnel in time: the proxy may hold or filter the tunnel (TLS inspection, a policy on the destination), or the server behind it does not answer TLS`
        : `The proxy ${proxy} answered CONNECT with 200, then the tunnel was ${failure === 'reset' ? 'reset' : 'closed'} during the TLS handshake: the proxy may refuse this traffic after accepting the tunnel, or HTTP.SYS on the server has no certificate bound for ${where}`;
    } else if (failure === 'reset' || failure === 'closed') {
      kind = 'binding';
      observed = `The server ${failure === 'reset' ? 'reset' : 'closed'} the connection during the TLS handshake${sni ? ` (SNI ${sni} sent)` : ' (no SNI sent)'}: typically HTTP.SYS has no certificate bound for ${where}`;
    } else if (failure === 'alert' && alert !== null && PROTOCOL_ALERTS.has(alert)) {
      kind = 'protocol';
      observed = `The server ended the handshake with a TLS alert (${alert}): client and server share no TLS protocol version`;
    } else if (failure === 'alert' && alert !== null && KEY_ALERTS.has(alert)) {
      kind = 'key';
      observed = `The server ended the handshake with an internal_error alert: the bound certificate's private key is often unusable (missing, or not readable by the system)`;
    } else if (failure === 'alert' && alert !== null && CIPHER_ALERTS.has(alert)) {
      kind = 'cipher';
      observed = `The server ended the handshake with a TLS alert (${alert}): client and server share no cipher suite (or protocol version)`;
    } else if (failure === 'protocol') {
      kind = 'protocol';
      observed = `Client and server share no TLS protocol version or cipher suite${detail ? ` (${detail})` : ''}`;
    } else if (failure === 'timeout') {
      kind = 'silent';
      observed = `The server accepted TCP on ${endpoint} but sent no TLS answer in time: the port may lead to a service that does not speak TLS, or a device in the path holds the connection`;
    } else if (failure === 'not-tls') {
      kind = 'not-tls';
      observed = `${proxy ? `Through the proxy ${proxy}, ${endpoint}` : endpoint} answers, but not with TLS: plain HTTP or another protocol listens on port ${f.port}`;
    } else if (failure === 'chain-too-large') {
      kind = 'size';
      observed = 'The certificate chain is larger than a client accepts: the server sends too many or too large certificates in its handshake';
    } else {
      kind = 'other';
      observed = `The TLS handshake with ${endpoint} failed${detail ? `: ${detail}` : ''}`;
    }

    let bindingNote: string | null = null;
    if (netshGiven && f.binding === null) {
      bindingNote = `The netsh output given has no binding that covers ${where}: HTTP.SYS has no certificate to present.`;
    } else if (f.binding) {
      bindingNote = `HTTP.SYS is bound to certificate ${f.binding.certHash ?? '(no hash shown)'} (${f.binding.kind} ${f.binding.endpoint}): check that this certificate is still in Local Computer\\Personal with its private key; a binding to a deleted or replaced certificate fails every handshake.`;
    }

    const sha1 = knownSha1(f);
    const remediation: string[] = [];
    if (kind === 'tunnel') {
      remediation.push(
        `Check the proxy's log for the CONNECT to ${formatHostPort(f.host, f.port)}: whether it closed or held the tunnel, and why (TLS inspection, a destination or category policy, a limit on tunnel length).`,
        `If the proxy inspects TLS, exempt ${f.host} from inspection: SSTP needs the server's own certificate end to end.`,
        `To tell the proxy from the server, probe ${formatHostPort(f.host, f.port)} from a network without the proxy (--no-proxy).`,
      );
    }
    if (kind === 'size') {
      remediation.push(
        'Send only the leaf and its intermediates: remove extra or duplicate certificates from the chain the server presents (the root need not be sent).',
        'Prefer a shorter chain or smaller keys if the CA offers one.',
      );
    }
    if (bindingNote) remediation.push(bindingNote);
    if (kind === 'binding' || kind === 'key' || kind === 'other' || kind === 'tunnel') {
      remediation.push(...netshShowCommands(f.port, hostForBinding).map((c) => `On the RRAS server, list the binding: ${c}`));
      remediation.push(
        'In Routing and Remote Access → server Properties → Security → SSL Certificate Binding, select the certificate for SSTP (or bind it with netsh as below).',
      );
      remediation.push(...rebindSteps({ port: f.port, host: hostForBinding, sha1, sha256: knownSha256(f) }));
      remediation.push(serverCheck('httpSys', f.host, f.port));
    } else if (kind === 'protocol' || kind === 'cipher') {
      remediation.push(
        'Enable TLS 1.2 (and 1.3 where supported) for the server side of SCHANNEL: HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.2\\Server, Enabled=1 and DisabledByDefault=0; then reboot.',
        'Check the enabled cipher suites on the server (PowerShell Get-TlsCipherSuite) include ones the clients offer (ECDHE with AES-GCM).',
        'If a firewall or load balancer terminates or inspects TLS in front of RRAS, check its TLS versions and ciphers too.',
      );
    } else if (kind === 'not-tls' || kind === 'silent') {
      remediation.push(
        `Check that port ${f.port} on the public address is forwarded to the RRAS server and not to another service.`,
        kind === 'not-tls'
          ? `Open http://${formatHostPort(f.host, f.port)}/ (plain HTTP) in a browser: whatever page answers is the service the port leads to.`
          : `Check with the firewall or load balancer logs what holds TCP connections to ${formatHostPort(f.host, f.port)} without answering.`,
      );
    }

    return [
      makeFinding(
        'tls-handshake-failed',
        `${observed}.`,
        {
          failure,
          alert,
          detail,
          viaProxy: proxy !== null,
          sni,
          address,
          port: f.port,
          ...(f.binding ? { netshBinding: `${f.binding.kind}=${f.binding.endpoint} certhash=${f.binding.certHash ?? 'none'}` } : {}),
          ...(netshGiven && f.binding === null ? { netshBinding: 'none for this endpoint' } : {}),
        },
        remediation,
      ),
    ];
  },
};

/** How one SNI attempt went, in words: a failed handshake, or a certificate that does not fit. */
function attemptText(a: SniAttempt, host: string): string {
  if (a.sha1 && !a.ok) return `the server presents SHA-1 ${a.sha1}, which does not fit ${host}`;
  return `the handshake fails (${a.code ?? 'failed'})`;
}

export const sniRule: Rule = {
  name: 'sni',
  causes: ['sni-binding-inconsistent'],
  apply(f) {
    const cmp = f.report.sniComparison;
    if (!cmp) return [];
    const { withSni, withoutSni } = cmp;
    const host = bindableHost(f.sniHost) ?? f.host;
    const evidence = {
      withSni: { ok: withSni.ok, code: withSni.code, sha1: withSni.sha1 },
      withoutSni: { ok: withoutSni.ok, code: withoutSni.code, sha1: withoutSni.sha1 },
    };
    if (withSni.ok && !withoutSni.ok) {
      return [
        makeFinding(
          'sni-binding-inconsistent',
          `Only a host-name binding answers properly: with SNI ${host} the handshake works, without SNI ${attemptText(withoutSni, host)}. A hostnameport=${host}:${f.port} binding exists but no matching ipport binding, so clients that send no SNI fail.`,
          evidence,
          [
            `Add the ipport bindings with the same certificate (SHA-1 ${withSni.sha1 ?? 'of the host-name binding'}):`,
            // Replace an ipport binding that serves another certificate.
            ...(withoutSni.sha1 ? netshDeleteCommands(f.port) : []),
            ...netshAddCommands({ port: f.port, sha1: withSni.sha1 }),
            RESTART_RRAS_STEP,
          ],
          'warning',
        ),
      ];
    }
    if (!withSni.ok && withoutSni.ok) {
      return [
        makeFinding(
          'sni-binding-inconsistent',
          `The host-name binding is broken: without SNI the handshake works, with SNI ${host} ${attemptText(withSni, host)}. Windows clients send SNI, so they take the broken path.`,
          evidence,
          [
            `List it: netsh http show sslcert hostnameport=${host}:${f.port}`,
            `Remove it, or re-create it with the certificate the ipport binding serves (SHA-1 ${withoutSni.sha1 ?? 'of the ipport binding'}):`,
            ...netshDeleteCommands(f.port, host).filter((c) => c.includes('hostnameport')),
            ...netshAddCommands({ port: f.port, host, sha1: withoutSni.sha1 }).filter((c) => c.includes('hostnameport')),
            RESTART_RRAS_STEP,
          ],
          'error',
        ),
      ];
    }
    if (withSni.ok && withoutSni.ok && withSni.sha1 && withoutSni.sha1 && withSni.sha1 !== withoutSni.sha1) {
      return [
        makeFinding(
          'sni-binding-inconsistent',
          `The server presents different certificates with SNI ${host} (SHA-1 ${withSni.sha1}) and without SNI (SHA-1 ${withoutSni.sha1}): a hostnameport binding and the ipport bindings disagree. RRAS records one hash for crypto binding, so one group of clients fails after authentication.`,
          evidence,
          [
            `Windows clients send SNI and see ${withSni.sha1}: bind that certificate on the ipport bindings too.`,
            ...netshDeleteCommands(f.port),
            ...netshAddCommands({ port: f.port, sha1: withSni.sha1 }),
            RESTART_RRAS_STEP,
            ...registryHashSteps(withSni.sha1, f.presented?.sha1 === withSni.sha1 ? f.presented.sha256 : null),
          ],
          'warning',
        ),
      ];
    }
    return [];
  },
};

export const ipv6BindingRule: Rule = {
  name: 'ipv6-binding',
  causes: ['binding-ipv6-missing'],
  apply(f) {
    const bindings = f.context.netshBindings;
    if (!bindings) return [];
    const v4 = bindings.find((b) => b.kind === 'ipport' && b.port === f.port && b.host === '0.0.0.0');
    const v6 = bindings.find((b) => b.kind === 'ipport' && b.port === f.port && b.host !== null && /^[0:]+$/.test(b.host));
    if (!v4 || v6) return [];
    const hasV6 = f.report.resolved.some((a) => a.family === 6);
    return [
      makeFinding(
        'binding-ipv6-missing',
        `HTTP.SYS has a certificate bound on 0.0.0.0:${f.port} but none on [::]:${f.port}: clients reaching the server over IPv6 get their handshake reset${hasV6 ? ` (and ${f.host} has an IPv6 address)` : ''}.`,
        { bound: `0.0.0.0:${f.port}`, missing: `[::]:${f.port}`, certHash: v4.certHash, ipv6Resolved: hasV6 },
        [
          `Add the IPv6 twin with the same certificate: ${netshAddCommands({ port: f.port, sha1: v4.certHash })[1]}`,
          RESTART_RRAS_STEP,
        ],
        hasV6 ? 'warning' : 'info',
      ),
    ];
  },
};

// Rules for what happens inside the tunnel: the SSTP control handshake (MS-SSTP §3.2.5: Call Connect
// Request → Ack, or NAK / Abort), PPP link negotiation (RFC 1661) and, when credentials were given,
// authentication and the crypto binding (MS-SSTP §3.2.5.2).

import { AUTH_PROTOCOL_NAMES, type Finding } from '../types.js';
import { statusInfoText } from '../codec/sstp.js';
import { makeFinding } from './causes.js';
import { RESTART_RRAS_STEP, rebindSteps, registryHashSteps, serverCheck } from './remediation.js';
import { formatHostPort } from '../target.js';
import type { Rule } from './rule.js';

export const sstpRule: Rule = {
  name: 'sstp',
  causes: ['sstp-negotiation-failed'],
  apply(f) {
    const sstp = f.report.sstp;
    const step = f.step('sstp');
    const result = sstp?.result ?? (step?.status === 'fail' ? step.code : null);
    // A cancelled Call Connect Request says nothing about the server (probe-cancelled says it was cut short).
    if (result === null || result === 'cancelled') return [];

    const serverSide = [
      'Look in the RRAS server\'s System event log for RasSstp events at the time of the probe.',
      serverCheck('sstpService', f.host, f.port),
      serverCheck('sstpPorts', f.host, f.port),
      serverCheck('configStore', f.host, f.port),
      serverCheck('parametersPermissions', f.host, f.port),
      RESTART_RRAS_STEP,
    ];
    const evidence = {
      result,
      status: sstp?.status.map(statusInfoText) ?? [],
      detail: sstp?.detail ?? step?.detail ?? null,
      hashBitmask: sstp?.hashBitmask ?? null,
    };

    if (result === 'ack') {
      if (sstp && sstp.hashBitmask !== null && (sstp.hashBitmask & 0x03) === 0) {
        return [
          makeFinding(
            'sstp-negotiation-failed',
            `The server sent Call Connect Ack but offers no crypto binding hash (bitmask 0x${sstp.hashBitmask.toString(16).padStart(2, '0')}): clients must abort, as neither SHA-1 nor SHA-256 is allowed.`,
            evidence,
            [
              'The offer is derived from the certificate hashes the server is configured with: configure the server certificate (for RRAS, bind it and restart so Sha1CertificateHash / Sha256CertificateHash are recorded).',
              ...registryHashSteps(f.presented?.sha1 ?? null, f.presented?.sha256 ?? null),
              RESTART_RRAS_STEP,
            ],
          ),
        ];
      }
      return [];
    }

    const statuses = sstp?.status ?? [];
    let summary: string;
    const extra: string[] = [];
    if (result === 'nak') {
      summary = `The server refused the Call Connect Request with Call Connect NAK${statuses.length > 0 ? ` (${statuses.map(statusInfoText).join('; ')})` : ''}: it rejects standard SSTP parameters (PPP encapsulation), a server-side fault or an implementation that does not follow MS-SSTP.`;
    } else if (result === 'abort') {
      summary = `The server aborted the SSTP call (Call Abort${statuses.length > 0 ? `: ${statuses.map(statusInfoText).join('; ')}` : ''}) during the FSM parameter negotiation.`;
    } else if (result === 'timeout') {
      summary = 'The server answered SSTP_DUPLEX_POST with 200 but never sent Call Connect Ack: the SSTP state machine on the server is not running the session.';
      extra.push(
        `If a TLS-terminating device in front of RRAS answered the 200 itself, it must forward the SSTP stream to RRAS unchanged (or pass TCP ${f.port} through).`,
      );
    } else if (result === 'closed') {
      summary = 'The server closed the connection after the Call Connect Request, without Ack, NAK or Abort.';
    } else if (result === 'invalid') {
      summary = `The server's reply to the Call Connect Request is not a valid SSTP message${sstp?.detail ?? step?.detail ? ` (${sstp?.detail ?? step?.detail})` : ''}: whatever answered the HTTP request is not an SSTP server.`;
      extra.push(`Check that TCP ${f.port} reaches the RRAS server directly.`);
    } else {
      summary = `The SSTP handshake failed (${result}${step?.detail ? `: ${step.detail}` : ''}).`;
    }
    return [makeFinding('sstp-negotiation-failed', summary, evidence, [...extra, ...serverSide])];
  },
};



const AUTH_METHODS_STEP =
  'In Routing and Remote Access → server Properties → Security → Authentication Methods, and in the NPS network policy (Constraints → Authentication Methods), allow the method the clients use.';

export const pppRule: Rule = {
  name: 'ppp',
  causes: ['ppp-negotiation-failed', 'ppp-auth-offered'],
  apply(f) {
    const ppp = f.report.ppp;
    const step = f.step('ppp');
    const findings: Finding[] = [];
    if (step?.status === 'fail' || ppp?.terminated) {
      const how = ppp?.terminated ?? step?.code ?? 'failed';
      findings.push(
        makeFinding(
          'ppp-negotiation-failed',
          `PPP link negotiation inside the tunnel failed: ${how}${step?.detail && step.detail !== how ? ` (${step.detail})` : ''}. Windows clients report 734 (the PPP link control protocol was terminated).`,
          { code: step?.code ?? null, terminated: ppp?.terminated ?? null, detail: step?.detail ?? null, authProtocols: ppp?.authProtocols ?? [] },
          [
            AUTH_METHODS_STEP,
            'Look in the RRAS server\'s System event log (RemoteAccess events) for why it ended the link.',
            RESTART_RRAS_STEP,
          ],
        ),
      );
    }
    const offered = ppp?.authProtocols ?? [];
    const first = offered[0];
    if (first) {
      const names = offered.map((p) => AUTH_PROTOCOL_NAMES[p]);
      let consequence = '';
      if (offered.every((p) => p === 'eap')) {
        consequence = ' Only EAP is offered: clients set to MS-CHAPv2 alone are refused with 812 (ERROR_SERVER_POLICY); set them to EAP (e.g. PEAP) or allow MS-CHAPv2 on the server.';
      } else if (!offered.includes('eap')) {
        consequence = ` EAP is not offered: clients set to EAP alone (PEAP, smart card) are refused with 812 (ERROR_SERVER_POLICY).`;
      }
      if (offered.includes('pap')) consequence += ' PAP sends the password in clear text inside the tunnel.';
      findings.push(
        makeFinding(
          'ppp-auth-offered',
          `The server asks for ${names[0]} authentication${names.length > 1 ? ` (it also accepts ${names.slice(1).join(', ')})` : ''}.${consequence}`,
          { authProtocols: offered, mru: ppp?.mru ?? null },
          [`Configure clients for ${names.join(' or ')}.`, AUTH_METHODS_STEP],
        ),
      );
    }
    return findings;
  },
};

const RAS_AUTH_ERRORS: Readonly<Record<number, string>> = {
  691: 'the user name or password is wrong, or the method is not allowed for this account',
  646: 'the account is not allowed to log on at this time of day',
  647: 'the account is disabled',
  648: 'the password has expired',
  649: 'the account has no dial-in permission',
  709: 'changing the password failed',
};

export const authRule: Rule = {
  name: 'auth',
  causes: ['auth-failed', 'crypto-binding-rejected'],
  apply(f) {
    const auth = f.report.auth;
    if (!auth) return [];
    // The probe itself withheld the credentials: the certificate findings say why, the server refused nothing.
    if (f.step('auth')?.code === 'refused-untrusted-certificate' || f.step('auth')?.code === 'cancelled') return [];
    const findings: Finding[] = [];
    const method = auth.protocol ? AUTH_PROTOCOL_NAMES[auth.protocol] : 'the offered method';
    if (auth.result !== 'success') {
      let summary: string;
      const steps: string[] = [];
      if (auth.result === 'failure') {
        const meaning = auth.errorCode !== null ? RAS_AUTH_ERRORS[auth.errorCode] : undefined;
        summary = `Authentication with ${method} failed${auth.errorCode !== null ? ` with error ${auth.errorCode}${meaning ? `: ${meaning}` : ''}` : ''}${auth.message ? ` (server says: ${auth.message})` : ''}.`;
        if (auth.errorCode === 649) steps.push('In Active Directory Users and Computers → the user → Dial-in, set Network Access Permission to "Control access through NPS Network Policy" or "Allow access".');
        if (auth.errorCode === 648 || auth.errorCode === 709) steps.push('Have the user change the password (clients cannot change it through SSTP).');
        if (auth.errorCode === 647) steps.push('Enable the account in Active Directory.');
        steps.push('Check the user name (DOMAIN\\user or user@domain) and password, then the NPS network policy that should match this user (its conditions and Constraints → Authentication Methods).');
      } else if (auth.result === 'refused') {
        summary = `The server refused ${method}: its policy does not allow this authentication method; Windows clients report 812 (ERROR_SERVER_POLICY).`;
        steps.push(AUTH_METHODS_STEP);
      } else if (auth.result === 'timeout') {
        summary = `The server did not answer the ${method} exchange in time (an unreachable RADIUS / NPS server often causes this).`;
        steps.push('Check that RRAS reaches its RADIUS / NPS server and that NPS logs the request (Event Viewer → Network Policy and Access Services).');
      } else {
        summary = `Authentication with ${method} failed${auth.message ? `: ${auth.message}` : ''}.`;
        steps.push(AUTH_METHODS_STEP);
      }
      findings.push(makeFinding('auth-failed', summary, { protocol: auth.protocol, result: auth.result, errorCode: auth.errorCode, message: auth.message }, steps));
    }
    if (auth.cryptoBinding?.result === 'rejected') {
      const cb = auth.cryptoBinding;
      const presented = f.presented;
      findings.push(
        makeFinding(
          'crypto-binding-rejected',
          `The server rejected the crypto binding after authentication: the ${cb.hashProtocol === 'sha256' ? 'SHA-256' : 'SHA-1'} certificate hash the client computed (${cb.certHash.toUpperCase()}) is not the one RRAS holds. The server logs RasSstp Event 6; typical causes are TLS offload in front of RRAS or TLS inspection.`,
          { hashProtocol: cb.hashProtocol, certHash: cb.certHash.toUpperCase(), presentedSha1: presented?.sha1 ?? null, presentedSha256: presented?.sha256 ?? null },
          [
            `RRAS compares the hash with its recorded values; they must be the certificate clients see (${presented ? `SHA-1 ${presented.sha1}` : 'the presented one'}):`,
            ...registryHashSteps(presented?.sha1 ?? null, presented?.sha256 ?? null),
            'If a reverse proxy terminates TLS, bind its certificate on RRAS too (the page\'s "Configure the server with acceptable hash certificate by the Reverse Web Proxy server"):',
            ...rebindSteps({
              port: f.port,
              sha1: presented?.sha1 ?? null,
              sha256: presented?.sha256 ?? null,
              placeholder: '<SHA-1 thumbprint of the proxy certificate>',
            }),
            `If a TLS-inspecting firewall is on the client's path, exempt ${formatHostPort(f.host, f.port)} from inspection.`,
          ],
        ),
      );
    }
    return findings;
  },
};

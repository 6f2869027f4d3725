// SSTP offload: a balancer ends TLS and talks plain HTTP to RRAS, which then listens for HTTP (UseHttps=0)
// and checks the crypto binding against the balancer's certificate hash set by the administrator. Probing
// the RRAS side directly (an http:// target) shows whether that listener is there at all.

import { makeFinding } from './causes.js';
import { NO_RESPONSE_CODES } from './rules-http.js';
import { hostPort, RESTART_RRAS_STEP, serverCheck, SSTP_PARAMETERS_KEY, SSTP_URL_PATH } from './remediation.js';
import type { Rule } from './rule.js';

export const offloadRule: Rule = {
  name: 'offload',
  causes: ['offload-listener'],
  apply(f) {
    if (f.report.target.scheme !== 'http') return [];
    const h = f.report.http;
    const step = f.step('http');
    const notFound = h?.status === 404;
    const silent = !h && step?.status === 'fail' && NO_RESPONSE_CODES.includes(step.code);
    if (!notFound && !silent) return [];
    const where = `http://${hostPort(f.host, f.port)}`;
    const what = notFound
      ? `answers the SSTP URL with 404${h?.server ? ` (Server: ${h.server})` : ''}`
      : `gives no HTTP answer to SSTP_DUPLEX_POST (${step?.code}${step?.detail ? `: ${step.detail}` : ''})`;
    return [
      makeFinding(
        'offload-listener',
        `${where} ${what}: no SSTP listener for plain HTTP there. RRAS still listens for HTTPS only (UseHttps is not 0), listens on another port, or is not running, so the balancer that ends TLS in front of it has nothing to pass SSTP to.`,
        { target: where, status: h?.status ?? null, server: h?.server ?? null, code: step?.code ?? null },
        [
          `On the RRAS server, set ${SSTP_PARAMETERS_KEY}\\UseHttps (DWORD) to 0 so SSTP listens for plain HTTP behind the balancer: PowerShell Set-ItemProperty 'HKLM:\\System\\CurrentControlSet\\Services\\SstpSvc\\Parameters' -Name UseHttps -Value 0 -Type DWord`,
          `Give RRAS the balancer's certificate hash for the crypto binding: ${SSTP_PARAMETERS_KEY}\\SHA256CertificateHash (REG_BINARY) = SHA-256 of the certificate clients see on the balancer, and IsHashConfiguredByAdmin (DWORD) = 1.`,
          `With UseHttps=0, RRAS listens on port 80 unless ${SSTP_PARAMETERS_KEY}\\ListenerPort (DWORD) names another; the balancer's backend port and this probe's (${f.port}) must be that port.`,
          `Server-side: netsh http show servicestate should list http://+:${f.port}${SSTP_URL_PATH} once SSTP listens for HTTP.`,
          RESTART_RRAS_STEP,
          serverCheck('sstpService', f.host, f.port),
          `Then prove the whole path: sstp-probe ${where} --user <DOMAIN\\name> --password-env <VAR> --expect-sha256 <balancer certificate SHA-256> logs in over plain HTTP with the binding clients make.`,
        ],
      ),
    ];
  },
};

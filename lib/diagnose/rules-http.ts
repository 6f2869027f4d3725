// Rules for the SSTP_DUPLEX_POST exchange (MS-SSTP §3.2.4.1). RRAS answers through
// HTTP.SYS with a bare "HTTP/1.1 200" and Content-Length 18446744073709551615; anything else tells us
// who answered instead (the Server header) and how far the request got.

import type { Finding } from '../types.js';
import { makeFinding } from './causes.js';
import type { Facts } from './facts.js';
import { RESTART_RRAS_STEP, SSTP_PARAMETERS_KEY, serverCheck, sstpUrl, urlAclSteps } from './remediation.js';
import type { Rule } from './rule.js';

export const SSTP_CONTENT_LENGTH = '18446744073709551615';

/** "HTTP/1.1" whether the report holds "1.1" or the full token. */
function versionToken(version: string): string {
  return /^HTTP\//i.test(version) ? version.toUpperCase() : `HTTP/${version}`;
}
export const NO_RESPONSE_CODES: readonly string[] = ['timeout', 'partial', 'closed', 'reset'];

/** Who answered, from the Server header, in words. */
function responder(server: string | null): { who: string; isHttpSys: boolean } {
  if (!server) return { who: 'the server (no Server header)', isHttpSys: false };
  if (/Microsoft-HTTPAPI/i.test(server)) return { who: `HTTP.SYS (Server: ${server})`, isHttpSys: true };
  if (/Microsoft-IIS/i.test(server)) return { who: `IIS (Server: ${server})`, isHttpSys: false };
  return { who: `a web server or proxy announcing "${server}"`, isHttpSys: false };
}

function httpEvidence(f: Facts): Record<string, unknown> {
  const h = f.report.http;
  if (!h) {
    const s = f.step('http');
    return { code: s?.code ?? null, detail: s?.detail ?? null };
  }
  return { status: h.status, reason: h.reason, version: versionToken(h.version), server: h.server, contentLength: h.contentLength };
}

function pageCheck(f: Facts): string {
  return `Open ${sstpUrl(f.host, f.port)} in a browser from a client network (the Event 8 page's check): it shows which server and certificate answer the SSTP URL.`;
}

function statusMeaning(status: number, location: string | undefined, isHttpSys: boolean): string {
  if (status >= 300 && status < 400) {
    return `redirects the SSTP URL${location ? ` to ${location}` : ''}: a web server, captive portal or an SSTP server set to redirect non-SSTP requests answers instead of the SSTP listener`;
  }
  if (status === 401 && isHttpSys) {
    // HTTP.SYS itself answered: no proxy in front, but a URL reservation with authentication on the server.
    return 'asks for HTTP authentication from HTTP.SYS itself: another application on the server (IIS, a web service) registered this URL with authentication, so the request never reaches the SSTP listener';
  }
  if (status === 401) return 'asks for HTTP authentication: a pre-authenticating reverse proxy or web server sits in front of the SSTP listener';
  if (status === 403) return 'forbids the SSTP URL: a reverse proxy, WAF rule or web server access policy blocks it';
  if (status === 408) return 'timed out waiting for the request: a device in front expects a request body (SSTP sends none)';
  if (status === 411 || status === 413) return 'rejects the 2^64-1 Content-Length SSTP requires: a reverse proxy or web server in front that cannot pass SSTP';
  if (status === 500) return 'failed with an internal error';
  if (status === 502 || status === 504) return 'is a reverse proxy or load balancer that cannot reach the RRAS server behind it';
  if (status >= 200 && status < 300) return 'accepted the request with a status other than 200';
  return 'answered with a status SSTP does not expect';
}

export const httpRule: Rule = {
  name: 'http',
  causes: ['http-version', 'http-url-not-registered', 'http-service-unavailable', 'http-not-sstp', 'http-status', 'http-no-response', 'proxy-auth-required'],
  apply(f) {
    const step = f.step('http');
    const h = f.report.http;
    if (!h && step?.status !== 'fail') return [];
    // A plain-HTTP target's 404 or silence is the offload rule's (rules-offload.ts).
    if (f.report.target.scheme === 'http' && (h ? h.status === 404 : NO_RESPONSE_CODES.includes(step?.code ?? ''))) return [];
    const findings: Finding[] = [];
    const evidence = httpEvidence(f);

    if (step?.code === 'version' || (h && versionToken(h.version) !== 'HTTP/1.1')) {
      findings.push(
        makeFinding(
          'http-version',
          `The response is ${h ? versionToken(h.version) : 'not HTTP/1.1'}${h?.server ? ` (Server: ${h.server})` : ''}, and SSTP requires HTTP/1.1.`,
          evidence,
          [
            'On the remote access server, as the Event 8 page says: Internet Explorer → Tools → Internet Options → Advanced → HTTP 1.1 settings → select "Use HTTP 1.1".',
            'If a proxy or reverse proxy sits in front of the server, make it answer in HTTP/1.1: a downgrade to HTTP/1.0 breaks SSTP.',
          ],
        ),
      );
    }

    if (!h) {
      const code = step?.code ?? 'error';
      if (NO_RESPONSE_CODES.includes(code)) {
        const what =
          code === 'timeout'
            ? 'sent no HTTP response in time'
            : code === 'partial'
              ? 'began an HTTP response but did not finish it in time'
            : code === 'reset'
              ? 'reset the connection'
              : 'closed the connection without answering';
        findings.push(
          makeFinding(
            'http-no-response',
            `The operation to receive the HTTP response failed: after TLS, the server ${what} to SSTP_DUPLEX_POST${step?.detail ? ` (${step.detail})` : ''}.`,
            evidence,
            [
              `If a reverse proxy, load balancer or WAF terminates TLS in front of RRAS, it may drop the SSTP_DUPLEX_POST method or wait for a 2^64-1-byte body: pass the SSTP URL through untouched, or forward TCP ${f.port} straight to RRAS.`,
              pageCheck(f),
              serverCheck('sstpService', f.host, f.port),
              serverCheck('httpSys', f.host, f.port),
              serverCheck('configStore', f.host, f.port),
              RESTART_RRAS_STEP,
            ],
          ),
        );
      } else if (code === 'malformed') {
        findings.push(
          makeFinding(
            'http-not-sstp',
            `The reply to SSTP_DUPLEX_POST is not HTTP${step?.detail ? ` (${step.detail})` : ''}: something other than an SSTP server answers on port ${f.port}.`,
            evidence,
            [`Check that port ${f.port} on the public address reaches the RRAS server, not another service.`, pageCheck(f)],
          ),
        );
      } else if (code === 'bad-content-length') {
        findings.push(notSstp200(f, null));
      } else if (code !== 'version') {
        findings.push(
          makeFinding(
            'http-status',
            `The HTTP exchange failed${step?.detail ? `: ${step.detail}` : ''}.`,
            evidence,
            [pageCheck(f)],
          ),
        );
      }
      return findings;
    }

    const { who, isHttpSys } = responder(h.server);
    const status = h.status;
    if (status === 200) {
      if (h.contentLength !== null && h.contentLength.trim() !== SSTP_CONTENT_LENGTH) findings.push(notSstp200(f, h.contentLength));
      else if (step?.code === 'bad-content-length') findings.push(notSstp200(f, h.contentLength));
      return findings;
    }
    if (status === 407) {
      // A CONNECT 407 is the proxy rule's; this is a 407 on the request itself (e.g. a transparent proxy).
      const proxyStep = f.step('proxy');
      if (proxyStep?.code === 'auth-required' || proxyStep?.code === 'auth-rejected' || f.report.proxy?.status === 407) return findings;
      findings.push(
        makeFinding(
          'proxy-auth-required',
          `A proxy on the path answers the SSTP request with 407 Proxy Authentication Required (${who}): Windows SSTP clients show "Access Denied".`,
          evidence,
          [
            `Configure the proxy so that it does not prompt for authentication for ${sstpUrl(f.host, f.port)}.`,
            pageCheck(f),
          ],
        ),
      );
      return findings;
    }
    if (status === 404) {
      const summary = isHttpSys
        ? `The SSTP URL answers 404 from ${who}: the machine runs HTTP.SYS, but no service has registered ${sstpUrl(f.host, f.port)} — RRAS is not running, not configured for SSTP, or SSTPSVC lacks its URL reservation.`
        : `The SSTP URL answers 404 from ${who}: port ${f.port} reaches a web server that is not the SSTP listener (port forwarding or DNS points at the wrong machine, or a reverse proxy does not pass the SSTP URL to RRAS).`;
      findings.push(
        makeFinding('http-url-not-registered', summary, evidence, [
          ...(isHttpSys ? [] : [`Check that TCP ${f.port} on the public address reaches the RRAS server, or that the reverse proxy forwards /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ to it.`]),
          pageCheck(f),
          'In rrasmgmt.msc, check that the server is enabled as a remote access (VPN) server and that WAN Miniport (SSTP) has ports.',
          ...urlAclSteps(f.port),
          serverCheck('httpSys', f.host, f.port),
          ...(f.port !== 443 ? [`RRAS registers port 443 unless ${SSTP_PARAMETERS_KEY}\\ListenerPort (DWORD) says ${f.port}.`] : []),
          serverCheck('configStore', f.host, f.port),
          RESTART_RRAS_STEP,
        ]),
      );
      return findings;
    }
    if (status === 503) {
      findings.push(
        makeFinding(
          'http-service-unavailable',
          `The SSTP URL answers 503 Service Unavailable from ${who}: the SSTP service is not serving it (stopped, its HTTP layer failed to initialise, or no free SSTP ports).`,
          evidence,
          [
            serverCheck('sstpService', f.host, f.port),
            serverCheck('sstpPorts', f.host, f.port),
            serverCheck('httpSys', f.host, f.port),
            serverCheck('configStore', f.host, f.port),
            serverCheck('parametersPermissions', f.host, f.port),
            RESTART_RRAS_STEP,
          ],
        ),
      );
      return findings;
    }
    if (status === 400 || status === 405 || status === 501) {
      findings.push(
        makeFinding(
          'http-not-sstp',
          `${who[0]?.toUpperCase()}${who.slice(1)} rejected the SSTP_DUPLEX_POST method with ${status}${h.reason ? ` ${h.reason}` : ''}: it does not speak SSTP.`,
          evidence,
          [
            `Check that TCP ${f.port} on the public address reaches the RRAS server and not a web server.`,
            'If a reverse proxy or WAF is in front, let it pass the SSTP_DUPLEX_POST method to /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ untouched (or forward the TCP connection without terminating TLS).',
            pageCheck(f),
          ],
        ),
      );
      return findings;
    }
    findings.push(
      makeFinding(
        'http-status',
        `The SSTP request got HTTP ${status}${h.reason ? ` ${h.reason}` : ''} from ${who}: it ${statusMeaning(status, h.headers['location'], isHttpSys)}.`,
        { ...evidence, ...(h.headers['location'] ? { location: h.headers['location'] } : {}) },
        [
          `Look up HTTP ${status} in the list of HTTP status codes (the page's https://go.microsoft.com/fwlink/?LinkID=82289) and in the logs of the device that answered.`,
          pageCheck(f),
          'If the Web proxy or the SSTP server is rejecting the connection, the server might not be configured for SSTP: check RRAS and the device in front of it.',
        ],
      ),
    );
    return findings;
  },
};

function notSstp200(f: Facts, contentLength: string | null): Finding {
  const server = f.report.http?.server ?? null;
  return makeFinding(
    'http-not-sstp',
    `The server answered 200 but with Content-Length ${contentLength ?? '(not the SSTP value)'} instead of ${SSTP_CONTENT_LENGTH}${server ? ` (Server: ${server})` : ''}: an ordinary web application or a proxy answered, not an SSTP listener.`,
    httpEvidence(f),
    [
      `Check that TCP ${f.port} reaches the RRAS server and that no reverse proxy rewrites the SSTP request or response.`,
      pageCheck(f),
    ],
  );
}

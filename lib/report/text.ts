// Terminal rendering of a probe report. The first line answers the only question most readers have
// ("does SSTP work here?"); then what is wrong and how to fix it, most fundamental first; then the
// step-by-step evidence and the certificate thumbprints an administrator compares with netsh output.
// Pure: the CLI decides about colour (NO_COLOR, TTY). No nonces or credentials are ever printed.

import { renderConnections } from './connections.js';
import { AUTH_PROTOCOL_NAMES, type Finding, type ProbeReport, type Severity, type StepResult, type StepStatus } from '../types.js';

export interface TextOptions {
  /** ANSI colours. */
  color: boolean;
  /** Every evidence field, the certificate chain and response headers. */
  verbose?: boolean;
  /** Plain ASCII marks instead of ✔ ✘ ⚠ for terminals without Unicode. */
  ascii?: boolean;
}

const ANSI = {
  reset: '\u001b[0m',
  bold: '\u001b[1m',
  dim: '\u001b[2m',
  red: '\u001b[31m',
  green: '\u001b[32m',
  yellow: '\u001b[33m',
  cyan: '\u001b[36m',
} as const;
type Style = Exclude<keyof typeof ANSI, 'reset'>;

interface Painter {
  (style: Style | Style[], text: string): string;
}

function painter(color: boolean): Painter {
  return (style, text) => {
    if (!color || text === '') return text;
    const styles = Array.isArray(style) ? style : [style];
    return `${styles.map((s) => ANSI[s]).join('')}${text}${ANSI.reset}`;
  };
}

interface Marks {
  ok: string;
  fail: string;
  warn: string;
  skip: string;
  info: string;
  arrow: string;
  dash: string;
}

const UNICODE_MARKS: Readonly<Marks> = { ok: '✔', fail: '✘', warn: '⚠', skip: '·', info: 'ℹ', arrow: '→', dash: '—' };
const ASCII_MARKS: Readonly<Marks> = { ok: '+', fail: 'x', warn: '!', skip: '-', info: 'i', arrow: '->', dash: '--' };

// Header names whose values may carry credentials or session state.
const SECRET_HEADERS = /^(authorization|proxy-authorization|cookie|set-cookie)$/i;

/** Removes user:password@ from a URL-looking string. */
function redactUrl(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi, '$1');
}

function endpoint(host: string, port: number): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
}

const STEP_MARK: Readonly<Record<StepStatus, keyof Marks>> = { pass: 'ok', fail: 'fail', warn: 'warn', skip: 'skip' };
const STEP_STYLE: Readonly<Record<StepStatus, Style>> = { pass: 'green', fail: 'red', warn: 'yellow', skip: 'dim' };
const SEVERITY_MARK: Readonly<Record<Severity, keyof Marks>> = { error: 'fail', warning: 'warn', info: 'info' };
const SEVERITY_STYLE: Readonly<Record<Severity, Style>> = { error: 'red', warning: 'yellow', info: 'cyan' };

function hashNames(protocols: ReadonlyArray<'sha1' | 'sha256'>): string {
  if (protocols.length === 0) return 'no crypto binding hash';
  return protocols.map((p) => (p === 'sha256' ? 'SHA-256' : 'SHA-1')).join(' and ');
}

function firstFailedStep(report: ProbeReport): StepResult | undefined {
  return report.steps.find((s) => s.status === 'fail');
}

function verdictLine(report: ProbeReport, m: Marks, paint: Painter): string {
  const where = endpoint(report.target.host, report.target.port);
  const errors = report.findings.filter((f) => f.severity === 'error');
  const warnings = report.findings.filter((f) => f.severity === 'warning');
  const acked = report.sstp?.result === 'ack';
  if (acked) {
    const how = `server answered Call Connect Ack (${hashNames(report.sstp?.hashProtocols ?? [])})`;
    if (errors.length === 0) {
      const tail = warnings.length > 0 ? `; ${warnings.length} warning${warnings.length === 1 ? '' : 's'} below` : '';
      return paint(['bold', 'green'], `${m.ok} SSTP reachable at ${where} ${m.dash} ${how}${tail}`);
    }
    return paint(
      ['bold', 'yellow'],
      `${m.warn} SSTP reachable at ${where} ${m.dash} ${how} ${m.dash} but clients will fail: ${errors[0]?.summary ?? ''}`,
    );
  }
  const reason = errors[0]?.summary ?? report.findings[0]?.summary ?? stepReason(firstFailedStep(report));
  return paint(['bold', 'red'], `${m.fail} SSTP not reachable at ${where}: ${reason}`);
}

function stepReason(step: StepResult | undefined): string {
  if (!step) return 'the probe did not reach the SSTP handshake.';
  return `${step.name} failed (${step.code}${step.detail ? `: ${step.detail}` : ''}).`;
}

function compactValue(value: unknown, verbose: boolean): string {
  let text: string;
  if (value === null || value === undefined) text = '-';
  else if (typeof value === 'string') text = value;
  else if (Array.isArray(value)) text = value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ');
  else if (typeof value === 'object') text = JSON.stringify(value);
  else text = String(value);
  text = redactUrl(text);
  return !verbose && text.length > 90 ? `${text.slice(0, 87)}...` : text;
}

function renderEvidence(evidence: Record<string, unknown>, verbose: boolean): string {
  const entries = Object.entries(evidence).filter(([, v]) => verbose || (v !== null && v !== undefined && !(Array.isArray(v) && v.length === 0)));
  const shown = verbose ? entries : entries.slice(0, 6);
  const parts = shown.map(([k, v]) => `${k}=${compactValue(v, verbose)}`);
  if (shown.length < entries.length) parts.push(`(+${entries.length - shown.length} more in the JSON report)`);
  return parts.join(verbose ? '\n             ' : ', ');
}

function renderFinding(finding: Finding, m: Marks, paint: Painter, verbose: boolean): string[] {
  const style = SEVERITY_STYLE[finding.severity];
  const lines = [
    `  ${paint(style, `${m[SEVERITY_MARK[finding.severity]]} ${finding.severity.toUpperCase()}`)} ${paint('bold', finding.cause)}`,
    `     ${redactUrl(finding.summary)}`,
  ];
  const evidence = renderEvidence(finding.evidence, verbose);
  if (evidence) lines.push(`     ${paint('dim', 'evidence:')} ${evidence}`);
  if (finding.remediation.length > 0) {
    lines.push(`     ${paint('dim', 'fix:')}`);
    const width = String(finding.remediation.length).length;
    finding.remediation.forEach((step, i) => {
      lines.push(`       ${String(i + 1).padStart(width)}. ${redactUrl(step)}`);
    });
  }
  return lines;
}

function renderSteps(report: ProbeReport, m: Marks, paint: Painter): string[] {
  const nameWidth = Math.max(...report.steps.map((s) => s.name.length), 4);
  return report.steps.map((s) => {
    const mark = paint(STEP_STYLE[s.status], `${m[STEP_MARK[s.status]]} ${s.status.padEnd(4)}`);
    const duration = s.status === 'skip' ? ''.padStart(8) : `${Math.round(s.durationMs)} ms`.padStart(8);
    const what = s.status === 'skip' ? paint('dim', s.detail ?? s.code) : `${s.code}${s.detail ? `: ${redactUrl(s.detail)}` : ''}`;
    return `  ${mark}  ${s.name.padEnd(nameWidth)} ${duration}  ${what}`;
  });
}

function label(name: string): string {
  return `  ${name.padEnd(11)}`;
}

function renderCertificate(report: ProbeReport, m: Marks, verbose: boolean): string[] {
  const c = report.certificate;
  if (!c) return [];
  const names = [...c.dnsNames, ...c.ipAddresses];
  const lines = [
    `${label('subject')}${c.subject}`,
    `${label('issuer')}${c.issuer}`,
    ...(names.length > 0 ? [`${label('names')}${names.join(', ')}`] : []),
    `${label('valid')}${c.notBefore} ${m.arrow} ${c.notAfter}`,
    `${label('SHA-1')}${c.sha1}`,
    `${label('SHA-256')}${c.sha256}`,
  ];
  if (verbose) {
    if (c.eku.length > 0 || c.hasEku) lines.push(`${label('EKU')}${c.eku.join(', ') || '(empty)'}`);
    if (c.keyType) lines.push(`${label('key')}${c.keyType}${c.keyBits ? ` ${c.keyBits} bits` : ''}`);
    c.chain.forEach((cc, i) => lines.push(`${label(i === 0 ? 'chain' : '')}${i}: ${cc.subject} (SHA-1 ${cc.sha1})`));
  }
  return lines;
}

function renderDetails(report: ProbeReport, m: Marks, verbose: boolean): string[] {
  const lines: string[] = [];
  const p = report.proxy;
  if (p && p.source !== 'none') {
    const answer = p.statusLine ?? (p.status !== null ? String(p.status) : 'no answer');
    const schemes = p.authSchemes.length > 0 ? `, asks for ${p.authSchemes.join(', ')}` : '';
    lines.push(`${label('Proxy')}${redactUrl(p.url)} (${p.reason}) ${m.arrow} ${answer}${schemes}`);
  }
  const t = report.tls;
  if (t && (t.protocol || t.failure)) {
    const sni = t.sni ? `SNI ${t.sni}` : 'no SNI';
    lines.push(
      t.failure
        ? `${label('TLS')}failed: ${t.failure}${t.failureDetail ? ` (${t.failureDetail})` : ''}, ${sni}`
        : `${label('TLS')}${t.protocol ?? '?'} ${t.cipher ?? ''}, ${sni}${t.authorizationError ? `, verification: ${t.authorizationError}` : ''}`,
    );
  }
  const h = report.http;
  if (h) {
    lines.push(`${label('HTTP')}${/^HTTP\//i.test(h.version) ? h.version : `HTTP/${h.version}`} ${h.status}${h.reason ? ` ${h.reason}` : ''}${h.server ? ` (Server: ${h.server})` : ''}`);
    if (verbose) {
      for (const [k, v] of Object.entries(h.headers)) {
        if (!SECRET_HEADERS.test(k)) lines.push(`${label('')}${k}: ${v}`);
      }
    }
  }
  const s = report.sstp;
  if (s) {
    const text =
      s.result === 'ack'
        ? `Call Connect Ack, crypto binding ${hashNames(s.hashProtocols)}${s.hashBitmask !== null ? ` (bitmask 0x${s.hashBitmask.toString(16).padStart(2, '0')})` : ''}`
        : `${s.result}${s.status.length > 0 ? `: ${s.status.map((x) => `${x.attribName} ${x.statusName}`).join('; ')}` : ''}${s.detail ? ` (${s.detail})` : ''}`;
    lines.push(`${label('SSTP')}${text}${verbose ? `; left with ${s.teardown}` : ''}`);
  }
  const ppp = report.ppp;
  if (ppp) {
    const auth = ppp.authProtocols.length > 0 ? `server asks for ${ppp.authProtocols.map((p) => AUTH_PROTOCOL_NAMES[p]).join(', ')}` : 'no authentication requested';
    lines.push(`${label('PPP')}${auth}${ppp.mru !== null ? `, MRU ${ppp.mru}` : ''}${ppp.terminated ? `, terminated: ${ppp.terminated}` : ''}`);
    if (verbose) for (const o of ppp.options) lines.push(`${label('')}option ${o.type} ${o.name}: ${o.value}`);
  }
  const a = report.auth;
  if (a) {
    // The crypto binding's certificate hash is public; its nonce and MAC never reach the report.
    const cb = a.cryptoBinding ? `; crypto binding ${a.cryptoBinding.hashProtocol === 'sha256' ? 'SHA-256' : 'SHA-1'} ${a.cryptoBinding.result}` : '';
    lines.push(`${label('Auth')}${a.protocol ?? 'none'}: ${a.result}${a.errorCode !== null ? ` (${a.errorCode})` : ''}${a.message ? ` ${m.dash} ${a.message}` : ''}${cb}`);
  }
  const r = report.revocation;
  if (r && r.verdict !== 'not-checked') {
    lines.push(`${label('Revocation')}${r.verdict}`);
    if (verbose) for (const src of r.sources) lines.push(`${label('')}${src.kind} ${src.url}: ${src.outcome}${src.detail ? ` (${src.detail})` : ''}`);
  }
  const sni = report.sniComparison;
  if (sni) {
    const one = (x: { ok: boolean; code: string | null; sha1: string | null }): string =>
      `${x.ok ? 'ok' : 'fails'}${x.code ? ` (${x.code})` : ''}${x.sha1 ? ` SHA-1 ${x.sha1}` : ''}`;
    lines.push(`${label('SNI')}with: ${one(sni.withSni)}; without: ${one(sni.withoutSni)}`);
  }
  return lines;
}

function renderAddresses(report: ProbeReport, m: Marks, paint: Painter): string[] {
  return report.addresses.map((a) => {
    const mark = a.ok ? paint('green', m.ok) : paint('red', m.fail);
    const how = a.ok ? 'works' : `fails at ${a.failedStep ?? '?'}${a.code ? ` (${a.code})` : ''}`;
    const causes = a.causes.length > 0 ? ` [${a.causes.join(', ')}]` : '';
    return `  ${mark} ${endpoint(a.address, report.target.port)} IPv${a.family} ${how}${causes}${a.sha256 ? ` SHA-256 ${a.sha256.slice(0, 16)}...` : ''}`;
  });
}

const VERDICT_MARK = { connects: 'ok', fails: 'fail', unknown: 'skip' } as const;
const VERDICT_STYLE: Readonly<Record<keyof typeof VERDICT_MARK, Style>> = { connects: 'green', fails: 'red', unknown: 'dim' };

/** One line per client profile: client, verdict, why. A client the administrator did not name says so. */
function renderClients(report: ProbeReport, m: Marks, paint: Painter): string[] {
  const clients = report.clients ?? [];
  if (clients.length === 0) return [];
  const width = Math.max(...clients.map((c) => c.client.length), 6);
  return clients.map((c) => {
    const style = c.selected ? VERDICT_STYLE[c.verdict] : c.verdict === 'fails' ? 'yellow' : 'dim';
    const verdict = paint(style, `${m[VERDICT_MARK[c.verdict]]} ${c.verdict.padEnd(8)}`);
    const why = `${c.detail}${c.selected ? '' : ' (not selected)'}`;
    return `  ${c.client.padEnd(width)}  ${verdict}  ${c.selected ? why : paint('dim', why)}`;
  });
}

/** The report as terminal text, ending with a newline. */
export function renderText(report: ProbeReport, opts: TextOptions): string {
  const paint = painter(opts.color);
  const m = opts.ascii ? ASCII_MARKS : UNICODE_MARKS;
  const verbose = opts.verbose ?? false;
  const out: string[] = [verdictLine(report, m, paint), ''];
  const heading = (text: string): string => paint(['bold', 'cyan'], text);

  if (report.findings.length > 0) {
    out.push(heading(`Findings (${report.findings.length})`));
    report.findings.forEach((f) => {
      out.push(...renderFinding(f, m, paint, verbose));
      out.push('');
    });
  }

  out.push(heading('Steps'));
  out.push(...renderSteps(report, m, paint));
  out.push('');

  const clients = renderClients(report, m, paint);
  if (clients.length > 0) out.push(heading('Clients'), ...clients, '');

  const cert = renderCertificate(report, m, verbose);
  if (cert.length > 0) {
    out.push(heading('Certificate'), ...cert, '');
  }
  const details = renderDetails(report, m, verbose);
  if (details.length > 0) {
    out.push(heading('Details'), ...details, '');
  }
  if (report.addresses.length > 1) {
    out.push(heading('Addresses'), ...renderAddresses(report, m, paint), '');
  }
  const connections = renderConnections(report, { ok: paint('green', m.ok), fail: paint('red', m.fail) });
  if (connections.length > 0) out.push(heading('Connections'), ...connections, '');
  out.push(paint('dim', `sstp-probe ${report.tool.version} ${m.dash} ${report.startedAt} ${m.dash} ${Math.round(report.durationMs)} ms`));
  return `${out.join('\n')}\n`;
}

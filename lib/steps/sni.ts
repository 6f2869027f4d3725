import type { SecureContext } from 'node:tls';
import type { CertificateInfo, SniAttempt, SniComparison, StepResult, Target } from '../types.js';
import type { StepBound } from '../endings.js';
import { describeCertificateOrNull } from '../cert/describe.js';
import { certificateFitsHost, isIpLiteral } from '../cert/names.js';
import { tcpStep } from './tcp.js';
import { tlsStep } from './tls.js';

// The SNI comparison: when the handshake failed or the certificate does not fit the name, the same
// handshake with the other SNI choice tells a host-name binding (`hostnameport`) from an address binding
// (`ipport`) in HTTP.SYS. It runs beside the main path and costs it no round trip.

/** What the main path saw, which the comparison completes with the other SNI choice. */
export interface MainHandshake {
  address: string;
  /** The path went straight to the server (through a proxy there is no second handshake to make). */
  direct: boolean;
  steps: readonly StepResult[];
  certificate: CertificateInfo | null;
}

export interface SniOptions {
  bound: () => StepBound;
  signal?: AbortSignal;
  secureContext: () => SecureContext;
}

/** The comparison, or null when the main handshake needs none (or there is no other SNI choice). */
export async function compareSni(target: Target, main: MainHandshake, sni: string | null, options: SniOptions): Promise<SniComparison | null> {
  const tcpPassed = main.direct && main.steps.some((s) => s.name === 'tcp' && s.status === 'pass');
  const tlsFailed = main.steps.some((s) => s.name === 'tls' && s.status === 'fail');
  const certificateWrong = main.certificate !== null && (main.certificate.nameMatches === false || main.certificate.chainTrusted === false);
  if (!tcpPassed || !(tlsFailed || certificateWrong)) return null;
  const other = sni === null ? (isIpLiteral(target.host) ? null : target.host) : null;
  if (sni === null && other === null) return null;
  // Both handshakes are judged against the name the client dials, whatever SNI each one sent.
  const attempt = await handshakeOnly(main.address, target.port, other, sni ?? target.host, options);
  const seen: SniAttempt = {
    ok: !tlsFailed && main.certificate?.nameMatches !== false,
    code: main.steps.find((s) => s.name === 'tls')?.code ?? null,
    sha1: main.certificate?.sha1 ?? null,
  };
  return sni === null ? { withSni: attempt, withoutSni: seen } : { withSni: seen, withoutSni: attempt };
}

async function handshakeOnly(address: string, port: number, sni: string | null, dialled: string, options: SniOptions): Promise<SniAttempt> {
  const signal = options.signal ? { signal: options.signal } : {};
  const tcp = await tcpStep(address, port, { ...options.bound(), ...signal });
  if (!tcp.socket) return { ok: false, code: tcp.step.code, sha1: null };
  const tls = await tlsStep(tcp.socket, { sni, dialled, ...options.bound(), ...signal, secureContext: options.secureContext() });
  tls.socket?.destroy();
  tcp.socket.destroy();
  const certificate = tls.chain.length > 0 ? describeCertificateOrNull(tls.chain) : null;
  const nameFits = certificate ? certificateFitsHost(certificate, dialled) : null;
  return { ok: tls.step.status === 'pass' && nameFits !== false, code: tls.step.code, sha1: certificate?.sha1 ?? null };
}

import { isIP } from 'node:net';
import type { ProbeOptions } from '../lib/probe.js';
import type { Exporter } from '../lib/serve/server.js';
import { UsageError } from '../lib/errors.js';
import { parseTarget } from '../lib/target.js';
import { DEFAULT_CRITICAL_DAYS, DEFAULT_WARNING_DAYS, renderNagios, renderNagiosUnknown } from '../lib/report/nagios.js';
import { DEFAULT_LISTEN_HOST, DEFAULT_LISTEN_PORT, DEFAULT_MAX_CONCURRENT } from '../lib/serve/defaults.js';

// The CLI side of the monitoring modes: `sstp-probe serve` and `--format nagios`. The CLI parses the flags
// a probe takes and hands them here with its io; these functions return the exit code. Kept apart from the
// CLI module so that registering them there is a few lines. The probe and the server load only when used.

export interface MonitorIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** Cancelled on Ctrl-C. */
  signal?: AbortSignal;
  /** NODE_OPTIONS is read here: a heap flag of the user's own is left alone. */
  env?: Record<string, string | undefined>;
  /** True from the bin: the exporter's long run may then set the process's V8 flags. */
  ownsProcess?: boolean;
}

/** Where `serve` listens: an explicit host, or loopback when `--listen` names only a port. */
export interface ListenAddress {
  host: string;
  port: number;
  /** True when the address is reachable only from this machine. */
  loopback: boolean;
}

/**
 * `host:port`, `[v6]:port`, `host` (default port) or `:port` (loopback). An address off loopback is used
 * only when it is written out: the exporter probes whatever it is asked to, so it never opens to the
 * network by default or by omission.
 */
export function parseListen(text: string | undefined): ListenAddress {
  if (text === undefined) return { host: DEFAULT_LISTEN_HOST, port: DEFAULT_LISTEN_PORT, loopback: true };
  const value = text.trim();
  let host: string;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(value);
  if (bracketed) {
    host = bracketed[1]!;
    portText = bracketed[2];
  } else if ((value.match(/:/g) ?? []).length > 1) {
    throw new UsageError(`--listen "${text}": write an IPv6 address as [address]:port`);
  } else {
    const colon = value.indexOf(':');
    host = colon >= 0 ? value.slice(0, colon) : value;
    portText = colon >= 0 ? value.slice(colon + 1) : undefined;
  }
  if (host === '') host = DEFAULT_LISTEN_HOST;
  if (isIP(host) === 0 && !/^[a-z0-9]([a-z0-9.-]{0,252})$/i.test(host)) throw new UsageError(`--listen "${text}": "${host}" is not an address or host name`);
  let port = DEFAULT_LISTEN_PORT;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) throw new UsageError(`--listen "${text}": the port must be a number from 0 to 65535`);
    port = Number(portText);
  }
  return { host, port, loopback: isLoopback(host) };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

/**
 * `sstp-probe serve`: runs the exporter until Ctrl-C or SIGTERM, then cancels the probes in flight and
 * exits 0. `probeOptions` is called after serve's own flags are checked, so their errors come first.
 */
export async function runServe(args: Record<string, unknown>, probeOptions: () => Promise<ProbeOptions>, io: MonitorIo): Promise<number> {
  if (args.user !== undefined) throw new UsageError('serve never logs in: drop --user (credentials do not belong in a monitoring loop)');
  const listen = parseListen(args.listen === undefined ? undefined : String(args.listen));
  const maxConcurrent = args['max-concurrent'] === undefined ? DEFAULT_MAX_CONCURRENT : wholeNumber(args['max-concurrent'], '--max-concurrent', 1, 10_000);
  const options = await probeOptions();
  (await import('./heap.js')).keepHeapNearLiveSize(io);
  const { signal: cancelled, ...shared } = options;
  // SIGTERM is how service managers and containers stop a daemon: it ends this run like Ctrl-C does.
  const stop = new AbortController();
  const onTerm = (): void => stop.abort();
  process.once('SIGTERM', onTerm);
  const signals = [stop.signal, cancelled, io.signal].filter((signal): signal is AbortSignal => signal !== undefined);
  const signal = AbortSignal.any(signals);
  try {
    const { serve } = await import('../lib/serve/server.js');
    let exporter: Exporter;
    try {
      exporter = await serve({ host: listen.host, port: listen.port, maxConcurrent, probeOptions: shared });
    } catch (error) {
      if (error instanceof RangeError || error instanceof UsageError) throw new UsageError(error.message);
      throw new UsageError(`serve: ${(error as Error).message}`);
    }
    io.stderr.write(`sstp-probe: serving on ${exporter.url} (GET /probe?target=host[:port], /metrics); Ctrl-C or SIGTERM stops\n`);
    if (!listen.loopback) {
      io.stderr.write(`sstp-probe: ${listen.host} is not loopback: anyone who reaches it can make this host probe any address\n`);
    }
    if (!signal.aborted) await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    await exporter.close();
    io.stderr.write('sstp-probe: stopped\n');
    return 0;
  } finally {
    process.off('SIGTERM', onTerm);
  }
}

/** `--format nagios`: one target, one status line with perfdata, and the plugin API's exit code. */
export async function runNagios(given: string[], args: Record<string, unknown>, probeOptions: () => Promise<ProbeOptions & { port?: number }>, io: MonitorIo): Promise<number> {
  if (given.length !== 1 || args.targets !== undefined || args.shard !== undefined) {
    throw new UsageError('--format nagios checks one server: give exactly one target');
  }
  if (args.json === true) throw new UsageError('--format nagios and --json are two outputs: choose one');
  const warningDays = args['warning-days'] === undefined ? DEFAULT_WARNING_DAYS : wholeNumber(args['warning-days'], '--warning-days', 0, 3650);
  const criticalDays = args['critical-days'] === undefined ? DEFAULT_CRITICAL_DAYS : wholeNumber(args['critical-days'], '--critical-days', 0, 3650);
  if (criticalDays > warningDays) throw new UsageError(`--critical-days (${criticalDays}) must not exceed --warning-days (${warningDays})`);
  const options = await probeOptions();
  const target = parseTarget(given[0]!, options.port);
  const { probe } = await import('../lib/probe.js');
  const report = await probe(target, options);
  if (io.signal?.aborted) return nagiosUnknown('cancelled before the probe finished', io);
  const result = renderNagios(report, { warningDays, criticalDays });
  io.stdout.write(result.text);
  return result.exitCode;
}

/** A usage or internal error in Nagios mode: `SSTP UNKNOWN - ...` on stdout (what Nagios shows), exit 3. */
export function nagiosUnknown(message: string, io: MonitorIo): number {
  const result = renderNagiosUnknown(message);
  io.stdout.write(result.text);
  return result.exitCode;
}

function wholeNumber(value: unknown, flag: string, min: number, max: number): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < min || number > max) throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, not "${String(value)}"`);
  return number;
}

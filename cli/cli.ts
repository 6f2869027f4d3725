import { readFileSync } from 'node:fs';
import type { ProbeReport } from '../lib/types.js';
import type { SummaryRow } from './summary.js';
import { quoteInput, UsageError } from '../lib/errors.js';
import { VERSION } from '../lib/version.js';
import { parseTarget } from '../lib/target.js';
import type { ProbeOptions } from '../lib/probe.js';
import { validateClients } from '../lib/probe-options.js';
import { CLIENT_IDS } from '../lib/clients/profiles.js';
import type { ListedTarget } from '../lib/targets.js';
import { normalizeThumbprint } from '../lib/diagnose/thumbprint.js';
import { decodeNetshFile, parseNetshSslcert } from '../lib/diagnose/netsh.js';
import { MAX_CONNECTIONS } from '../lib/probe-options.js';

// argv in, exit code out. The bin wraps this with the real process; tests call it with their own streams.
// Startup cost matters for a CLI: only a few small modules load here; the probe (and with it node-forge, the
// diagnosis), the renderers and the demo are imported inside the handlers that use them, so `--help` and
// usage errors never pay for them. yargs parses every command line but the plainest probe (see plainProbeArgs).

// The defaults shown in --help, kept here so that --help does not load probe.ts and fleet.ts;
// test/cold-start.test.ts checks that they match the ones those modules apply.
export const HELP_DEFAULTS = { timeoutMs: 30_000, stepTimeoutMs: 10_000, concurrency: 32 } as const;

export const EXIT = { HEALTHY: 0, PROBLEM: 1, USAGE: 2, INTERNAL: 3, CANCELLED: 130 } as const;

export interface CliIo {
  /** `columns` is the terminal width, when stdout is one (help text wraps to it). */
  /**
   * `drained` resolves once what was written has been handed on (a pipe read slowly), so a long run streams
   * its reports instead of queueing them in memory; absent, nothing is waited for.
   */
  stdout: { write(text: string): unknown; isTTY?: boolean; columns?: number; drained?(): Promise<void> };
  stderr: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  env: Record<string, string | undefined>;
  /** Cancelled on Ctrl-C. */
  signal?: AbortSignal;
  /**
   * Aborted when the reader of stdout went away (EPIPE, as in `| head -1`): the run stops quietly and exits
   * as if everything had been read.
   */
  stdoutClosed?: AbortSignal;
  /** Read by `--targets -` and `--password-stdin`; on a terminal, raw mode hides a typed password. */
  stdin?: AsyncIterable<string | Buffer> & { isTTY?: boolean; setRawMode?(raw: boolean): unknown };
  /** True from the bin: long runs (many targets, the exporter) may then set the process's V8 flags. */
  ownsProcess?: boolean;
}

/** The signal every probe of a run listens to: Ctrl-C or a closed stdout. */
function runSignal(io: CliIo): AbortSignal | undefined {
  const signals = [io.signal, io.stdoutClosed].filter((signal): signal is AbortSignal => signal !== undefined);
  return signals.length > 1 ? AbortSignal.any(signals) : signals[0];
}

const interrupted = (io: CliIo): boolean => io.signal?.aborted === true;
const outputClosed = (io: CliIo): boolean => io.stdoutClosed?.aborted === true;

const EXAMPLES: Array<[string, string]> = [
  ['$0 vpn.contoso.com', 'probe the SSTP server on port 443'],
  ['$0 vpn.contoso.com:8443 --json', 'another port, machine-readable report'],
  ['$0 vpn.contoso.com --expect-sha1 "AB CD ..."', 'compare with the hash the server is configured with'],
  ['$0 vpn.contoso.com --netsh-sslcert sslcert.txt', 'compare with a saved `netsh http show sslcert`'],
  ['$0 203.0.113.7 --sni vpn.contoso.com', 'dial an address, present a name'],
  ['$0 demo', 'probe the bundled fixture server on loopback, one scenario per failure cause'],
  ['$0 vpn.contoso.com --proxy http://proxy.corp:3128', 'through an HTTP CONNECT proxy, as from a jump host'],
  ['$0 vpn.contoso.com --enumerate-auth', 'learn every authentication method the server allows'],
  ['$0 vpn.contoso.com --user CONTOSO\\alice --password-env VPN_PW', 'log in once and prove the crypto binding'],
  ['$0 vpn1.contoso.com vpn2.contoso.com:8443', 'several servers: one line each as they finish, then a table'],
  ['$0 --targets servers.txt --json > out.ndjson', 'a list (one host[:port] per line, # comments): one JSON report per line'],
  ['$0 --targets servers.txt --shard 2/4', 'the 2nd of 4 shards: every 4th target starting with the 2nd'],
  ['$0 serve --ca corp-root.pem', 'a Prometheus exporter on 127.0.0.1:9468: GET /probe?target=vpn.contoso.com'],
  ['$0 vpn.contoso.com --connections 6', 'six connections: do all servers behind the load balancer answer alike?'],
  ['$0 http://rras1.contoso.com --user CONTOSO\\alice --password-env VPN_PW --expect-sha256 <balancer SHA-256>', 'an offloaded RRAS over plain HTTP, binding to the balancer\'s certificate'],
  ['$0 vpn.contoso.com --format nagios', 'a Nagios/Icinga check: one status line, perfdata, exit 0/1/2/3'],
];

export async function runCli(rawArgv: string[], io: CliIo): Promise<number> {
  const color = wantsColor(io);
  // yargs drops a lone "-", so `--targets -` (stdin) reaches it as `--targets=-`.
  const argv = rawArgv.map((arg, index) => (arg === '-' && rawArgv[index - 1] === '--targets' ? null : arg === '--targets' && rawArgv[index + 1] === '-' ? '--targets=-' : arg))
    .filter((arg): arg is string => arg !== null);
  try {
    const plain = plainProbeArgs(argv);
    if (plain) return await probeCommand(plain, color, io);
    let exitCode: number = EXIT.HEALTHY;
    const { default: yargs } = await import('yargs');
    const parser = yargs(argv)
      .scriptName('sstp-probe')
      .usage('$0 <host[:port]> [options]\n$0 <host[:port]>... | --targets <file> [options]\n\nTells you why an SSTP VPN connection fails, walking the path a real client walks:\nDNS, TCP (or an HTTP proxy), TLS, SSTP_DUPLEX_POST, the SSTP control handshake, PPP LCP,\nand with --user authentication and the crypto binding.')
      .command(
        'demo',
        'start the bundled fixture SSTP server on loopback and probe each scenario',
        (y) => y
          .option('scenario', { type: 'string', array: true, describe: 'only these scenarios (by name)' })
          .option('list', { type: 'boolean', describe: 'list the scenarios and exit' }),
        async (args) => {
          checkFlags(args);
          const { runDemo } = await import('../fixtures/demo.js');
          const signal = runSignal(io);
          exitCode = await runDemo({
            json: Boolean(args.json),
            color,
            list: Boolean(args.list),
            scenarios: (args.scenario as string[] | undefined) ?? [],
            stepTimeoutMs: args['step-timeout'] as number | undefined,
          }, { stdout: io.stdout, ...(signal ? { signal } : {}) });
          if (interrupted(io)) {
            io.stderr.write('sstp-probe: demo cancelled: the scenarios above are all that ran\n');
            exitCode = EXIT.CANCELLED;
          }
        },
      )
      .command(
        'serve',
        'run a Prometheus exporter: GET /probe?target=host[:port] probes one server (see README)',
        (y) => y
          .option('listen', { type: 'string', describe: 'host:port to listen on (default 127.0.0.1:9468; an address off loopback only when named)' })
          .option('max-concurrent', { type: 'number', describe: 'probes at once; beyond that, 503 (default 16)' }),
        async (args) => {
          const { runServe } = await import('./serve-command.js');
          exitCode = await runServe(args, () => probeOptionsFrom(args, io), io);
        },
      )
      .command(
        '$0 [target..]',
        'probe one or more SSTP servers',
        (y) => y.positional('target', { type: 'string', array: true, describe: 'host name or address, optionally with :port' }),
        async (args) => {
          exitCode = await probeCommand(args, color, io);
        },
      )
      // An option with a `default` must give the same default in plainProbeArgs (the run parsed without yargs).
      .option('port', { alias: 'p', type: 'number', describe: 'port (default 443, or the one in the target)' })
      .option('json', { type: 'boolean', describe: 'print the report as JSON (schema: schema/report.schema.json)' })
      .option('timeout', { type: 'number', describe: `deadline for the whole probe in ms (default ${HELP_DEFAULTS.timeoutMs})` })
      .option('step-timeout', { type: 'number', describe: `deadline for each step in ms (default ${HELP_DEFAULTS.stepTimeoutMs})` })
      .option('targets', { type: 'string', describe: 'file listing targets, one host[:port] per line (# comments, blank lines ok; - reads stdin)' })
      .option('concurrency', { type: 'number', describe: `how many targets are probed at once (default ${HELP_DEFAULTS.concurrency})` })
      .option('shard', { type: 'string', describe: 'i/n: probe only every n-th target, starting with the i-th (1 <= i <= n), to split a list across n jobs' })
      .option('sni', { type: 'string', describe: 'server name to send in TLS (default: the host name); --no-sni sends none' })
      .option('all-addresses', { type: 'boolean', default: true, describe: 'probe every resolved address (--no-all-addresses: only the first)' })
      .option('connections', { type: 'string', describe: `connections per address up to the SSTP Ack, to see every server behind a load balancer (default 1, at most ${MAX_CONNECTIONS}); PPP and --user on the first only` })
      .option('expect-sha1', { type: 'string', describe: 'SHA-1 certificate hash the server is configured with' })
      .option('expect-sha256', { type: 'string', describe: 'SHA-256 certificate hash the server is configured with' })
      .option('netsh-sslcert', { type: 'string', describe: 'file with the output of `netsh http show sslcert` from the server' })
      .option('proxy', { type: 'string', describe: 'HTTP CONNECT proxy, http://[user:pass@]host:port or https://... (default: HTTPS_PROXY, minus NO_PROXY); --no-proxy for none' })
      .option('proxy-user', { type: 'string', describe: 'proxy user name, DOMAIN\\user or user@domain for NTLM (replaces one in the proxy URL)' })
      .option('proxy-password-env', { type: 'string', describe: 'name of the environment variable holding the proxy password' })
      .option('ca', { type: 'string', array: true, describe: 'PEM file of extra trusted CA certificates (repeatable)' })
      .option('ca-system', { type: 'boolean', describe: 'also trust the OS trust store (Node 22.15+; older Node: the system CA bundle file); on by default on Windows; NODE_EXTRA_CA_CERTS is always honoured' })
      .option('clients', { type: 'string', describe: `the SSTP clients you have, comma-separated (${CLIENT_IDS.join(', ')}; default all three): the exit code follows the Windows ones, the others are warnings` })
      .option('revocation', { type: 'boolean', default: true, describe: 'ask the certificate\'s CRL / OCSP locations as Windows clients do, beside the other steps; --no-revocation skips it' })
      .option('ppp', { type: 'boolean', default: true, describe: 'after the Ack, read the PPP LCP offer (the authentication method the server wants); --no-ppp stops at the SSTP handshake' })
      .option('enumerate-auth', { type: 'boolean', describe: 'refuse the offered authentication method, a few bounded rounds, to learn every method the server allows' })
      .option('user', { type: 'string', describe: 'log in once as DOMAIN\\name or name (MS-CHAPv2, CHAP-MD5 or PAP) and check the crypto binding' })
      .option('password-env', { type: 'string', describe: 'name of the environment variable holding the --user password' })
      .option('password-stdin', { type: 'boolean', describe: 'read the --user password from standard input (first line)' })
      .option('insecure', { type: 'boolean', describe: 'send the credentials even when the server certificate fails validation' })
      .option('password', { type: 'string', hidden: true, coerce: refusePasswordFlag })
      .option('format', { type: 'string', choices: ['nagios'], describe: 'nagios: one status line with perfdata and the plugin exit codes (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN)' })
      .option('warning-days', { type: 'number', describe: 'with --format nagios: WARNING when the certificate expires within this many days (default 30)' })
      .option('critical-days', { type: 'number', describe: 'with --format nagios: CRITICAL when the certificate expires within this many days (default 7)' })
      .example(EXAMPLES)
      .epilog('Exit codes: 0 healthy, 1 a problem was found, 2 usage error, 3 internal error, 130 cancelled (Ctrl-C).\nSeveral targets: exit 0 only when every one is healthy; a host:port listed twice is probed once.\nDEBUG=sstp-probe:* shows what happens on the wire.')
      .version(VERSION)
      .alias('h', 'help')
      .alias('V', 'version')
      .strict()
      .wrap(Math.min(110, io.stdout.columns ?? 100))
      .exitProcess(false)
      .fail((message, error) => {
        throw error ?? new UsageError(yargsMessage(message));
      });
    let printed = '';
    await parser.parseAsync(argv, {}, (error, _args, output) => {
      if (error) throw error;
      printed = output;
    });
    if (printed) io.stdout.write(`${printed}\n`);
    return exitCode;
  } catch (error) {
    if (rawArgv.some((arg, index) => arg === '--format=nagios' || (arg === '--format' && rawArgv[index + 1] === 'nagios'))) {
      const { nagiosUnknown } = await import('./serve-command.js');
      return nagiosUnknown((error as Error).message ?? String(error), io);
    }
    if (error instanceof UsageError || (error as { name?: string }).name === 'YError') {
      // yargs repeats the arguments it refuses as given: they are cut and escaped like ours.
      const message = error instanceof UsageError ? error.message : yargsMessage((error as Error).message);
      io.stderr.write(`sstp-probe: ${message}\nTry 'sstp-probe --help'.\n`);
      return EXIT.USAGE;
    }
    io.stderr.write(`sstp-probe: internal error: ${(error as Error).message ?? String(error)}\n`);
    if (io.env.DEBUG) io.stderr.write(`${(error as Error).stack ?? ''}\n`);
    return EXIT.INTERNAL;
  }
}

/** The default command: one target probed and reported, several (or a list) as a fleet, or a Nagios check. */
async function probeCommand(args: Record<string, unknown>, color: boolean, io: CliIo): Promise<number> {
  checkFlags(args);
  const given = ((args.target as unknown[] | undefined) ?? []).map(String);
  if (args.format === 'nagios') {
    const { runNagios } = await import('./serve-command.js');
    return runNagios(given, args, () => probeOptionsFrom(args, io), io);
  }
  if (given.length !== 1 || args.targets !== undefined || args.shard !== undefined) {
    return runFleet(given, args, color, io);
  }
  const options = await probeOptionsFrom(args, io);
  const target = parseTarget(given[0]!, options.port);
  const { probe } = await import('../lib/probe.js');
  const report = await probe(target, options);
  const exitCode = await emitReport(report, Boolean(args.json), color, io);
  if (interrupted(io)) {
    // What was seen before Ctrl-C is still shown, but it is not a verdict.
    io.stderr.write('sstp-probe: cancelled before the probe finished: the report above is incomplete\n');
    return EXIT.CANCELLED;
  }
  return exitCode;
}

/**
 * The plainest probe, one `host[:port]` with at most --json and --ca FILE (the way a script or a monitor runs
 * it), parsed without yargs, whose loading is a sixth of such a run's CPU time. The arguments are those yargs
 * would give the handler (test/cli-plain-args.test.ts compares them); anything else, or anything doubtful in
 * these (a flag twice, a value that looks like a flag), returns null and goes to yargs.
 */
export function plainProbeArgs(argv: readonly string[]): Record<string, unknown> | null {
  const targets: string[] = [];
  const ca: string[] = [];
  let json = false;
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index]!;
    if (arg === '--json') {
      if (json) return null;
      json = true;
    } else if (arg === '--ca' && index + 1 < argv.length && PLAIN_VALUE.test(argv[index + 1]!)) ca.push(argv[++index]!);
    else if (arg.startsWith('--ca=') && PLAIN_VALUE.test(arg.slice('--ca='.length))) ca.push(arg.slice('--ca='.length));
    else if (PLAIN_VALUE.test(arg) && !COMMAND_NAMES.has(arg)) targets.push(arg);
    else return null;
  }
  if (targets.length !== 1) return null;
  return {
    target: targets,
    ...(json ? { json: true } : {}),
    ...(ca.length > 0 ? { ca } : {}),
    // The defaults of the option table below.
    'all-addresses': true,
    revocation: true,
    ppp: true,
  };
}

/** A value yargs takes as it is: not a flag, not a number it could read otherwise, nothing to trim or split. */
const PLAIN_VALUE = /^[A-Za-z0-9_./\[\]][A-Za-z0-9_.:/\[\]%-]*$/;
// The commands, and the word yargs answers with the help.
const COMMAND_NAMES = new Set(['demo', 'serve', 'help']);

/** yargs's own message, with the arguments it repeats cut and escaped (a coerce error keeps its length). */
function yargsMessage(message: string): string {
  const refused = /^(Unknown arguments?: |Not enough arguments following: )([\s\S]*)$/.exec(message);
  return refused ? `${refused[1]}${quoteInput(refused[2]!)}` : quoteInput(message, 1_000);
}

/** The flags a run takes once; `--ca` and `demo --scenario` may repeat. */
const SINGLE_FLAGS = [
  'port', 'json', 'timeout', 'step-timeout', 'targets', 'concurrency', 'shard', 'sni', 'all-addresses', 'connections', 'expect-sha1',
  'expect-sha256', 'netsh-sslcert', 'proxy', 'proxy-user', 'proxy-password-env', 'ca-system', 'revocation', 'ppp',
  'clients', 'enumerate-auth', 'user', 'password-env', 'password-stdin', 'insecure', 'list',
] as const;

/**
 * What holds whatever the kind of run: no flag given twice (yargs would make "2,3" of `-p 2 -p 3`), no empty
 * --proxy (it would silently fall back to HTTPS_PROXY), and --concurrency checked with one target as with many.
 */
function checkFlags(args: Record<string, unknown>): void {
  for (const flag of SINGLE_FLAGS) {
    if (Array.isArray(args[flag])) throw new UsageError(`--${flag} was given twice: give it once`);
  }
  if (args.proxy === '' || args.proxy === true) throw new UsageError('--proxy needs a URL, http://host:port (use --no-proxy for none)');
  if (args.concurrency !== undefined) positiveInteger(args.concurrency, '--concurrency', 100_000);
}

async function probeOptionsFrom(args: Record<string, unknown>, io: CliIo): Promise<ProbeOptions & { port?: number }> {
  const options: ProbeOptions & { port?: number } = {};
  if (args.port !== undefined) options.port = positiveInteger(args.port, '--port', 65535);
  if (args.timeout !== undefined) options.timeoutMs = positiveInteger(args.timeout, '--timeout');
  if (args['step-timeout'] !== undefined) options.stepTimeoutMs = positiveInteger(args['step-timeout'], '--step-timeout');
  if (args.sni === false) options.sni = null;
  else if (typeof args.sni === 'string') {
    if (args.sni.trim() === '') throw new UsageError('--sni needs a name (use --no-sni to send none)');
    options.sni = args.sni.trim();
  }
  options.allAddresses = args['all-addresses'] !== false;
  if (args.connections !== undefined) options.connections = positiveInteger(args.connections, '--connections', MAX_CONNECTIONS);
  if (args['expect-sha1'] !== undefined) options.expectSha1 = thumbprintFlag(args['expect-sha1'], '--expect-sha1', 40);
  if (args['expect-sha256'] !== undefined) options.expectSha256 = thumbprintFlag(args['expect-sha256'], '--expect-sha256', 64);
  if (typeof args['netsh-sslcert'] === 'string') {
    const file = String(args['netsh-sslcert']);
    try {
      options.netshBindings = parseNetshSslcert(decodeNetshFile(readFileBytes(file, '--netsh-sslcert')));
    } catch (error) {
      if (!(error instanceof UsageError) || error.message.startsWith('--netsh-sslcert')) throw error;
      throw new UsageError(`--netsh-sslcert: "${quoteInput(file)}" ${error.message}`);
    }
    if (options.netshBindings.length === 0) {
      throw new UsageError(`--netsh-sslcert: "${quoteInput(file)}" holds no certificate binding; save the output of 'netsh http show sslcert' run on the server`);
    }
  }
  const caFiles = (args.ca as string[] | undefined) ?? [];
  if (caFiles.length > 0) {
    const { caFileCertificates } = await import('../lib/cert-online/trust-store.js');
    options.trustedCaPems = caFiles.flatMap((file) => {
      const read = caFileCertificates(readTextFile(file, '--ca'));
      if ('problem' in read) throw new UsageError(`--ca: "${quoteInput(file)}" ${read.problem}`);
      return read.pems;
    });
  }
  if (args['ca-system'] === true) {
    // Loaded only here: --help and runs without the flag never pay for the certificate code.
    const { systemCaProblem } = await import('../lib/trust.js');
    const problem = systemCaProblem();
    if (problem !== null) throw new UsageError(`--ca-system: ${problem}`);
    options.systemCa = true;
  } else if (args['ca-system'] === false) options.systemCa = false;
  if (args.revocation === false) options.revocation = false;
  if (args.clients !== undefined) options.clients = clientsFlag(args.clients);
  if (args.proxy === false) options.proxy = false;
  else if (typeof args.proxy === 'string') options.proxy = args.proxy;
  if (typeof args['proxy-user'] === 'string') options.proxyUser = args['proxy-user'];
  if (args['proxy-password-env'] !== undefined) options.proxyPassword = secretFromEnv(String(args['proxy-password-env']), '--proxy-password-env', io);
  options.env = io.env;
  const signal = runSignal(io);
  if (signal) options.signal = signal;
  Object.assign(options, await pppOptionsFrom(args, io));
  return options;
}

/** `--password` exists only to be refused, whatever its value, which is never echoed. */
function refusePasswordFlag(): never {
  throw new UsageError('--password is not accepted: a password on the command line is visible to other users (ps, /proc) and stays in shell history; use --password-env VAR or --password-stdin');
}

/** --clients windows-11,sstpc: known profile ids, each once; an unknown one is a usage error naming the valid ids. */
function clientsFlag(value: unknown): string[] {
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`--clients needs profile ids separated by commas (${CLIENT_IDS.join(', ')})`);
  const ids = [...new Set(value.split(',').map((id) => id.trim()).filter((id) => id !== ''))];
  try {
    validateClients(ids);
  } catch (error) {
    throw new UsageError(`--clients: ${quoteInput((error as Error).message)}`);
  }
  return ids;
}

/** --no-ppp, --enumerate-auth, and one login: --user with its password from the environment or stdin only. */
async function pppOptionsFrom(args: Record<string, unknown>, io: CliIo): Promise<Pick<ProbeOptions, 'ppp' | 'enumerateAuth' | 'credentials' | 'insecure'>> {
  const out: Pick<ProbeOptions, 'ppp' | 'enumerateAuth' | 'credentials' | 'insecure'> = { ppp: args.ppp !== false };
  const enumerate = args['enumerate-auth'] === true;
  if (enumerate && !out.ppp) throw new UsageError('--enumerate-auth needs the PPP step: drop --no-ppp');
  if (enumerate) out.enumerateAuth = true;
  if (args.insecure === true) out.insecure = true;
  const fromEnv = args['password-env'];
  const fromStdin = args['password-stdin'] === true;
  if (args.user === undefined) {
    if (fromEnv !== undefined || fromStdin) throw new UsageError('a password was given without --user');
    return out;
  }
  const userName = String(args.user).trim();
  if (userName === '') throw new UsageError('--user needs a name (DOMAIN\\name or name)');
  if (!out.ppp) throw new UsageError('--user needs the PPP step: drop --no-ppp');
  if (enumerate) throw new UsageError('--enumerate-auth learns the methods without logging in: use it without --user');
  const targetCount = ((args.target as unknown[] | undefined) ?? []).length;
  if (targetCount !== 1 || args.targets !== undefined || args.shard !== undefined) {
    throw new UsageError('--user logs in to one server: give exactly one target');
  }
  if (fromEnv !== undefined && fromStdin) throw new UsageError('give the password one way: --password-env or --password-stdin');
  let password: string;
  if (fromEnv !== undefined) password = secretFromEnv(String(fromEnv), '--password-env', io);
  else if (fromStdin) {
    if (!io.stdin) throw new UsageError('--password-stdin: standard input is not available');
    password = await readPasswordLine(io, userName);
  } else {
    throw new UsageError('--user needs a password: --password-env VAR or --password-stdin (never on the command line)');
  }
  out.credentials = { userName, password };
  return out;
}

async function emitReport(report: ProbeReport, json: boolean, color: boolean, io: CliIo): Promise<number> {
  if (json) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else {
    const { renderText } = await import('../lib/report/text.js');
    io.stdout.write(renderText(report, { color }));
  }
  return report.ok ? EXIT.HEALTHY : EXIT.PROBLEM;
}

/**
 * Several targets (arguments and/or --targets): each is probed once (duplicates are dropped, first
 * occurrence kept), --shard keeps its share, and results stream out as they finish: NDJSON with --json,
 * else one line per target and a table at the end. Exit 0 only when every target probed is ok.
 */
async function runFleet(given: string[], args: Record<string, unknown>, color: boolean, io: CliIo): Promise<number> {
  const targets = await import('../lib/targets.js');
  const options = await probeOptionsFrom(args, io);
  const file = args.targets === undefined ? null : String(args.targets);
  if (file === '') throw new UsageError('--targets needs a file name (or - for standard input)');
  const listed: ListedTarget[] = targets.parseTargetArgs(given, options.port);
  if (file !== null) {
    const text = file === '-' ? await readStdin(io) : readTextFile(file, '--targets');
    listed.push(...targets.parseTargetList(text, { port: options.port, source: `--targets ${file === '-' ? '(stdin)' : quoteInput(file)}` }));
    if (listed.length === 0) throw new UsageError(`--targets ${file === '-' ? '(stdin)' : quoteInput(file)}: the list holds no target`);
  }
  if (listed.length === 0) throw new UsageError('give a target (host[:port]), several, or --targets <file>');
  const shard = args.shard === undefined ? null : targets.parseShard(String(args.shard));
  const concurrency = args.concurrency === undefined ? HELP_DEFAULTS.concurrency : positiveInteger(args.concurrency, '--concurrency', 100_000);
  const json = Boolean(args.json);
  const { unique, duplicates } = targets.dedupeTargets(listed);
  const chosen = shard ? targets.selectShard(unique, shard) : unique;
  if (duplicates.length && json) io.stderr.write(`sstp-probe: ${duplicates.length} duplicate target(s) probed once\n`);
  if (chosen.length === 0) {
    io.stderr.write(`sstp-probe: shard ${shard!.index}/${shard!.count} of ${unique.length} target(s) is empty: nothing to probe\n`);
    return EXIT.HEALTHY;
  }

  const [{ probeMany }, { probe }, { ndjsonLine }, summary, { createProgressLine }, { keepHeapNearLiveSize }] = await Promise.all([
    import('../lib/fleet.js'),
    import('../lib/probe.js'),
    import('./ndjson.js'),
    import('./summary.js'),
    import('./progress.js'),
    import('./heap.js'),
  ]);
  if (chosen.length > 1) keepHeapNearLiveSize(io);
  const started = performance.now();
  // On stderr, and only on a terminal; with --json only when stdout goes elsewhere, so it never mixes into it.
  const progress = createProgressLine(io.stderr, { enabled: !json || !io.stdout.isTTY });
  // Only a small row per finished target is kept, for the table (none with --json), so a long list does not
  // hold every report: 100,000 targets fit like 1,000.
  const finished: Array<{ key: string; row: SummaryRow }> = [];
  let finishedCount = 0;
  // probeMany drops the reports of probes cut short by a cancel; the CLI still shows them, as cancelled.
  const cut: ProbeReport[] = [];
  let failed = 0;
  const state = () => ({ done: finishedCount, total: chosen.length, failed, elapsedMs: performance.now() - started });
  const onStep = (): void => progress.update(state());
  const probeOne: typeof probe = async (target, probeOptions) => {
    const report = await probe(target, probeOptions);
    if (probeOptions?.signal?.aborted) cut.push(report);
    return report;
  };
  for await (const report of probeMany(chosen.map((entry) => entry.target), { ...options, concurrency, onStep, probe: probeOne })) {
    finishedCount++;
    if (!json) finished.push({ key: targets.targetKey(report.target), row: summary.summaryRow(report) });
    if (!report.ok) failed++;
    progress.around(() => io.stdout.write(json ? ndjsonLine(report) : summary.formatResultLine(report, { color })));
    progress.update(state());
    await io.stdout.drained?.();
  }
  progress.clear();
  // The reader went away (| head): nothing more to say, and the verdict is that of what was read.
  if (outputClosed(io)) return failed === 0 ? EXIT.HEALTHY : EXIT.PROBLEM;
  const cancelled = interrupted(io);
  const inFlight = cancelled ? cut : [];
  for (const report of inFlight) {
    io.stdout.write(json ? ndjsonLine(report) : summary.formatResultLine(report, { color, cancelled: true }));
    finishedCount++;
    if (!json) finished.push({ key: targets.targetKey(report.target), row: { ...summary.summaryRow(report), cancelled: true } });
  }
  const notProbed = chosen.length - finishedCount;
  if (!json) {
    const order = new Map(chosen.map((entry, index) => [targets.targetKey(entry.target), index]));
    const inOrder = [...finished].sort((a, b) => order.get(a.key)! - order.get(b.key)!).map((entry) => entry.row);
    const footer = { elapsedMs: performance.now() - started, duplicates: duplicates.length, notProbed };
    io.stdout.write(`\n${summary.renderSummary(inOrder, footer, { color })}`);
  }
  if (cancelled || notProbed > 0) {
    const done = finishedCount - inFlight.length;
    io.stderr.write(`sstp-probe: cancelled: the run is incomplete: ${done} of ${chosen.length} target(s) finished, ${inFlight.length} cut short, ${notProbed} not probed\n`);
    return EXIT.CANCELLED;
  }
  return failed === 0 ? EXIT.HEALTHY : EXIT.PROBLEM;
}

/**
 * The first line of stdin, without waiting for the end of input (a pipe may stay open). On a terminal the
 * prompt goes to stderr and the typed characters are not echoed (raw mode), as ssh and sudo do.
 */
async function readPasswordLine(io: CliIo, userName: string): Promise<string> {
  const stdin = io.stdin!;
  const terminal = stdin.isTTY === true && typeof stdin.setRawMode === 'function';
  if (terminal) {
    io.stderr.write(`Password for ${quoteInput(userName)}: `);
    stdin.setRawMode!(true);
  }
  const decoder = new TextDecoder();
  let line = '';
  let ended = false;
  try {
    for await (const chunk of stdin) {
      const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
      for (const char of text) {
        if (char === '\n' || char === '\r') {
          ended = true;
          break;
        }
        // Raw mode delivers Ctrl-C and Ctrl-D as bytes instead of signals.
        if (terminal && char === '\u0003') throw new UsageError('--password-stdin: cancelled');
        if (terminal && char === '\u0004') {
          ended = true;
          break;
        }
        if (terminal && (char === '\u007f' || char === '\b')) line = line.slice(0, -1);
        else line += char;
      }
      if (ended) break;
    }
  } finally {
    if (terminal) {
      stdin.setRawMode!(false);
      io.stderr.write('\n');
    }
  }
  if (line === '') throw new UsageError('--password-stdin: standard input held no password');
  return line;
}

async function readStdin(io: CliIo): Promise<string> {
  if (!io.stdin) throw new UsageError('--targets -: standard input is not available');
  let text = '';
  const decoder = new TextDecoder();
  for await (const chunk of io.stdin) text += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
  return text + decoder.decode();
}

function thumbprintFlag(value: unknown, flag: string, digits: 40 | 64): string {
  let normalized: string;
  try {
    normalized = normalizeThumbprint(String(value));
  } catch (error) {
    throw new UsageError(`${flag}: ${(error as Error).message}`);
  }
  if (normalized.length !== digits) throw new UsageError(`${flag} takes ${digits} hex digits, "${quoteInput(String(value))}" has ${normalized.length}`);
  return normalized;
}

/** A secret named by an environment variable, so it never sits in argv or shell history. */
function secretFromEnv(name: string, flag: string, io: CliIo): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new UsageError(`${flag} takes the NAME of an environment variable, not a value`);
  const value = io.env[name];
  if (value === undefined || value === '') throw new UsageError(`${flag}: the environment variable ${quoteInput(name)} is not set`);
  return value;
}

function positiveInteger(value: unknown, flag: string, max = Number.MAX_SAFE_INTEGER): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1 || number > max) {
    throw new UsageError(`${flag} must be a whole number from 1 to ${max}, not "${quoteInput(String(value))}"`);
  }
  return number;
}

export function readTextFile(file: string, flag: string): string {
  return new TextDecoder().decode(readFileBytes(file, flag));
}

function readFileBytes(file: string, flag: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : (code ?? 'unreadable');
    throw new UsageError(`${flag}: cannot read "${quoteInput(file)}": ${why}`);
  }
}

function wantsColor(io: CliIo): boolean {
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false;
  if (io.env.FORCE_COLOR !== undefined && io.env.FORCE_COLOR !== '0') return true;
  return Boolean(io.stdout.isTTY);
}

// Fix steps with the real values filled in. The Event 8 page writes "certhash=xxx"; we know the
// thumbprint the server presented (or the one the administrator expects), the port and the host name,
// so the commands come out ready to paste. A placeholder appears only when the value is unknown.

import { isIpLiteral } from '../cert/names.js';
import { bracketHost, formatHostPort } from '../target.js';

export const SSTP_APP_ID = '{ba195980-cd49-458b-9e23-c84ee0adcd75}';
export const SSTP_URL_PATH = '/sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/';
export const SSTP_PARAMETERS_KEY = 'HKLM\\System\\CurrentControlSet\\Services\\Sstpsvc\\Parameters';
export const SSTP_CONFIG_STORE_KEY = 'HKEY_LOCAL_MACHINE\\System\\CurrentControlSet\\Services\\SstpSvc\\Parameters\\ConfigStore';

export const UNKNOWN_SHA1 = '<SHA-1 thumbprint of the SSTP certificate>';

export interface BindingSpec {
  port: number;
  /** Host name for a hostnameport (SNI) binding; omitted or an IP literal means ipport bindings only. */
  host?: string | null;
  /** SHA-1 thumbprint to bind; null when not known (a placeholder is printed instead). */
  sha1: string | null;
  /** Placeholder text for an unknown thumbprint (default UNKNOWN_SHA1). */
  placeholder?: string;
}

/** A host name that can carry a hostnameport binding, or null. */
export function bindableHost(host: string | null | undefined): string | null {
  return host && !isIpLiteral(host) ? host : null;
}

/** The SSTP URL as a browser would open it (the page's reachability check). */
export function sstpUrl(host: string, port: number): string {
  return `https://${port === 443 ? bracketHost(host) : formatHostPort(host, port)}${SSTP_URL_PATH}`;
}

/** The two `netsh http add sslcert` wildcard commands (IPv4 and IPv6), plus the hostnameport one when asked. */
export function netshAddCommands(spec: BindingSpec): string[] {
  const hash = spec.sha1 ?? spec.placeholder ?? UNKNOWN_SHA1;
  const commands = [
    `netsh http add sslcert ipport=0.0.0.0:${spec.port} certhash=${hash} appid=${SSTP_APP_ID} certstorename=MY`,
    `netsh http add sslcert ipport=[::]:${spec.port} certhash=${hash} appid=${SSTP_APP_ID} certstorename=MY`,
  ];
  const host = bindableHost(spec.host);
  if (host) {
    commands.push(
      `netsh http add sslcert hostnameport=${host}:${spec.port} certhash=${hash} appid=${SSTP_APP_ID} certstorename=MY`,
    );
  }
  return commands;
}

/** The matching `netsh http delete sslcert` commands. */
export function netshDeleteCommands(port: number, host?: string | null): string[] {
  const commands = [`netsh http delete sslcert ipport=0.0.0.0:${port}`, `netsh http delete sslcert ipport=[::]:${port}`];
  const name = bindableHost(host);
  if (name) commands.push(`netsh http delete sslcert hostnameport=${name}:${port}`);
  return commands;
}

/** `netsh http show sslcert` for the bindings that matter to this endpoint. */
export function netshShowCommands(port: number, host?: string | null): string[] {
  const commands = [`netsh http show sslcert ipport=0.0.0.0:${port}`, `netsh http show sslcert ipport=[::]:${port}`];
  const name = bindableHost(host);
  if (name) commands.push(`netsh http show sslcert hostnameport=${name}:${port}`);
  return commands;
}

export const RESTART_RRAS_STEP =
  'Restart Routing and Remote Access so it reads the certificate bound to the HTTPS listener and records its hashes for crypto binding: rrasmgmt.msc → Server Status → right-click the server → All Tasks → Restart (or PowerShell: Restart-Service RemoteAccess).';

/** Registry values RRAS compares the client's crypto binding against, with the values they should hold. */
export function registryHashSteps(sha1: string | null, sha256: string | null): string[] {
  const read = `[BitConverter]::ToString((Get-ItemProperty 'HKLM:\\System\\CurrentControlSet\\Services\\SstpSvc\\Parameters').`;
  const steps: string[] = [];
  steps.push(
    `Compare ${SSTP_PARAMETERS_KEY}\\Sha1CertificateHash (REG_BINARY) with ${sha1 ?? 'the SHA-1 of the certificate clients see'}: PowerShell ${read}Sha1CertificateHash) -replace '-'`,
  );
  steps.push(
    `Compare ${SSTP_PARAMETERS_KEY}\\Sha256CertificateHash (REG_BINARY) with ${sha256 ?? 'the SHA-256 of the certificate clients see'}: PowerShell ${read}Sha256CertificateHash) -replace '-'`,
  );
  return steps;
}

export interface RebindSpec extends BindingSpec {
  /** SHA-256 of the certificate to bind, for the registry comparison; null when unknown. */
  sha256: string | null;
}

/**
 * The page's "Configure the server with an SSTP certificate" sequence, with real values: remove the
 * HTTPS listener bindings and RRAS's recorded hashes, bind the certificate, restart RRAS, check the registry.
 */
export function rebindSteps(spec: RebindSpec): string[] {
  const hash = spec.sha1 ?? spec.placeholder ?? UNKNOWN_SHA1;
  return [
    spec.sha1
      ? `On the RRAS server, make sure the certificate with SHA-1 thumbprint ${spec.sha1} is in Local Computer\\Personal (certlm.msc) with its private key.`
      : `On the RRAS server, install the certificate in Local Computer\\Personal (certlm.msc) with its private key and note its SHA-1 Thumbprint (Details tab): it replaces ${hash} below.`,
    ...netshDeleteCommands(spec.port, spec.host).map((c) => `Remove the old HTTPS listener binding (elevated prompt): ${c}`),
    `Remove RRAS's recorded hashes: delete the values ${SSTP_PARAMETERS_KEY}\\Sha256CertificateHash and ${SSTP_PARAMETERS_KEY}\\Sha1CertificateHash, if present.`,
    ...netshAddCommands(spec).map((c) => `Bind the certificate: ${c}`),
    RESTART_RRAS_STEP,
    ...registryHashSteps(spec.sha1, spec.sha256).map((s) => `After the restart: ${s}`),
  ];
}

/** Server-side checks the client cannot see, named after the Event 8 page's Diagnose list. */
export const SERVER_CHECKS = {
  httpSys:
    'Server-side: check that the HTTP.SYS driver is loaded and running (sc query http) and that SSTP has registered its URL (netsh http show servicestate shows ' +
    `https://+:<port>${SSTP_URL_PATH}).`,
  sstpService:
    'Server-side: check that the Secure Socket Tunneling Protocol service and Routing and Remote Access are running (sc query SstpSvc; sc query RemoteAccess), and look for RasSstp events in the System log.',
  configStore:
    `Server-side: check ${SSTP_CONFIG_STORE_KEY}, where SSTP keeps its state; if it is damaged SSTP reverts to defaults. Its ServerURL value should be https://<servername>${SSTP_URL_PATH}, and the System account needs read/write permission on the key.`,
  parametersPermissions:
    'Server-side: in the Registry Editor, check that the System account has read/write permission on HKEY_LOCAL_MACHINE\\System\\CurrentControlSet\\Services\\SstpSvc\\Parameters and its values (Sha1CertificateHash, Sha256CertificateHash, ConfigStore).',
  sstpPorts:
    'Server-side: in Routing and Remote Access → Ports → Properties, check that WAN Miniport (SSTP) is enabled for remote access connections and has free ports.',
} as const;

/** The server-side checks, with the real port and host filled in. */
export function serverCheck(name: keyof typeof SERVER_CHECKS, host: string, port: number): string {
  return SERVER_CHECKS[name].replace('<port>', String(port)).replace('<servername>', port === 443 ? host : formatHostPort(host, port));
}

/** The URL ACL commands of the page's "Set permissions for the specified URL for SSTPSVC". */
export function urlAclSteps(port: number): string[] {
  const url = `https://+:${port}${SSTP_URL_PATH}`;
  return [
    `Server-side: list the URL reservations (netsh http show urlacl) and look for ${url}.`,
    `Server-side: if it is missing, reserve it for the account the SSTP service runs as (sc qc SstpSvc shows it under SERVICE_START_NAME): netsh http add urlacl url=${url} user=<that account>`,
  ];
}

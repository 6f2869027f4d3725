// The trust anchors a judgement uses, gathered the way the user's own client would have them: Node's
// bundled roots, the CA files the user names, optionally the platform store (--ca-system), and the file
// NODE_EXTRA_CA_CERTS names. Node adds that last one to its own verifier at start-up, but
// tls.rootCertificates does not list it, so it is read here. Files are read through a seam so tests
// need no real /etc.

import { existsSync, readFileSync } from 'node:fs';
import type { TrustAnchorsInfo } from '../types.js';
import { prepareAnchors, type PreparedAnchors } from '../cert/judge.js';

/** Where Linux distributions (and macOS / the BSDs) keep the system CA bundle, most common first. */
export const SYSTEM_CA_FILES = [
  '/etc/ssl/certs/ca-certificates.crt', // Debian, Ubuntu, Alpine, Arch
  '/etc/pki/tls/certs/ca-bundle.crt', // Fedora, RHEL
  '/etc/ssl/ca-bundle.pem', // openSUSE
  '/etc/ssl/cert.pem', // macOS, the BSDs, Alpine
] as const;

export interface TrustStoreFiles {
  exists(path: string): boolean;
  read(path: string): string;
}

export const REAL_FILES: TrustStoreFiles = {
  exists: (path) => existsSync(path),
  read: (path) => readFileSync(path, 'latin1'),
};

export interface TrustAnchors {
  /** Every anchor, PEM: bundled first. */
  pems: string[];
  /** The anchors beyond Node's bundled roots (what the TLS step must be told about). */
  extraPems: string[];
  info: TrustAnchorsInfo;
  /** The anchors indexed for the judge, on first use and then kept: every judgement that shares this object shares them. */
  prepared(): PreparedAnchors;
}

export interface TrustAnchorsInput {
  /** Node's bundled roots (tls.rootCertificates). */
  bundled: readonly string[];
  /** CA certificates the user named (--ca). */
  extra?: readonly string[];
  /** Also trust the platform store. */
  systemCa?: boolean;
  /** The value of NODE_EXTRA_CA_CERTS, if set. */
  nodeExtraCaCerts?: string | undefined;
  files?: TrustStoreFiles;
}

/** The PEM CERTIFICATE blocks of a text, in order. */
export function pemCertificates(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

/** The first system CA bundle that exists, or null (e.g. on Windows, whose store is not a file). */
export function findSystemCaFile(files: TrustStoreFiles = REAL_FILES): string | null {
  return SYSTEM_CA_FILES.find((path) => files.exists(path)) ?? null;
}

function readPems(path: string, files: TrustStoreFiles): { pems: string[]; detail: string | null } {
  try {
    const pems = pemCertificates(files.read(path));
    return { pems, detail: pems.length === 0 ? 'the file holds no PEM certificate' : null };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { pems: [], detail: code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (code ?? 'unreadable') };
  }
}

/** Gathers the anchors and records what was read, for the report. Never throws: a missing file is evidence. */
export function gatherTrustAnchors(input: TrustAnchorsInput): TrustAnchors {
  const files = input.files ?? REAL_FILES;
  const extra = [...(input.extra ?? [])];
  let system: TrustAnchorsInfo['system'] = null;
  const systemPems: string[] = [];
  if (input.systemCa) {
    const path = findSystemCaFile(files);
    if (path === null) {
      system = { path: null, certificates: 0, detail: `no system CA bundle found (looked for ${SYSTEM_CA_FILES.join(', ')})` };
    } else {
      const read = readPems(path, files);
      systemPems.push(...read.pems);
      system = { path, certificates: read.pems.length, detail: read.detail };
    }
  }
  let nodeExtra: TrustAnchorsInfo['nodeExtraCaCerts'] = null;
  const nodeExtraPems: string[] = [];
  if (input.nodeExtraCaCerts) {
    const read = readPems(input.nodeExtraCaCerts, files);
    nodeExtraPems.push(...read.pems);
    nodeExtra = { path: input.nodeExtraCaCerts, certificates: read.pems.length, detail: read.detail };
  }
  const extraPems = [...extra, ...systemPems, ...nodeExtraPems];
  const pems = [...input.bundled, ...extraPems];
  let prepared: PreparedAnchors | null = null;
  return {
    pems,
    extraPems,
    info: { bundled: input.bundled.length, extra: extra.length, system, nodeExtraCaCerts: nodeExtra },
    prepared: () => (prepared ??= prepareAnchors(pems)),
  };
}

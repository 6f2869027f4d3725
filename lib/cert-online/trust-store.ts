// The trust anchors a judgement uses, gathered the way the user's own client would have them: Node's
// bundled roots, the CA files the user names, optionally the platform store (--ca-system), and the file
// NODE_EXTRA_CA_CERTS names. Node adds that last one to its own verifier at start-up, but
// tls.rootCertificates does not list it, so it is read here. The platform store is the OS's own where
// Node can read it (tls.getCACertificates('system'), Node 22.15+: the Windows machine and user stores with
// enterprise and Group Policy roots, the macOS keychain, OpenSSL's store on Linux), else a bundle file.
// Files and the store are read through seams so tests need no real /etc.

import { X509Certificate } from 'node:crypto';
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
  /** Those of them read from NODE_EXTRA_CA_CERTS (Node's own default store may hold them already). */
  nodeExtraPems: string[];
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
  /** Reads the OS store, or null where this Node cannot (then the bundle files are read). Default: none. */
  systemStore?: SystemStoreReader | null;
}

/** The OS trust store's roots as PEM (tls.getCACertificates('system')). */
export type SystemStoreReader = () => readonly string[];

/** The PEM CERTIFICATE blocks of a text, in order. */
export function pemCertificates(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

/**
 * The CA certificates of a --ca file, PEM, in order. Every PEM block must be a certificate that decodes:
 * a key, a CSR, a CRL or a damaged block means the wrong file was named, and trusting the rest of it
 * silently would judge against something other than what the user meant. The message never quotes the
 * file's contents (it may hold a private key).
 */
export function caFileCertificates(text: string): { pems: string[] } | { problem: string } {
  const blocks = [...text.matchAll(/-----BEGIN ([^-\r\n]{1,64})-----([\s\S]*?)-----END \1-----/g)];
  if (blocks.length === 0) return { problem: 'holds no PEM certificate' };
  const pems: string[] = [];
  for (const [index, block] of blocks.entries()) {
    const label = block[1]!;
    const where = blocks.length > 1 ? `PEM block ${index + 1} of ${blocks.length}` : 'its PEM block';
    if (label !== 'CERTIFICATE') {
      return { problem: `${where} is a ${/PRIVATE KEY/.test(label) ? 'private key' : `"${label}"`}, not a certificate; name a file of CA certificates (PEM "CERTIFICATE" blocks)` };
    }
    const der = Buffer.from(block[2]!.replace(/\s+/g, ''), 'base64');
    try {
      new X509Certificate(der);
    } catch {
      return { problem: `${where} is labelled CERTIFICATE but does not decode as an X.509 certificate` };
    }
    pems.push(block[0]);
  }
  return { pems };
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
  if (input.systemCa && input.systemStore) {
    try {
      // A root can sit in several of the stores read (machine and user on Windows): count it once.
      const pems = [...new Set(input.systemStore())];
      systemPems.push(...pems);
      system = { source: 'os-store', path: null, certificates: pems.length, detail: pems.length === 0 ? 'the OS trust store holds no root' : null };
    } catch (error) {
      system = { source: 'os-store', path: null, certificates: 0, detail: `the OS trust store could not be read: ${(error as Error).message}` };
    }
  } else if (input.systemCa) {
    const fallback = `the OS trust store is not available on Node ${process.version} (it needs Node 22.15 or later); read the bundle file instead`;
    const path = findSystemCaFile(files);
    if (path === null) {
      system = { source: 'bundle-file', path: null, certificates: 0, detail: `${fallback}, but found none (looked for ${SYSTEM_CA_FILES.join(', ')})` };
    } else {
      const read = readPems(path, files);
      systemPems.push(...read.pems);
      system = { source: 'bundle-file', path, certificates: read.pems.length, detail: read.detail ? `${fallback}: ${read.detail}` : fallback };
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
    nodeExtraPems,
    info: { bundled: input.bundled.length, extra: extra.length, system, nodeExtraCaCerts: nodeExtra },
    prepared: () => (prepared ??= prepareAnchors(pems)),
  };
}

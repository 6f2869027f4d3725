import t from 'tap';
import { findSystemCaFile, gatherTrustAnchors, pemCertificates, SYSTEM_CA_FILES, type TrustStoreFiles } from '../lib/cert-online/trust-store.js';
import { createCertFactory } from '../fixtures/certs.js';

// Which CAs a judgement trusts: Node's bundled roots, --ca, the platform bundle (--ca-system) and the file
// NODE_EXTRA_CA_CERTS names, each recorded for the report. Files come through a seam: no real /etc needed.

const factory = createCertFactory();
const pki = factory.createPki();
const other = createCertFactory().createPki({ name: 'Other' });

function files(map: Record<string, string | Error>): TrustStoreFiles {
  return {
    exists: (path) => path in map,
    read: (path) => {
      const value = map[path];
      if (value === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      if (value instanceof Error) throw value;
      return value;
    },
  };
}

t.test('PEM blocks are taken out of any text, in order', async (t) => {
  const text = `# bundle\n${pki.root.certPem}\nsome comment\n${other.root.certPem}`;
  t.same(pemCertificates(text).map((p) => p.trim()), [pki.root.certPem.trim(), other.root.certPem.trim()]);
  t.same(pemCertificates('no certificate here'), []);
});

t.test('the system bundle: the first known location that exists', async (t) => {
  t.equal(findSystemCaFile(files({ '/etc/ssl/cert.pem': '' })), '/etc/ssl/cert.pem');
  t.equal(findSystemCaFile(files({ '/etc/ssl/cert.pem': '', '/etc/ssl/certs/ca-certificates.crt': '' })), '/etc/ssl/certs/ca-certificates.crt', 'Debian first');
  t.equal(findSystemCaFile(files({})), null, 'none: e.g. Windows, whose store is not a file');
});

t.test('bundled, extra, system and NODE_EXTRA_CA_CERTS anchors, and what the report says about them', async (t) => {
  const fs = files({ '/etc/ssl/certs/ca-certificates.crt': `${other.root.certPem}${other.intermediate.certPem}`, '/opt/corp-root.pem': pki.root.certPem });
  const got = gatherTrustAnchors({ bundled: ['BUNDLED'], extra: ['EXTRA'], systemCa: true, nodeExtraCaCerts: '/opt/corp-root.pem', files: fs });
  t.same(got.info, {
    bundled: 1,
    extra: 1,
    system: { source: 'bundle-file', path: '/etc/ssl/certs/ca-certificates.crt', certificates: 2, detail: `the OS trust store is not available on Node ${process.version} (it needs Node 22.15 or later); read the bundle file instead` },
    nodeExtraCaCerts: { path: '/opt/corp-root.pem', certificates: 1, detail: null },
  });
  t.equal(got.pems.length, 5);
  t.equal(got.pems[0], 'BUNDLED', "Node's roots come first");
  t.same(got.extraPems.length, 4, 'everything beyond the bundled roots is handed to the TLS step too');

  const plain = gatherTrustAnchors({ bundled: ['BUNDLED'], files: fs });
  t.same(plain.info, { bundled: 1, extra: 0, system: null, nodeExtraCaCerts: null }, 'nothing read unless asked');
});

t.test('missing or empty files are evidence, not crashes', async (t) => {
  const fs = files({ '/opt/empty.pem': 'nothing', '/opt/locked.pem': Object.assign(new Error('EACCES'), { code: 'EACCES' }) });
  const none = gatherTrustAnchors({ bundled: [], systemCa: true, nodeExtraCaCerts: '/opt/missing.pem', files: fs });
  t.same(none.info.system, { source: 'bundle-file', path: null, certificates: 0, detail: `the OS trust store is not available on Node ${process.version} (it needs Node 22.15 or later); read the bundle file instead, but found none (looked for ${SYSTEM_CA_FILES.join(', ')})` });
  t.same(none.info.nodeExtraCaCerts, { path: '/opt/missing.pem', certificates: 0, detail: 'no such file' });
  t.same(gatherTrustAnchors({ bundled: [], nodeExtraCaCerts: '/opt/empty.pem', files: fs }).info.nodeExtraCaCerts?.detail, 'the file holds no PEM certificate');
  t.same(gatherTrustAnchors({ bundled: [], nodeExtraCaCerts: '/opt/locked.pem', files: fs }).info.nodeExtraCaCerts?.detail, 'permission denied');
});

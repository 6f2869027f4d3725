import t from 'tap';
import { diagnose } from '../lib/diagnose/index.js';
import type { AddressResult, ProbeReport, SstpStatusInfo } from '../lib/types.js';
import { failAt, healthyReport, NOW, OTHER_SHA256, SHA1, SHA256 } from './helpers/report-builder.js';

const causes = (report: ProbeReport): string[] => diagnose(report, { now: NOW }).map((f) => f.cause);

function sstpFailed(result: 'nak' | 'abort' | 'timeout' | 'closed' | 'invalid', status: SstpStatusInfo[] = []): ProbeReport {
  const report = failAt(healthyReport(), 'sstp', result);
  report.sstp = { result, hashProtocols: [], hashBitmask: null, status, detail: null, teardown: 'closed' };
  return report;
}

t.test('Call Connect NAK names its Status Info', async (t) => {
  // MS-SSTP §2.2.8: AttribID 1 (ENCAPSULATED_PROTOCOL_ID), status 4 (VALUE_NOT_SUPPORTED).
  const report = sstpFailed('nak', [{ attribId: 1, attribName: 'ENCAPSULATED_PROTOCOL_ID', status: 4, statusName: 'VALUE_NOT_SUPPORTED' }]);
  const [f] = diagnose(report, { now: NOW });
  t.equal(f?.cause, 'sstp-negotiation-failed');
  t.match(f?.summary, /Call Connect NAK \(ENCAPSULATED_PROTOCOL_ID: VALUE_NOT_SUPPORTED\)/);
  t.same(f?.evidence['status'], ['ENCAPSULATED_PROTOCOL_ID: VALUE_NOT_SUPPORTED']);
  t.ok(f?.remediation.some((s) => s.includes('RasSstp events')));
});

t.test('Abort, silence, close and garbage after the 200', async (t) => {
  t.match(diagnose(sstpFailed('abort', [{ attribId: 0, attribName: 'NO_ERROR', status: 8, statusName: 'NEGOTIATION_TIMEOUT' }]), { now: NOW })[0]?.summary, /aborted.*NEGOTIATION_TIMEOUT.*FSM parameter negotiation/);
  t.match(diagnose(sstpFailed('timeout'), { now: NOW })[0]?.summary, /never sent Call Connect Ack/);
  t.match(diagnose(sstpFailed('closed'), { now: NOW })[0]?.summary, /closed the connection after the Call Connect Request/);
  t.match(diagnose(sstpFailed('invalid'), { now: NOW })[0]?.summary, /not a valid SSTP message/);
});

t.test('an Ack offering no hash cannot lead to a crypto binding', async (t) => {
  const report = healthyReport();
  report.sstp = { ...report.sstp!, hashProtocols: [], hashBitmask: 0 };
  const [f] = diagnose(report, { now: NOW });
  t.equal(f?.cause, 'sstp-negotiation-failed');
  t.match(f?.summary, /bitmask 0x00/);
  t.same(causes(healthyReport()), [], 'an Ack with SHA-256 is healthy');
});

t.test('the auth protocol the server asks for, and who will be refused', async (t) => {
  const eapOnly = healthyReport();
  eapOnly.ppp = { authProtocols: ['eap'], mru: 4091, options: [], terminated: null };
  const [f] = diagnose(eapOnly, { now: NOW });
  t.equal(f?.cause, 'ppp-auth-offered');
  t.equal(f?.severity, 'info');
  t.match(f?.summary, /asks for EAP authentication.*MS-CHAPv2 alone are refused with 812/);

  const chap = healthyReport();
  chap.ppp = { authProtocols: ['mschapv2', 'pap'], mru: 4091, options: [], terminated: null };
  t.match(diagnose(chap, { now: NOW })[0]?.summary, /asks for MS-CHAPv2 authentication \(it also accepts PAP\).*EAP alone.*clear text/);
});

t.test('LCP ended by the server', async (t) => {
  const report = failAt(healthyReport(), 'ppp', 'terminated', 'LCP Terminate-Request');
  report.ppp = { authProtocols: ['mschapv2'], mru: 4091, options: [], terminated: 'Terminate-Request' };
  t.same(causes(report), ['ppp-negotiation-failed', 'ppp-auth-offered']);
  t.match(diagnose(report, { now: NOW })[0]?.summary, /734/);
});

t.test('authentication failures carry the server code and meaning', async (t) => {
  const report = failAt(healthyReport(), 'auth', 'failure');
  report.auth = { protocol: 'mschapv2', result: 'failure', errorCode: 649, message: 'no dial-in permission', cryptoBinding: null };
  const [f] = diagnose(report, { now: NOW });
  t.equal(f?.cause, 'auth-failed');
  t.match(f?.summary, /MS-CHAPv2 failed with error 649: the account has no dial-in permission/);
  t.match(f?.remediation[0], /Dial-in/);

  const refused = failAt(healthyReport(), 'auth', 'refused');
  refused.auth = { protocol: 'pap', result: 'refused', errorCode: null, message: null, cryptoBinding: null };
  t.match(diagnose(refused, { now: NOW })[0]?.summary, /refused PAP.*812/);
});

t.test('a rejected crypto binding names the hashes RRAS must hold', async (t) => {
  const report = healthyReport();
  report.auth = {
    protocol: 'mschapv2',
    result: 'success',
    errorCode: null,
    message: null,
    cryptoBinding: { hashProtocol: 'sha256', certHash: SHA256.toLowerCase(), result: 'rejected' },
  };
  const [f] = diagnose(report, { now: NOW });
  t.equal(f?.cause, 'crypto-binding-rejected');
  t.match(f?.summary, /Event 6/);
  const steps = f?.remediation.join('\n') ?? '';
  t.match(steps, new RegExp(`Sha256CertificateHash \\(REG_BINARY\\) with ${SHA256}`));
  t.match(steps, new RegExp(`certhash=${SHA1} appid=\\{ba195980-cd49-458b-9e23-c84ee0adcd75\\} certstorename=MY`));
});

function address(overrides: Partial<AddressResult>): AddressResult {
  return { address: '203.0.113.10', family: 4, ok: true, causes: [], sha256: SHA256, failedStep: null, code: null, ...overrides };
}

t.test('IPv6 failing while IPv4 works names the address and the [::] binding', async (t) => {
  const report = healthyReport();
  report.addresses = [
    address({}),
    address({ address: '2001:db8::10', family: 6, ok: false, sha256: null, failedStep: 'tls', code: 'reset', causes: ['tls-handshake-failed'] }),
  ];
  const [f] = diagnose(report, { now: NOW });
  t.equal(f?.cause, 'address-inconsistent');
  t.match(f?.summary, /IPv6 address 2001:db8::10 fails.*\[2001:db8::10\]:443.*no \[::\]:443 certificate binding/);
  t.match(f?.remediation[0], new RegExp(`netsh http add sslcert ipport=\\[::\\]:443 certhash=${SHA1}`));
});

t.test('different certificates on different addresses point at an old node', async (t) => {
  const report = healthyReport();
  report.addresses = [
    address({}),
    address({ address: '203.0.113.11' }),
    address({ address: '203.0.113.12', sha256: OTHER_SHA256 }),
  ];
  const [f] = diagnose(report, { now: NOW });
  t.equal(f?.cause, 'address-inconsistent');
  t.match(f?.summary, new RegExp(`203\\.0\\.113\\.12 → SHA-256 ${OTHER_SHA256}`));
  t.match(f?.remediation[0], /behind 203\.0\.113\.12, bind the same certificate/);
  t.same(causes({ ...healthyReport(), addresses: [address({}), address({ address: '203.0.113.11' })] }), [], 'alike: nothing');
  const allDown = healthyReport();
  allDown.addresses = [address({ ok: false, failedStep: 'tcp', code: 'timeout' }), address({ address: '203.0.113.11', ok: false, failedStep: 'tcp', code: 'timeout' })];
  t.same(causes(allDown), [], 'failing alike is not an inconsistency');
});

// The package's entry point: the probe, the report contract, the diagnosis and the codecs.
export * from './types.js';
export { probe, finalize, DEFAULT_TIMEOUT_MS, DEFAULT_STEP_TIMEOUT_MS, type ProbeOptions } from './probe.js';
export { parseTarget, formatTarget, DEFAULT_PORT } from './target.js';
export { UsageError } from './errors.js';
export { VERSION } from './version.js';
export type { Resolver } from './steps/dns.js';
export { diagnose, type DiagnoseContext } from './diagnose/index.js';
export { renderText } from './report/text.js';
export { parseNetshSslcert, bindingFor, type NetshBinding } from './diagnose/netsh.js';
export { normalizeThumbprint } from './diagnose/thumbprint.js';
export { describeCertificate } from './cert/describe.js';
export * as sstpCodec from './codec/sstp.js';
export * as httpCodec from './codec/http.js';
export { ByteReader, DecodeError } from './codec/reader.js';
export { probeMany, DEFAULT_CONCURRENCY, type FleetOptions } from './fleet.js';
export { parseTargetList, parseShard, selectShard, type Shard } from './targets.js';
export { prepareTrust, type PreparedTrust } from './trust.js';

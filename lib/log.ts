import createDebug from 'debug';

// DEBUG=sstp-probe:* shows the wire. Callers log message names and sizes, never nonces, keys or passwords.
export const wireLog = createDebug('sstp-probe:wire');
export const probeLog = createDebug('sstp-probe:probe');

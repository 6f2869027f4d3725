// The exporter's defaults, apart from the server so that the CLI's --help and flag checks do not load the probe.

export const DEFAULT_LISTEN_HOST = '127.0.0.1';
/** A port of its own beside blackbox_exporter's 9115, from the range Prometheus exporters use. */
export const DEFAULT_LISTEN_PORT = 9468;
export const DEFAULT_MAX_CONCURRENT = 16;

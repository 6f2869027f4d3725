import type { Duplex } from 'node:stream';
import type { HttpInfo, StepResult } from '../types.js';
import {
  buildDuplexPostRequest,
  headerValue,
  isSstpContentLength,
  parseResponseHead,
  type HttpResponseHead,
} from '../codec/http.js';
import type { StreamReader } from '../net/stream-reader.js';
import { interruptionOf, waitedWithin, type StepBound } from '../endings.js';
import { finishStep } from './result.js';

// MS-SSTP §3.2.5.1: one SSTP_DUPLEX_POST, answered by "200" with Content-Length 2^64-1 (or none). The bytes
// after the blank line are already SSTP and stay in the reader for the next step.

const RECORDED_HEADERS = ['server', 'content-length', 'content-type', 'date', 'connection', 'location', 'www-authenticate', 'via', 'x-powered-by'];

export interface HttpStepOutcome {
  step: StepResult;
  info: HttpInfo | null;
  correlationId: string;
}

export async function httpStep(
  socket: Duplex,
  reader: StreamReader,
  options: StepBound & { host: string; signal?: AbortSignal; log?: (message: string) => void },
): Promise<HttpStepOutcome> {
  const startedAt = performance.now();
  const request = buildDuplexPostRequest({ host: options.host });
  options.log?.(`> ${request.bytes.toString('latin1').replace(/\r\n/g, '\\r\\n')}`);
  socket.write(request.bytes);
  const read = await reader.read(parseHead, options.timeoutMs, options.signal);
  const correlationId = request.correlationId;
  if (!read.ok) {
    switch (read.reason) {
      case 'timeout': {
        // Some bytes and then nothing: a trickling or stuck server, not a silent one.
        if (reader.buffered > 0) {
          const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
          return { step: finishStep('http', 'fail', 'partial', startedAt, `partial response, ${reader.buffered} bytes in ${seconds} s, no complete HTTP head ${waitedWithin(options)}`), info: null, correlationId };
        }
        return { step: finishStep('http', 'fail', 'timeout', startedAt, `no HTTP response ${waitedWithin(options)}`), info: null, correlationId };
      }
      case 'reset':
        return { step: finishStep('http', 'fail', 'reset', startedAt, 'the server reset the connection instead of answering the request'), info: null, correlationId };
      case 'closed':
        return { step: finishStep('http', 'fail', 'closed', startedAt, 'the server closed the connection without an HTTP response'), info: null, correlationId };
      case 'aborted': {
        const ended = interruptionOf(options.signal, startedAt, 'no HTTP response');
        return { step: finishStep('http', ended.code === 'cancelled' ? 'skip' : 'fail', ended.code, startedAt, ended.detail), info: null, correlationId };
      }
      case 'invalid':
        return { step: finishStep('http', 'fail', 'malformed', startedAt, `the reply is not an HTTP response: ${read.error?.message ?? 'unparsable'}`), info: null, correlationId };
    }
  }
  const head = read.value;
  const info = describeHead(head);
  options.log?.(`< HTTP/${info.version} ${info.status} ${info.reason}`.trimEnd());
  if (info.status !== 200) {
    return { step: finishStep('http', 'fail', 'status', startedAt, `HTTP ${info.status}${info.reason ? ` ${info.reason}` : ''}${info.server ? ` from ${info.server}` : ''}`), info, correlationId };
  }
  if (info.version !== '1.1') {
    return { step: finishStep('http', 'fail', 'version', startedAt, `the server answered HTTP/${info.version}; SSTP requires HTTP/1.1`), info, correlationId };
  }
  // MS-SSTP §3.2.5.1: the server's 200 carries Content-Length 2^64-1; a 200 without it is a web server's page.
  if (info.contentLength === null || !isSstpContentLength(info.contentLength)) {
    const had = info.contentLength === null ? 'no Content-Length' : `Content-Length ${info.contentLength}`;
    return { step: finishStep('http', 'fail', 'bad-content-length', startedAt, `200 with ${had}, not the 18446744073709551615 an SSTP server sends`), info, correlationId };
  }
  return { step: finishStep('http', 'pass', 'sstp-ok', startedAt, `HTTP/1.1 200${info.server ? ` from ${info.server}` : ''}`), info, correlationId };
}

function parseHead(buffer: Buffer): { value: HttpResponseHead; rest: Buffer } | null {
  const parsed = parseResponseHead(buffer);
  return parsed.complete ? { value: parsed.head, rest: parsed.rest } : null;
}

function describeHead(head: HttpResponseHead): HttpInfo {
  const headers: Record<string, string> = {};
  for (const name of RECORDED_HEADERS) {
    const value = headerValue(head, name);
    if (value !== null) headers[name] = value;
  }
  return {
    version: head.version,
    status: head.status,
    reason: head.reason,
    server: headerValue(head, 'server'),
    contentLength: headerValue(head, 'content-length'),
    headers,
  };
}

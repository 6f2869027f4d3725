import type { Duplex } from 'node:stream';
import type { SstpInfo, SstpStatusInfo, StepCodeOf, StepResult } from '../types.js';
import {
  ATTRIBUTE_ID,
  MESSAGE_TYPE,
  attributeName,
  callAbort,
  callConnectRequest,
  callDisconnect,
  callDisconnectAck,
  decodePacket,
  describePacket,
  hashProtocolsFromBitmask,
  isCryptoBindingRequest,
  messageTypeName,
  splitPacket,
  statusInfos,
  statusInfoText,
  statusName,
  type SstpPacket,
} from '../codec/sstp.js';
import type { ReadOutcome, StreamReader } from '../net/stream-reader.js';
import { readEnding, type StepBound } from '../endings.js';
import { finishStep } from './result.js';

/** The SSTP control channel over an established TLS socket (or plain HTTP behind an offloading balancer): framed reads and the polite ways to leave. */
export class SstpChannel {
  readonly socket: Duplex;
  readonly reader: StreamReader;
  private readonly log: (message: string) => void;

  constructor(socket: Duplex, reader: StreamReader, log: (message: string) => void = noLog) {
    this.socket = socket;
    this.reader = reader;
    this.log = log;
  }

  send(packet: Buffer, label: string): void {
    this.log(`> ${label} (${packet.length} bytes)`);
    if (!this.socket.destroyed && this.socket.writable) this.socket.write(packet);
  }

  async readPacket(timeoutMs: number, signal?: AbortSignal): Promise<ReadOutcome<SstpPacket>> {
    const outcome = await this.reader.read(takePacket, timeoutMs, signal);
    if (outcome.ok) this.log(`< ${describePacket(outcome.value)}`);
    return outcome;
  }

  /**
   * MS-SSTP §3.2.5.3: the sender of Call Disconnect waits for Disconnect-Ack, then closes. We wait at most
   * `waitMs`; a server that answers with its own Disconnect gets its Ack.
   */
  async disconnect(waitMs: number, signal?: AbortSignal): Promise<SstpInfo['teardown']> {
    if (this.reader.isClosed) return 'closed';
    this.send(callDisconnect({ attribId: ATTRIBUTE_ID.NO_ERROR, status: 0 }), 'CALL_DISCONNECT');
    const deadline = Date.now() + waitMs;
    for (;;) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) return 'disconnect-no-ack';
      // A cancelled probe still sent its Disconnect; it just does not wait for the answer.
      const read = await this.readPacket(remaining, signal);
      if (!read.ok) return read.reason === 'timeout' || read.reason === 'aborted' ? 'disconnect-no-ack' : 'closed';
      const packet = read.value;
      if (packet.kind !== 'control') continue;
      if (packet.messageType === MESSAGE_TYPE.CALL_DISCONNECT_ACK) return 'disconnect-ack';
      if (packet.messageType === MESSAGE_TYPE.CALL_DISCONNECT) {
        this.send(callDisconnectAck(), 'CALL_DISCONNECT_ACK');
        return 'disconnect-ack';
      }
      if (packet.messageType === MESSAGE_TYPE.CALL_ABORT) return 'closed';
    }
  }

  /** MS-SSTP §3.2.5.3: the receiver of an Abort answers with an Abort and closes. */
  answerAbort(): void {
    this.send(callAbort(), 'CALL_ABORT');
  }

  close(): void {
    if (!this.socket.destroyed) {
      this.socket.end();
      // A peer that never answers our close_notify must not keep the probe alive.
      setTimeout(() => this.socket.destroy(), 250).unref();
    }
  }
}

function takePacket(buffer: Buffer): { value: SstpPacket; rest: Buffer } | null {
  const split = splitPacket(buffer);
  if (!split) return null;
  return { value: decodePacket(split.packet), rest: split.rest };
}

function noLog(): void {}

export interface SstpStepOutcome {
  step: StepResult;
  info: SstpInfo;
  /** Present after an Ack: what the crypto binding needs later. Never rendered. */
  ack: { hashBitmask: number; nonce: Buffer } | null;
}

/** Sends Call Connect Request and classifies the first control message the server answers with. */
export async function sstpStep(
  channel: SstpChannel,
  options: StepBound & { signal?: AbortSignal },
): Promise<SstpStepOutcome> {
  const startedAt = performance.now();
  const info: SstpInfo = { result: 'timeout', hashProtocols: [], hashBitmask: null, status: [], detail: null, teardown: 'none' };
  const done = (status: 'pass' | 'fail' | 'skip', code: StepCodeOf<'sstp'>, detail: string, ack: SstpStepOutcome['ack'] = null): SstpStepOutcome => {
    info.detail = info.detail ?? detail;
    return { step: finishStep('sstp', status, code, startedAt, detail), info, ack };
  };
  channel.send(callConnectRequest(), 'CALL_CONNECT_REQUEST');
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const read = await channel.readPacket(Math.max(0, deadline - Date.now()), options.signal);
    if (!read.ok) {
      const ended = readEnding(read, { ...options, startedAt, awaited: 'no answer to Call Connect Request', instead: 'instead of answering Call Connect Request', notUnit: 'a valid SSTP packet' });
      const code = ended.kind === 'reset' ? 'closed' : ended.kind;
      info.result = code;
      return done('fail', code, ended.detail);
    }
    const packet = read.value;
    // Servers may send PPP before or around the Ack; only control messages decide this step.
    if (packet.kind !== 'control') continue;
    switch (packet.messageType) {
      case MESSAGE_TYPE.CALL_CONNECT_ACK: {
        const request = packet.attributes.find(isCryptoBindingRequest);
        if (!request) {
          info.result = 'invalid';
          return done('fail', 'invalid', 'Call Connect Ack without its Crypto Binding Request attribute');
        }
        info.result = 'ack';
        info.hashBitmask = request.hashBitmask;
        info.hashProtocols = hashProtocolsFromBitmask(request.hashBitmask);
        const ack = { hashBitmask: request.hashBitmask, nonce: request.nonce };
        if (info.hashProtocols.length === 0) {
          return done('fail', 'ack-no-hash', `Call Connect Ack offers no hash protocol (bitmask 0x${hex2(request.hashBitmask)}): a client must abort`, ack);
        }
        return done('pass', 'ack', `Call Connect Ack, hash ${info.hashProtocols.map((h) => h.toUpperCase()).join(' + ')}`, ack);
      }
      case MESSAGE_TYPE.CALL_CONNECT_NAK:
        info.result = 'nak';
        info.status = reportedStatuses(packet);
        return done('fail', 'nak', `Call Connect NAK${describeStatuses(info.status)}`);
      case MESSAGE_TYPE.CALL_ABORT:
        info.result = 'abort';
        info.status = reportedStatuses(packet);
        return done('fail', 'abort', `Call Abort${describeStatuses(info.status)}`);
      case MESSAGE_TYPE.CALL_DISCONNECT:
        info.result = 'abort';
        info.status = reportedStatuses(packet);
        info.detail = 'CALL_DISCONNECT';
        return done('fail', 'disconnect', `the server sent Call Disconnect instead of an Ack${describeStatuses(info.status)}`);
      case MESSAGE_TYPE.ECHO_REQUEST:
      case MESSAGE_TYPE.ECHO_RESPONSE:
        continue;
      default:
        info.result = 'invalid';
        info.detail = messageTypeName(packet.messageType);
        return done('fail', 'invalid', `unexpected ${messageTypeName(packet.messageType)} in answer to Call Connect Request`);
    }
  }
}

/** The Status Info attributes of a control packet, as the report shows them. */
export function reportedStatuses(packet: SstpPacket): SstpStatusInfo[] {
  return statusInfos(packet).map((info) => ({
    attribId: info.attribId,
    attribName: attributeName(info.attribId),
    status: info.status,
    statusName: statusName(info.status),
  }));
}

/** `: ATTRIB_...: STATUS_...; ...` for reported Status Info attributes, or nothing when there are none. */
export function describeStatuses(statuses: SstpStatusInfo[]): string {
  if (statuses.length === 0) return '';
  return `: ${statuses.map(statusInfoText).join('; ')}`;
}

function hex2(value: number): string {
  return value.toString(16).padStart(2, '0');
}

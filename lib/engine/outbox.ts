import { PPP_PROTOCOLS, encodeLcpPacket, encodePppFrame, type LcpPacket } from '../codec/ppp.js';

/**
 * What a PPP engine (ours, or the fixture's server side) has to send next, and the Identifier counter for
 * the requests it originates (RFC 1661 §5: one octet, wrapping). Engines queue frames while they handle a
 * received one and hand the whole batch to their caller.
 */
export class PppOutbox {
  #frames: Buffer[] = [];
  #nextId = 1;

  /** The Identifier for the next request this side originates. */
  takeId(): number {
    const id = this.#nextId;
    this.#nextId = (this.#nextId + 1) & 0xff;
    return id;
  }

  /** A PPP frame: `FF 03`, the protocol, the information field. */
  send(protocol: number, information: Buffer): void {
    this.#frames.push(encodePppFrame(protocol, information));
  }

  lcp(packet: LcpPacket): void {
    this.send(PPP_PROTOCOLS.LCP, encodeLcpPacket(packet));
  }

  /** A frame encoded earlier, sent again unchanged (a retransmitted answer). */
  resend(frame: Buffer): void {
    this.#frames.push(frame);
  }

  /** Everything queued so far, emptying the queue. */
  take(): Buffer[] {
    const frames = this.#frames;
    this.#frames = [];
    return frames;
  }
}

// The crypto binding's exchange inside the SSTP call (MS-SSTP §3.2.5.2): once PPP authentication has
// succeeded, the client sends Call Connected, keyed with the HLAK and binding the certificate it saw in TLS
// to the PPP login. The server never acknowledges it: a server that refuses it aborts at once, one that
// accepts simply goes on, so the verdict is "no Abort within a short window".
//
// The HLAK is zeroed as soon as the message is built; nothing of it, nor of the nonce, leaves this module.
import { MESSAGE_TYPE, callDisconnectAck, echoResponse } from '../codec/sstp.js';
import { HASH_PROTOCOL_IDS, buildCallConnected, certificateHash, chooseBindingHash, type BindingHash } from '../auth/crypto-binding.js';
import type { PppClient } from '../engine/ppp-client.js';
import { describeStatuses, reportedStatuses, type SstpChannel } from './sstp.js';

/** What the PPP session needs from the SSTP channel (SstpChannel in the probe). */
export type PppChannel = Pick<SstpChannel, 'send' | 'readPacket'>;

/** Where the SSTP call stands after PPP: still open (leave with Call Disconnect), aborted by the server, or gone. */
export type SstpCallState = 'open' | 'aborted' | 'closed';

/** How long to wait for an Abort after Call Connected, unless the caller says otherwise. */
export const DEFAULT_BINDING_WAIT_MS = 1_500;

/** Certificate hashes to bind to when there is no TLS to read one from (uppercase hex). */
export interface ConfiguredBindingHashes {
  sha1?: string;
  sha256?: string;
}

/**
 * What the crypto binding needs: the Ack's hash bitmask and nonce, and the leaf certificate DER seen in TLS,
 * or (plain HTTP to an offloaded RRAS) the certificate hashes the administrator gave.
 */
export type BindingInput = { hashBitmask: number; nonce: Buffer } & ({ leafDer: Buffer } | { configured: ConfiguredBindingHashes });

/** The Call Connected sent (or not) for a successful login, and the certificate hash it binds. */
export interface SentBinding {
  hash: BindingHash;
  certHash: string;
  sent: boolean;
}

/** How the server took Call Connected, and where that leaves the call. */
export interface BindingVerdict {
  result: 'accepted' | 'rejected';
  detail: string | null;
  state: SstpCallState;
  /** The wait was cut short by the signal (the verdict then reads accepted: nothing refused it). */
  cancelled: boolean;
}

/** Sends Call Connected when the engine holds an HLAK; null when no hash can be bound. */
export function sendCallConnected(channel: PppChannel, engine: PppClient, input: BindingInput | null): SentBinding | null {
  if (!input) return null;
  const configured = 'configured' in input ? input.configured : null;
  // With configured hashes, only a hash both the Ack offers and the administrator gave can be bound.
  const offered = configured ? input.hashBitmask & ((configured.sha1 ? HASH_PROTOCOL_IDS.sha1 : 0) | (configured.sha256 ? HASH_PROTOCOL_IDS.sha256 : 0)) : input.hashBitmask;
  const hash = chooseBindingHash(offered);
  if (hash === null) return null;
  const certHash = 'leafDer' in input ? certificateHash(input.leafDer, hash).toString('hex').toUpperCase() : input.configured[hash]!.toUpperCase();
  const hlak = engine.hlak();
  if (hlak === null) return { hash, certHash, sent: false };
  try {
    // MS-SSTP §3.2.5.2: sent as soon as PPP authentication succeeded, keyed with the HLAK.
    const message = buildCallConnected({ hashProtocol: hash, nonce: input.nonce, hlak, certHash: Buffer.from(certHash, 'hex') });
    channel.send(message, `CALL_CONNECTED (${hashLabel(hash)} binding)`);
    return { hash, certHash, sent: true };
  } finally {
    hlak.fill(0);
  }
}

/** Waits `windowMs` for the server to refuse the binding, answering what the call needs meanwhile. */
export async function awaitBindingVerdict(
  channel: PppChannel,
  engine: PppClient,
  windowMs: number,
  signal: AbortSignal | undefined,
  sendFrames: (frames: Buffer[]) => void,
): Promise<BindingVerdict> {
  const deadline = Date.now() + windowMs;
  for (;;) {
    const read = await channel.readPacket(Math.max(0, deadline - Date.now()), signal);
    if (!read.ok) {
      if (read.reason === 'timeout') return { result: 'accepted', detail: null, state: 'open', cancelled: false };
      if (read.reason === 'aborted') return { result: 'accepted', detail: null, state: 'open', cancelled: true };
      return { result: 'rejected', detail: 'the server closed the connection right after Call Connected', state: 'closed', cancelled: false };
    }
    const packet = read.value;
    if (packet.kind === 'data') {
      // The network phase (IPCP) goes on; the engine answers only what LCP requires (Echo).
      sendFrames(engine.receive(packet.payload).send);
      continue;
    }
    if (packet.messageType === MESSAGE_TYPE.CALL_ABORT) {
      return { result: 'rejected', detail: `the server answered Call Connected with Call Abort${describeStatuses(reportedStatuses(packet))}`, state: 'aborted', cancelled: false };
    }
    if (packet.messageType === MESSAGE_TYPE.CALL_DISCONNECT) {
      channel.send(callDisconnectAck(), 'CALL_DISCONNECT_ACK');
      return { result: 'rejected', detail: `the server answered Call Connected with Call Disconnect${describeStatuses(reportedStatuses(packet))}`, state: 'closed', cancelled: false };
    }
    if (packet.messageType === MESSAGE_TYPE.ECHO_REQUEST) channel.send(echoResponse(), 'ECHO_RESPONSE');
  }
}

export function hashLabel(hash: BindingHash): string {
  return hash === 'sha256' ? 'SHA-256' : 'SHA-1';
}

/**
 * The messages the peer servers and their clients share: the call, its reply, and the
 * handshake a server sends once it can answer. Both sides import this module, so the
 * shapes cannot drift apart.
 */
import type { PayloadName } from '../payloads.js';

/** One call: the payload wanted, for call `id`. */
export interface CallRequest {
  id: number;
  payload: PayloadName;
}

/** The answer to call `id`: `payloadFor(payload, id)`. */
export interface CallReply {
  id: number;
  value: unknown;
}

/** Sent once by a server that can answer; a network server adds the port it listens on. */
export interface ReadyMessage {
  ready: true;
  port?: number;
}

/** The handshake message, with `port` for a server listening on loopback. */
export function readyMessage(port?: number): ReadyMessage {
  return port === undefined ? { ready: true } : { ready: true, port };
}

/** Whether `message` is a server's handshake (and not a reply). */
export function isReadyMessage(message: unknown): message is ReadyMessage {
  return (
    typeof message === 'object' && message !== null && (message as ReadyMessage).ready === true
  );
}

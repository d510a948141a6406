/**
 * The peer transports: the ways other code crosses a thread or process boundary, measured
 * next to Berth's. In report order.
 */
import type { TransportFactory } from '../transport.js';
import { createChildProcessTransport } from './child-process.js';
import { createComlinkTransport } from './comlink.js';
import { createGrpcTransport } from './grpc.js';
import { createHttpTransport } from './http.js';
import { createPiscinaTransport } from './piscina.js';
import { createPostMessageMsgpackTransport } from './post-message-msgpack.js';
import { createPostMessageTransport } from './post-message.js';

/** Factories of the peers in another thread, each making a fresh, unopened transport. */
export const threadPeerTransports: TransportFactory[] = [
  createPostMessageTransport,
  createPostMessageMsgpackTransport,
  createComlinkTransport,
  createPiscinaTransport,
];

/** Factories of the peers in another process: berth process is measured beside them. */
export const processPeerTransports: TransportFactory[] = [
  createChildProcessTransport,
  createHttpTransport,
  createGrpcTransport,
];

/** Factories of every peer transport, in report order. */
export const peerTransports: TransportFactory[] = [
  ...threadPeerTransports,
  ...processPeerTransports,
];

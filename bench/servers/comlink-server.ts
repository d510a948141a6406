/**
 * The worker side of the comlink transport: exposes one function over comlink's Node
 * adapter, as comlink's README shows for worker_threads.
 */
import { parentPort } from 'node:worker_threads';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { payloadFor, type PayloadName } from '../payloads.js';
import { readyMessage } from './wire.js';

/** What the worker exposes: the payload for call `id`. */
export interface ComlinkApi {
  payload(payload: PayloadName, id: number): unknown;
}

if (parentPort === null) throw new Error('comlink-server must run in a worker thread');

const api: ComlinkApi = {
  payload: (payload, id) => payloadFor(payload, id),
};
Comlink.expose(api, nodeEndpoint(parentPort));
// Comlink has no handshake of its own; the client waits for this before wrapping, and
// comlink's listener ignores messages without a request id anyway.
parentPort.postMessage(readyMessage());

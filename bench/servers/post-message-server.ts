/**
 * The worker side of the raw postMessage transport: answers each call with its payload,
 * copied by structured clone. The baseline every worker transport is compared with.
 */
import { parentPort } from 'node:worker_threads';
import { payloadFor } from '../payloads.js';
import { readyMessage, type CallReply, type CallRequest } from './wire.js';

if (parentPort === null) throw new Error('post-message-server must run in a worker thread');
const port = parentPort;

port.on('message', ({ id, payload }: CallRequest) => {
  const reply: CallReply = { id, value: payloadFor(payload, id) };
  port.postMessage(reply);
});
port.postMessage(readyMessage());

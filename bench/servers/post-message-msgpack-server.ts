/**
 * The worker side of postMessage + msgpackr: encodes each reply with msgpackr and
 * transfers the bytes, so the host receives one ArrayBuffer instead of a cloned graph.
 */
import { parentPort } from 'node:worker_threads';
import { Packr } from 'msgpackr';
import { payloadFor } from '../payloads.js';
import { readyMessage, type CallReply, type CallRequest } from './wire.js';

if (parentPort === null) throw new Error('post-message-msgpack-server must run in a worker thread');
const port = parentPort;
// Default options: the record extension is on, and every message carries its own record
// definitions, so the client's Packr needs no shared state.
const packr = new Packr();

port.on('message', ({ id, payload }: CallRequest) => {
  const reply: CallReply = { id, value: payloadFor(payload, id) };
  // pack() returns a view on the Packr's reused buffer (the next pack overwrites it), and a
  // Buffer.allocUnsafe would be a slice of Node's shared pool: transferring either would
  // detach memory that is not ours. So copy into a buffer of its own, then transfer that.
  const packed = packr.pack(reply);
  const bytes = new Uint8Array(packed.byteLength);
  bytes.set(packed);
  port.postMessage(bytes, [bytes.buffer]);
});
port.postMessage(readyMessage());

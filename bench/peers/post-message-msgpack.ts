/**
 * postMessage + msgpackr: the worker encodes each reply with msgpackr and transfers the
 * bytes; the host decodes them. What a hand-rolled "encode, then transfer" data plane
 * costs without shared memory.
 */
import { Worker } from 'node:worker_threads';
import { Packr } from 'msgpackr';
import type { Transport } from '../transport.js';
import type { CallReply, CallRequest } from '../servers/wire.js';
import { createPendingCalls } from './pending-calls.js';
import { waitForReady } from './wait-for-ready.js';

const NAME = 'postMessage + msgpackr';
const SERVER = new URL('../servers/post-message-msgpack-server.js', import.meta.url);

/** A transport whose replies are msgpackr bytes carrying `{ id, value }`, transferred, not cloned. */
export function createPostMessageMsgpackTransport(): Transport {
  const pending = createPendingCalls(NAME);
  // The same default options as the worker's Packr; each reply carries its own record
  // definitions, so this one needs no state shared with it.
  const packr = new Packr();
  let worker: Worker | undefined;

  const onMessage = (message: unknown): void => {
    if (!(message instanceof Uint8Array)) return; // the ready message
    let reply: CallReply;
    try {
      reply = packr.unpack(message) as CallReply;
    } catch (error) {
      pending.failAll('a reply could not be decoded', error);
      return;
    }
    pending.resolve(reply.id, reply.value);
  };

  return {
    name: NAME,
    async open() {
      worker = new Worker(SERVER);
      pending.failOn(worker, 'the worker');
      worker.on('message', onMessage);
      await waitForReady(worker, NAME);
    },
    call(payload, id) {
      return pending.add(id, () => {
        if (worker === undefined) throw new Error('not open');
        const request: CallRequest = { id, payload };
        worker.postMessage(request);
      });
    },
    async close() {
      pending.failAll('closed');
      await worker?.terminate();
    },
  };
}

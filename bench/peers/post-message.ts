/**
 * Raw postMessage: a worker thread answers each call by structured clone. The baseline
 * for every transport that crosses a thread.
 */
import { Worker } from 'node:worker_threads';
import type { Transport } from '../transport.js';
import type { CallReply, CallRequest } from '../servers/wire.js';
import { createPendingCalls } from './pending-calls.js';
import { waitForReady } from './wait-for-ready.js';

const NAME = 'postMessage';
const SERVER = new URL('../servers/post-message-server.js', import.meta.url);

/** A transport that posts `{ id, payload }` to a worker and matches `{ id, value }` replies by id. */
export function createPostMessageTransport(): Transport {
  const pending = createPendingCalls(NAME);
  let worker: Worker | undefined;

  return {
    name: NAME,
    async open() {
      worker = new Worker(SERVER);
      pending.failOn(worker, 'the worker');
      // The ready message has no pending id, so resolve() ignores it.
      worker.on('message', (reply: CallReply) => pending.resolve(reply.id, reply.value));
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

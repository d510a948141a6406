/**
 * comlink: the worker exposes an object, the host calls it through comlink's proxy, over
 * comlink's Node adapter (the setup comlink's README shows for worker_threads).
 */
import { Worker } from 'node:worker_threads';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import type { Transport } from '../transport.js';
import type { ComlinkApi } from '../servers/comlink-server.js';
import { createPendingCalls } from './pending-calls.js';
import { waitForReady } from './wait-for-ready.js';

const NAME = 'comlink';
const SERVER = new URL('../servers/comlink-server.js', import.meta.url);

/** A transport that calls `payload(payload, id)` on a comlink-exposed worker object. */
export function createComlinkTransport(): Transport {
  // Comlink never settles a call whose worker died, so the calls also go through a
  // pending table that the worker's exit fails.
  const pending = createPendingCalls(NAME);
  let worker: Worker | undefined;
  let api: Comlink.Remote<ComlinkApi> | undefined;

  return {
    name: NAME,
    async open() {
      worker = new Worker(SERVER);
      pending.failOn(worker, 'the worker');
      await waitForReady(worker, NAME);
      api = Comlink.wrap<ComlinkApi>(nodeEndpoint(worker));
    },
    call(payload, id) {
      return pending.add(id, () => {
        if (api === undefined) throw new Error('not open');
        api.payload(payload, id).then(
          (value) => pending.resolve(id, value),
          (error: unknown) => pending.reject(id, error),
        );
      });
    },
    async close() {
      pending.failAll('closed');
      api?.[Comlink.releaseProxy]();
      api = undefined;
      await worker?.terminate();
    },
  };
}

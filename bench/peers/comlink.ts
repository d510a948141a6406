/**
 * comlink: the worker exposes an object, the host calls it through comlink's proxy, over
 * comlink's Node adapter (the setup comlink's README shows for worker_threads).
 */
import { Worker } from 'node:worker_threads';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { failureSignal, type Transport } from '../transport.js';
import type { ComlinkApi } from '../servers/comlink-server.js';
import { waitForReady } from './wait-for-ready.js';

const NAME = 'comlink';
const SERVER = new URL('../servers/comlink-server.js', import.meta.url);

/** A transport that calls `payload(payload, id)` on a comlink-exposed worker object. */
export function createComlinkTransport(): Transport {
  // Each call is comlink's own promise, as an application would await it. Comlink never
  // settles a call whose worker died, so the harness races each measurement (not each
  // call) against `failed`, which the worker's death rejects.
  const { failed, fail } = failureSignal();
  let worker: Worker | undefined;
  let api: Comlink.Remote<ComlinkApi> | undefined;
  let closed = false;

  return {
    name: NAME,
    failed,
    async open() {
      const started = new Worker(SERVER);
      worker = started;
      started.on('error', (error) =>
        fail(new Error(`${NAME}: the worker failed`, { cause: error })),
      );
      started.on('exit', (code) => {
        if (!closed) fail(new Error(`${NAME}: the worker exited (code ${code})`));
      });
      await waitForReady(started, NAME);
      api = Comlink.wrap<ComlinkApi>(nodeEndpoint(started));
    },
    call(payload, id) {
      if (api === undefined) return Promise.reject(new Error(`${NAME}: not open`));
      return api.payload(payload, id);
    },
    async close() {
      closed = true;
      fail(new Error(`${NAME}: closed`));
      api?.[Comlink.releaseProxy]();
      api = undefined;
      await worker?.terminate();
    },
  };
}

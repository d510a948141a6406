/**
 * piscina: a pool of one worker thread running a task module, the way most Node code
 * offloads work to a thread.
 */
import { Piscina } from 'piscina';
import type { Transport } from '../transport.js';
import type { CallRequest } from '../servers/wire.js';
import { createPendingCalls } from './pending-calls.js';

const NAME = 'piscina';
const TASK = new URL('../servers/piscina-server.js', import.meta.url).href;

/** A transport that runs one piscina task per call, on a pool of exactly one thread. */
export function createPiscinaTransport(): Transport {
  // piscina rejects only the task its dying worker was running and carries on with a new
  // worker; the bench fails every call instead, as for the other transports: a number
  // measured across a crash is not a number.
  const pending = createPendingCalls(NAME);
  let pool: Piscina | undefined;
  let closing: Promise<void> | undefined;

  const call = (payload: CallRequest['payload'], id: number): Promise<unknown> =>
    pending.add(id, () => {
      if (pool === undefined) throw new Error('not open');
      const task: CallRequest = { id, payload };
      pool.run(task).then(
        (value: unknown) => pending.resolve(id, value),
        // The task never throws: a rejection means the worker failed or exited.
        (error: unknown) => pending.failAll(`the worker failed during call ${id}`, error),
      );
    });

  return {
    name: NAME,
    async open() {
      pool = new Piscina({
        filename: TASK,
        minThreads: 1,
        maxThreads: 1,
        // The task is synchronous and leaves no handles open: the case piscina's README
        // gives for its default 'sync' atomics ('async' "comes with performance penalties").
        atomics: 'sync',
        // concurrentTasksPerWorker stays 1 (README: more "only makes sense" for async
        // tasks), and maxQueue stays unbounded: 'auto' is maxThreads² = 1, which would
        // reject the harness's 64 calls in flight.
      });
      // A worker that fails with no task running is reported on the pool; unhandled, the
      // 'error' event would crash the bench.
      pool.on('error', (error: unknown) => pending.failAll('the worker failed', error));
      // piscina marks its first worker ready before it has loaded the task module, so
      // only an answered task proves the pool can answer.
      await call('tiny', 0);
    },
    call,
    close() {
      pending.failAll('closed');
      closing ??= pool?.destroy() ?? Promise.resolve();
      return closing;
    },
  };
}

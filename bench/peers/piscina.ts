/**
 * piscina: a pool of one worker thread running a task module, the way most Node code
 * offloads work to a thread, in the configuration piscina documents as its fastest for
 * this workload (see the options below).
 */
import { Piscina } from 'piscina';
import { failureSignal, type Transport } from '../transport.js';
import type { CallRequest } from '../servers/wire.js';

const NAME = 'piscina';
const TASK = new URL('../servers/piscina-server.js', import.meta.url).href;

/**
 * Tasks one worker may hold at once: the harness's throughput window, so piscina, like
 * Berth's pool, can keep that many calls queued at its thread instead of one.
 */
const TASKS_PER_WORKER = 64;

/** A transport that runs one piscina task per call, on a pool of exactly one thread. */
export function createPiscinaTransport(): Transport {
  // Each call is piscina's own promise from run(), as an application would await it. A
  // task never throws, so a rejection means the worker died: it fails the measurement
  // that awaits it. A worker that dies with no task running is reported on `failed`.
  const { failed, fail } = failureSignal();
  let pool: Piscina | undefined;
  let closing: Promise<void> | undefined;

  const call = (payload: CallRequest['payload'], id: number): Promise<unknown> => {
    if (pool === undefined) return Promise.reject(new Error(`${NAME}: not open`));
    const task: CallRequest = { id, payload };
    return pool.run(task);
  };

  return {
    name: NAME,
    failed,
    async open() {
      pool = new Piscina({
        filename: TASK,
        minThreads: 1,
        maxThreads: 1,
        // piscina's README: Atomics are used "for faster communication between threads",
        // and 'sync' (the default) suits tasks that are synchronous and leave no open
        // handles, as this one; "the `async` mode comes with performance penalties".
        atomics: 'sync',
        // The README says more than one task per worker "generally only makes sense" for
        // tasks with an asynchronous part; here it lets piscina post the harness's calls in
        // flight to its thread ahead of time (in 'sync' mode the worker drains them in one
        // wake-up), the pipelining Berth's pool is measured with. Tried on a 2-core machine
        // with 64 tiny calls in flight: about 1.8x the calls/s of one task per worker.
        concurrentTasksPerWorker: TASKS_PER_WORKER,
        // Unbounded: 'auto' is maxThreads² = 1, which would reject calls in flight.
        maxQueue: Infinity,
      });
      pool.on('error', (error: unknown) =>
        fail(new Error(`${NAME}: the worker failed`, { cause: error })),
      );
      // piscina marks its first worker ready before it has loaded the task module, so
      // only an answered task proves the pool can answer.
      await call('tiny', 0);
    },
    call,
    close() {
      fail(new Error(`${NAME}: closed`));
      closing ??= pool?.destroy() ?? Promise.resolve();
      return closing;
    },
  };
}

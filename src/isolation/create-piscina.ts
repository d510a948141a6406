/**
 * The piscina pool under pool isolation, and how it is run. Each option, and why:
 *
 * - `atomics: 'disabled'`: the default 'sync' parks a thread's event loop between tasks,
 *   which stalls a plugin's I/O, its timers and its heartbeat (tried: the heartbeat then
 *   finds an idle thread hung). 'async' and 'disabled' measured alike (one thread, 2
 *   cores, within noise: tiny p50 40-60 µs, 1,000 records 1.6-4.6 ms); 'disabled' is the
 *   plain event loop, with nothing parked between tasks.
 * - `minThreads = maxThreads = threads`, `idleTimeout: Infinity`: threads start once,
 *   with the plugin, and are never retired for idleness (a retired thread would drop its
 *   instance of the plugin without onStop).
 * - {@link TASKS_PER_THREAD} calls share a thread, as calls share a thread-isolated
 *   worker: a call waiting on I/O does not hold the thread, and one that never settles
 *   holds one slot, not the thread. piscina gives each call to the least busy thread.
 * - No AbortSignal is passed to piscina: aborting a running task terminates its thread.
 *   The runtime cancels a call over its broadcast channel instead, and a thread drops a
 *   queued call that was cancelled or is past its deadline when it gets there.
 * - `recordTiming: false`: Berth keeps no use for piscina's histograms.
 */
import { Piscina } from 'piscina';
import type { ResourceLimits } from '../manifest/manifest.js';
import { createPoolLiveness, type PoolBoot } from '../transport/pool-wire.js';
import { resolveWorkerEntry } from './worker-entry.js';

/** Calls one thread runs at once. */
export const TASKS_PER_THREAD = 16;

/** Bytes of each thread's liveness buffer: the heartbeat and a slot per call it runs. */
export const LIVENESS_BYTES = createPoolLiveness(TASKS_PER_THREAD).byteLength;

/** What the pool is made of. */
export interface PiscinaOptions {
  threads: number;
  /** What every thread is told; its `tasksPerThread` and `envNames` are set here. */
  boot: Omit<PoolBoot, 'tasksPerThread' | 'envNames'>;
  resourceLimits: ResourceLimits | undefined;
  /** The environment of every thread (plugin-env.ts). */
  env: Record<string, string>;
}

/** Makes the pool; its threads start at once, each loading workers/pool-worker. */
export function createPiscina(options: PiscinaOptions): Piscina {
  const entry = resolvePoolEntry();
  const workerData: PoolBoot = {
    ...options.boot,
    tasksPerThread: TASKS_PER_THREAD,
    envNames: Object.keys(options.env),
  };
  return new Piscina({
    filename: entry.filename,
    name: entry.name,
    argv: entry.argv,
    minThreads: options.threads,
    maxThreads: options.threads,
    idleTimeout: Infinity,
    concurrentTasksPerWorker: TASKS_PER_THREAD,
    atomics: 'disabled',
    recordTiming: false,
    workerData,
    env: options.env,
    ...(options.resourceLimits === undefined ? {} : { resourceLimits: options.resourceLimits }),
  });
}

/**
 * The module piscina loads, and the export it calls. Built code loads the CommonJS
 * dist/workers/pool-entry.cjs, which imports pool-worker.js (see there why); from source,
 * a bootstrap that registers tsx and re-exports `runTask` stands in front of the .ts file.
 */
function resolvePoolEntry(): { filename: string; argv: string[]; name: string } {
  const worker = resolveWorkerEntry('pool-worker');
  if (worker.argv.length === 0) {
    return { filename: new URL('pool-entry.cjs', worker.url).href, argv: [], name: 'default' };
  }
  const bootstrap = new URL('pool-ts-bootstrap.mjs', worker.url).href;
  return { filename: bootstrap, argv: worker.argv, name: 'runTask' };
}

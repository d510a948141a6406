/**
 * The task module of pool isolation: piscina loads it in every pool thread and calls
 * `runTask` once per call. The plugin side lives in src/plugin-side/pool-thread.ts.
 */
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { startPoolThread } from '../src/plugin-side/pool-thread.js';
import type { PoolBoot, PoolTask } from '../src/transport/pool-wire.js';

if (parentPort === null) throw new Error('pool-worker.ts runs only inside a piscina pool thread');
const thread = startPoolThread(parentPort, workerData as PoolBoot, threadId);
// piscina hands a thread calls once this module has loaded: a replacement thread gets
// none before its plugin has started (a failure is reported, never thrown here).
await thread.loaded;

/** Runs one call; piscina calls it (it is the pool's `name` export). */
export function runTask(task: PoolTask): Promise<unknown> {
  return thread.runTask(task);
}

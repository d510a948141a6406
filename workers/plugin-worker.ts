/**
 * The entry of a plugin's worker thread (thread isolation). The plugin side lives in
 * src/plugin-side/thread-worker.ts; this file only hands it the thread's port and boot.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runThreadWorker } from '../src/plugin-side/thread-worker.js';
import type { WorkerBoot } from '../src/transport/wire.js';

if (parentPort === null) throw new Error('plugin-worker.ts runs only inside a worker thread');
runThreadWorker(parentPort, workerData as WorkerBoot);

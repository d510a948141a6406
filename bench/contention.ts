/**
 * The contended scenario's load: worker threads that spin in a pure JavaScript loop (no
 * I/O, no allocation to speak of) for as long as a transport is measured, so that the
 * transport's threads must win cores from them, as on a busy production host.
 */
import { Worker } from 'node:worker_threads';

/** Each busy thread says "spinning" once, then spins until the shared flag turns 1. */
const SPINNER = `
const { parentPort, workerData } = require('node:worker_threads');
const stop = new Int32Array(workerData);
parentPort.postMessage('spinning');
let x = 1;
while (Atomics.load(stop, 0) === 0) {
  for (let i = 0; i < 100000; i += 1) x = (x * 31 + i) | 0;
}
parentPort.postMessage(x);
`;

/** Stops the busy threads started by {@link startBusyThreads}; resolves once they have exited. */
export type StopBusyThreads = () => Promise<void>;

/** Starts `count` busy threads; resolves once every one of them spins. */
export async function startBusyThreads(count: number): Promise<StopBusyThreads> {
  const flag = new SharedArrayBuffer(4);
  const workers = Array.from(
    { length: count },
    () => new Worker(SPINNER, { eval: true, workerData: flag }),
  );
  const exited = workers.map(
    (worker) => new Promise<void>((resolve) => worker.once('exit', resolve)),
  );
  await Promise.all(
    workers.map(
      (worker) =>
        new Promise<void>((resolve, reject) => {
          worker.once('message', () => resolve());
          worker.once('error', reject);
        }),
    ),
  );
  return async () => {
    Atomics.store(new Int32Array(flag), 0, 1);
    await Promise.all(workers.map((worker) => worker.terminate()));
    await Promise.all(exited);
  };
}

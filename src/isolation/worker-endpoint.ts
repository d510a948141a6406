/**
 * The narrow waist between a worker handle and whatever runs the plugin: post a message,
 * hear its messages, hear its exit, terminate it. A worker_threads Worker, a piscina pool
 * thread and (to come) a child process over a pipe each fit behind it, so the handle's
 * handshake, liveness and death classification are written once.
 */
import type { Worker } from 'node:worker_threads';
import { fromWireError, toWireError } from '../wire-error.js';
import type { WorkerExit } from './worker-errors.js';

/** One running plugin worker, as its handle sees it. */
export interface WorkerEndpoint {
  /** Sends a control message (structured clone; never throws for a worker that is gone). */
  post(message: unknown): void;
  /** Hears each message the worker sends; one listener. */
  onMessage(listener: (message: unknown) => void): void;
  /** Hears the worker's end, once, with the error it reported before it, if any. */
  onExit(listener: (exit: WorkerExit) => void): void;
  /** Ends the worker; resolves when it is told to (its exit is reported through onExit). */
  terminate(): Promise<void>;
}

/**
 * A worker_threads Worker as an endpoint. `post` defaults to the worker's own port; a
 * pool thread is reached otherwise (pool-thread-endpoint.ts).
 */
export class ThreadEndpoint implements WorkerEndpoint {
  readonly #worker: Worker;
  #lastError: Error | undefined;

  constructor(worker: Worker) {
    this.#worker = worker;
    worker.on('error', (error) => {
      // The plugin's uncaught error, as Node rebuilt it here: bounded before it is used in
      // a message (its code, Node's out-of-heap code included, is kept).
      this.#lastError = fromWireError(toWireError(error));
    });
  }

  post(message: unknown): void {
    this.#worker.postMessage(message);
  }

  onMessage(listener: (message: unknown) => void): void {
    this.#worker.on('message', listener);
  }

  onExit(listener: (exit: WorkerExit) => void): void {
    this.#worker.once('exit', (code) => listener({ code, error: this.#lastError }));
  }

  async terminate(): Promise<void> {
    await this.#worker.terminate();
  }
}

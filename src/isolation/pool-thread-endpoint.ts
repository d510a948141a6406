/**
 * A piscina pool thread as a {@link WorkerEndpoint}. piscina owns the Worker and relays
 * every thread's messages on the pool as a whole, so the pool sorts them by thread and
 * `deliver`s each here; what the host says to a thread goes out on the pool's broadcast
 * channel, addressed to it. The Worker may be met after the thread's HELLO (a
 * replacement): its exit is heard from `attach` on.
 */
import type { Worker } from 'node:worker_threads';
import { ThreadEndpoint, type WorkerEndpoint } from './worker-endpoint.js';
import type { WorkerExit } from './worker-errors.js';

/** One pool thread, reached through the pool. */
export class PoolThreadEndpoint implements WorkerEndpoint {
  #thread: ThreadEndpoint | undefined;
  #onMessage: (message: unknown) => void = () => {};
  #onExit: ((exit: WorkerExit) => void) | undefined;

  constructor(private readonly broadcast: (message: unknown) => void) {}

  /** Hears the exit of the thread's Worker; the first Worker given counts. */
  attach(worker: Worker): void {
    if (this.#thread !== undefined) return;
    this.#thread = new ThreadEndpoint(worker);
    if (this.#onExit !== undefined) this.#thread.onExit(this.#onExit);
  }

  /** A message the pool heard from this thread. */
  deliver(message: unknown): void {
    this.#onMessage(message);
  }

  post(message: unknown): void {
    this.broadcast(message);
  }

  onMessage(listener: (message: unknown) => void): void {
    this.#onMessage = listener;
  }

  onExit(listener: (exit: WorkerExit) => void): void {
    this.#onExit = listener;
    this.#thread?.onExit(listener);
  }

  async terminate(): Promise<void> {
    await this.#thread?.terminate();
  }
}

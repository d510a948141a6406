/**
 * The host's view of the threads of one pool: piscina runs them, a {@link WorkerHandle}
 * per thread knows what each is doing (its handshake, heartbeat, requests and death, as
 * for a dedicated worker). This module sorts the pool's messages by thread, answers each
 * HELLO with the config in force, replaces a thread that holds a call its caller gave up
 * on, and gathers the answers of every thread to a request (health, configure, stop).
 *
 * piscina replaces a thread that dies; the replacement says HELLO like the first ones.
 */
import { BroadcastChannel, type Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { BerthError } from '../errors.js';
import type { ResourceLimits } from '../manifest/manifest.js';
import {
  POOL_WIRE_VERSION,
  PoolOp,
  readRunningCalls,
  type PoolBroadcast,
  type PoolOpName,
} from '../transport/pool-wire.js';
import type { PluginBoot, ServiceMethods } from '../transport/wire.js';
import type { PluginLogs } from './plugin-logs.js';
import { threadHeldError } from './pool-errors.js';
import { PoolThreadEndpoint } from './pool-thread-endpoint.js';
import { poolThreadDialect } from './worker-dialects.js';
import { WorkerHandle, WorkerState, type EndCause } from './worker-handle.js';
import { readPoolMessage } from './worker-messages.js';

/**
 * Messages each thread of a pool may post in one second, counted for the pool as a whole
 * (piscina does not say which thread posted one), as thread-runtime.ts counts a worker's.
 * An honest thread posts a handful (log batches at most 100 a second, log-sink.ts); one
 * posting LOGS past its sink stalled the host's loop for seconds, 1,000,000 of them 4.2 s.
 */
const MAX_MESSAGES_PER_SECOND_PER_THREAD = 5_000;

/** What the threads tell the runtime. */
export interface PoolThreadEvents {
  /** A thread has started the plugin. */
  ready(threadId: number, methods: ServiceMethods): void;
  /** A thread could not start the plugin (its error), or did not within startTimeoutMs. */
  failed(threadId: number, error: Error): void;
  /** A thread ended on its own or was ended as hung; `calls` are the ids it was running. */
  died(error: BerthError, calls: number[]): void;
  /**
   * A thread posted what the pool wire does not allow. piscina does not say which thread
   * sent a message, so the pool as a whole is at fault.
   */
  violated(problem: string): void;
}

/** What {@link createPoolThreads} needs. */
export interface PoolThreadsOptions {
  plugin: string;
  logger: Logger;
  /** The BroadcastChannel every thread listens on. */
  channel: string;
  hangTimeoutMs: number;
  startTimeoutMs: number;
  resourceLimits: ResourceLimits | undefined;
  /** The services with the config in force, read for each thread that says HELLO. */
  services(): PluginBoot['services'];
  /** The pool's live Worker objects (piscina's `threads`). */
  workers(): readonly Worker[];
  /** The plugin's log intake. */
  logs: PluginLogs;
  /** Bytes of a thread's liveness buffer (pool-wire.ts createPoolLiveness). */
  livenessBytes: number;
  /**
   * How long a thread may go on running a call its caller gave up on (a deadline, an
   * abort) before the thread is replaced: a call that never settles holds a pool slot.
   */
  abandonGraceMs: number;
  events: PoolThreadEvents;
}

/** The threads of one pool. */
export interface PoolThreads {
  /** Handles a message a thread posted (piscina's 'message' event), checking it first. */
  onMessage(message: unknown): void;
  /** Watches `worker` for its exit; safe to call more than once per worker. */
  watch(worker: Worker): void;
  /**
   * Tells every thread that call `id` is abandoned (its ctx.signal aborts). A thread
   * still running it `abandonGraceMs` later is ended as hung, and replaced.
   */
  cancel(id: number, forgetAt: number): void;
  /** Call `id` has come back from its thread (piscina settled it). */
  settled(id: number): void;
  /**
   * Asks every thread that has been booted (for health, every running one); resolves
   * with their answers once all live ones have answered (a thread that dies meanwhile is
   * not waited for), or rejects with the first error one of them returned.
   */
  request(op: PoolOpName, args: unknown[]): Promise<unknown[]>;
  /** Stops watching and hearing; exits after this are expected. Idempotent. */
  close(reason: BerthError): void;
}

/** One thread: its handle, and the endpoint its messages are delivered to. */
interface PoolThread {
  handle: WorkerHandle;
  endpoint: PoolThreadEndpoint;
}

/** Starts hearing the threads of a pool; nothing is watched until they appear. */
export function createPoolThreads(options: PoolThreadsOptions): PoolThreads {
  return new PoolThreadSet(options);
}

/** The threads of one pool, by thread id. */
class PoolThreadSet implements PoolThreads {
  readonly #threads = new Map<number, PoolThread>();
  readonly #watched = new WeakSet<Worker>();
  /** Calls given up on, by id, with when; forgotten when their thread hands them back. */
  readonly #abandoned = new Map<number, number>();
  readonly #channel: BroadcastChannel;
  #sweeper: NodeJS.Timeout | undefined;
  #closed: BerthError | undefined;
  #windowStart = 0;
  #windowMessages = 0;

  constructor(private readonly options: PoolThreadsOptions) {
    this.#channel = new BroadcastChannel(options.channel);
    // The host never listens here; an open channel must not keep the process alive.
    (this.#channel as unknown as { unref(): void }).unref();
  }

  onMessage(value: unknown): void {
    if (this.#closed !== undefined) return;
    const now = Date.now();
    if (now - this.#windowStart >= 1_000) {
      this.#windowStart = now;
      this.#windowMessages = 0;
    }
    const budget = MAX_MESSAGES_PER_SECOND_PER_THREAD * Math.max(1, this.#threads.size);
    if (++this.#windowMessages > budget) {
      this.options.events.violated(`over ${budget} messages in a second`);
      return;
    }
    const read = readPoolMessage(value);
    if (!read.ok) {
      this.options.events.violated(read.problem);
      return;
    }
    const message = read.message;
    if (message.type === 'LOGS') {
      this.options.logs.take(message.lines, message.dropped);
      return;
    }
    // A thread is met by its Worker (watch) or by its HELLO, whichever comes first; what
    // a thread says before its HELLO, or after its end, is not heard.
    let thread = this.#threads.get(message.threadId);
    if (thread === undefined && message.type === 'HELLO') {
      const worker = this.options.workers().find((w) => w.threadId === message.threadId);
      thread = this.#thread(message.threadId, worker);
    }
    thread?.endpoint.deliver(message);
  }

  watch(worker: Worker): void {
    if (this.#watched.has(worker)) return;
    this.#watched.add(worker);
    this.#thread(worker.threadId, worker);
  }

  cancel(id: number, forgetAt: number): void {
    if (this.#closed !== undefined) return;
    this.#broadcast({ type: 'CANCEL', id, forgetAt });
    this.#abandoned.set(id, Date.now());
    if (this.#sweeper === undefined) {
      const every = Math.max(10, Math.min(1_000, this.options.abandonGraceMs / 4));
      this.#sweeper = setInterval(() => this.#sweep(), every);
      this.#sweeper.unref();
    }
  }

  settled(id: number): void {
    this.#abandoned.delete(id);
  }

  async request(op: PoolOpName, args: unknown[]): Promise<unknown[]> {
    if (this.#closed !== undefined) return [];
    // Health is asked of running threads only: one still starting would answer once it
    // has started, which a health deadline should not wait for. Config and stop must
    // reach every thread that has been booted (that said HELLO).
    const asked = [...this.#threads.values()]
      .map((t) => t.handle)
      .filter((h) =>
        op === PoolOp.HEALTH ? h.state === WorkerState.READY : h.state !== WorkerState.SPAWNED,
      );
    // A thread that dies meanwhile is not waited for: its end is not an answer.
    const outcomes = await Promise.all(
      asked.map((handle) =>
        handle.request(op, args).then(
          (value) => ({ value }),
          (error: unknown) => (error === handle.endError ? undefined : { error }),
        ),
      ),
    );
    if (this.#closed !== undefined) throw this.#closed;
    const failed = outcomes.find((o) => o !== undefined && 'error' in o);
    if (failed !== undefined && 'error' in failed) throw failed.error;
    return outcomes.flatMap((o) => (o === undefined || !('value' in o) ? [] : [o.value]));
  }

  close(reason: BerthError): void {
    if (this.#closed !== undefined) return;
    this.#closed = reason;
    clearInterval(this.#sweeper);
    this.#abandoned.clear();
    for (const { handle } of this.#threads.values()) handle.end(reason);
    this.#threads.clear();
    this.#channel.close();
  }

  #broadcast(message: PoolBroadcast): void {
    this.#channel.postMessage(message);
  }

  /** Makes (or finds) the handle of thread `threadId`, watching `worker` when known. */
  #thread(threadId: number, worker: Worker | undefined): PoolThread {
    let thread = this.#threads.get(threadId);
    if (thread === undefined) {
      const { options } = this;
      const endpoint = new PoolThreadEndpoint((message) =>
        this.#broadcast(message as PoolBroadcast),
      );
      const handle = new WorkerHandle({
        site: { plugin: options.plugin, threadId, resourceLimits: options.resourceLimits },
        endpoint,
        dialect: poolThreadDialect(threadId, options.livenessBytes),
        wire: { name: 'pool wire', version: POOL_WIRE_VERSION },
        hangTimeoutMs: options.hangTimeoutMs,
        loadTimeoutMs: options.startTimeoutMs,
        logger: options.logger,
        events: {
          loading: () => this.#broadcast({ type: 'BOOT', threadId, services: options.services() }),
          ready: (message) => options.events.ready(threadId, message.methods ?? {}),
          failed: (error) => options.events.failed(threadId, error),
          ended: (error, cause) => this.#ended(threadId, error, cause),
        },
      });
      thread = { handle, endpoint };
      this.#threads.set(threadId, thread);
    }
    if (worker !== undefined) thread.endpoint.attach(worker);
    return thread;
  }

  /** A thread's handle ended: a death the pool hears of, or the pool's own violation. */
  #ended(threadId: number, error: BerthError, cause: EndCause): void {
    const thread = this.#threads.get(threadId);
    if (this.#closed !== undefined || thread === undefined) return;
    this.#threads.delete(threadId);
    if (cause === 'violation') {
      this.options.events.violated(String(error.data?.['detail']));
      return;
    }
    const liveness = thread.handle.liveness;
    this.options.events.died(error, liveness === undefined ? [] : readRunningCalls(liveness));
  }

  /** Replaces every thread still running a call given up on more than the grace ago. */
  #sweep(): void {
    const { plugin, abandonGraceMs } = this.options;
    const since = Date.now() - abandonGraceMs;
    for (const [threadId, { handle, endpoint }] of [...this.#threads]) {
      if (handle.liveness === undefined) continue;
      const held = readRunningCalls(handle.liveness).find(
        (id) => (this.#abandoned.get(id) ?? Infinity) <= since,
      );
      if (held === undefined) continue;
      // Ended first, so its calls settle now; a thread inside a native call ends when it returns.
      void endpoint.terminate();
      handle.end(threadHeldError(plugin, threadId, held, abandonGraceMs), 'hang');
    }
    if (this.#abandoned.size === 0 || this.#closed !== undefined) {
      clearInterval(this.#sweeper);
      this.#sweeper = undefined;
    }
  }
}

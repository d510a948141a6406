/**
 * One plugin worker's life, seen from the host, for every isolation mode: the handshake
 * and its wire version, liveness (the heartbeat watch), control requests and their
 * answers, and what its end means (worker-errors.ts). It talks to the worker only
 * through a {@link WorkerEndpoint}, and reads its messages through a {@link WorkerDialect},
 * so a dedicated worker, a pool thread and a child process share it.
 *
 *   spawned ──HELLO (right version)──▶ loading ──LOADED──▶ ready
 *      │ HELLO (other version)            │ LOAD_FAILED,          │
 *      ▼                                  │ no LOADED in time     │
 *    failed ◀─────────────────────────────┘                       │
 *      │                                                          │
 *      └──── exit | hang | protocol violation | end() ────────────┴──▶ ended
 *
 * Each transition emits one event (the listener named after the new state) and is
 * logged at debug level. Nothing the worker sends is trusted: a message the dialect
 * refuses, or one out of turn, ends it as a protocol violation, never the host.
 */
import assert from 'node:assert/strict';
import { BerthError, codes } from '../errors.js';
import { fromWireError } from '../wire-error.js';
import { readHeartbeat } from '../transport/heartbeat.js';
import { TIMED_OUT, withDeadline } from './deadline.js';
import { watchHeartbeat } from './watchdog.js';
import {
  WORKER_TRANSITIONS,
  WorkerState,
  type EndCause,
  type HandleMessage,
  type WorkerHandleOptions,
  type WorkerStateName,
} from './worker-state.js';
import {
  exitError,
  hungError,
  mismatchError,
  protocolError,
  type WorkerExit,
} from './worker-errors.js';

export { WORKER_TRANSITIONS, WorkerState };
export type { EndCause, HandleMessage, WorkerHandleOptions, WorkerStateName };
export type { WorkerDialect, WorkerHandleEvents } from './worker-state.js';

interface PendingRequest {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** One plugin worker, from its spawn to its end. */
export class WorkerHandle {
  #state: WorkerStateName = WorkerState.SPAWNED;
  #endError: BerthError | undefined;
  #liveness: SharedArrayBuffer | undefined;
  #stopWatching = (): void => {};
  #loadTimer: NodeJS.Timeout | undefined;
  #nextRequest = 1;
  readonly #requests = new Map<number, PendingRequest>();
  #windowStart = 0;
  #windowMessages = 0;
  readonly #exited: Promise<WorkerExit>;
  readonly #ready: Promise<void>;
  #settleReady: { resolve(): void; reject(error: unknown): void } | undefined;

  constructor(private readonly options: WorkerHandleOptions) {
    this.#liveness = options.liveness;
    this.#ready = new Promise((resolve, reject) => (this.#settleReady = { resolve, reject }));
    this.#ready.catch(() => {}); // an owner that never waits for it is not told of it
    options.endpoint.onMessage((value) => this.#onMessage(value));
    this.#exited = new Promise((resolve) => {
      options.endpoint.onExit((exit) => {
        resolve(exit);
        this.#end(exitError(options.site, exit), 'exit');
      });
    });
  }

  get state(): WorkerStateName {
    return this.#state;
  }

  /** Why it ended, once it has. */
  get endError(): BerthError | undefined {
    return this.#endError;
  }

  /** Its liveness buffer, once known (pool-wire.ts keeps running calls there too). */
  get liveness(): SharedArrayBuffer | undefined {
    return this.#liveness;
  }

  /**
   * Resolves when the worker has loaded the plugin (READY); rejects with why it failed to,
   * or with its end error if it ended first.
   */
  get whenReady(): Promise<void> {
    return this.#ready;
  }

  /** Resolves when the worker's thread (or process) has exited, whatever the state. */
  get exited(): Promise<WorkerExit> {
    return this.#exited;
  }

  /**
   * Sends control request `op` and resolves with the worker's answer, or rejects with its
   * error, or with the end error when the worker ends first. Refused once ended.
   */
  request(op: string, args: unknown[]): Promise<unknown> {
    if (this.#endError !== undefined) return Promise.reject(this.#endError);
    const id = this.#nextRequest++;
    const reply = new Promise((resolve, reject) => this.#requests.set(id, { resolve, reject }));
    this.options.endpoint.post(this.options.dialect.request(id, op, args));
    return reply;
  }

  /** The worker broke the protocol (as the handle or its owner found): ended, as after a crash. */
  violate(detail: string, cause?: unknown): void {
    if (this.#state === WorkerState.ENDED) return;
    void this.options.endpoint.terminate();
    this.#end(protocolError(this.options.site, detail, cause), 'violation');
  }

  /**
   * Ends the handle with `error` (the host's reason, or a policy's such as a held call)
   * without waiting for the worker: everything waiting on it settles now. A worker stuck
   * in a native call cannot be terminated until that call returns, and nothing may wait
   * for that. Does not terminate it: see {@link terminate}.
   */
  end(error: BerthError, cause: EndCause = 'host'): void {
    this.#end(error, cause);
  }

  /**
   * Terminates the worker and waits for its exit, at most `deadlineMs`; says so in the
   * log when it did not end by then (inside a native call: it ends when that returns).
   */
  async terminate(deadlineMs: number): Promise<void> {
    const ended = this.options.endpoint.terminate().then(() => this.#exited);
    if ((await withDeadline(ended, deadlineMs)) === TIMED_OUT) {
      this.options.logger.warn(
        { plugin: this.options.site.plugin, threadId: this.options.site.threadId },
        'the worker did not end by the stop deadline (inside a native call?); it will end when that call returns',
      );
    }
  }

  #onMessage(value: unknown): void {
    if (this.#state === WorkerState.ENDED) return;
    const limit = this.options.maxMessagesPerSecond;
    if (limit !== undefined && this.#overBudget(limit)) {
      this.violate(`over ${limit} control messages in a second`);
      return;
    }
    const read = this.options.dialect.read(value);
    if (!read.ok) {
      this.violate(read.problem);
      return;
    }
    for (const message of read.messages) {
      const problem = this.#act(message);
      if (problem !== undefined) {
        this.violate(problem);
        return;
      }
    }
  }

  #overBudget(limit: number): boolean {
    const now = Date.now();
    if (now - this.#windowStart >= 1_000) {
      this.#windowStart = now;
      this.#windowMessages = 0;
    }
    return ++this.#windowMessages > limit;
  }

  /** Acts on one well-formed message; returns why it may not be sent now, if it may not. */
  #act(message: HandleMessage): string | undefined {
    const state = this.#state;
    switch (message.type) {
      case 'LOGS':
        this.options.events.logs?.(message.lines, message.dropped);
        return undefined;
      case 'HELLO':
        if (state !== WorkerState.SPAWNED) return 'a second hello, after the handshake';
        this.#hello(message.protocol);
        return undefined;
      case 'LOADED':
      case 'LOAD_FAILED':
        // A worker that failed by the clock may still finish loading: that is late, not hostile.
        if (state === WorkerState.FAILED) return undefined;
        if (state !== WorkerState.LOADING) return `a ${message.type} out of turn (${state})`;
        if (message.type === 'LOADED') this.#loaded(message);
        else this.#fail(fromWireError(message.error));
        return undefined;
      case 'REPLY': {
        const pending = this.#requests.get(message.id);
        if (pending === undefined) return `an answer to control request ${message.id}, never sent`;
        this.#requests.delete(message.id);
        if (message.ok) pending.resolve(message.value);
        else pending.reject(fromWireError(message.error));
        return undefined;
      }
    }
  }

  #hello(protocol: number): void {
    const { wire, site } = this.options;
    if (protocol !== wire.version) {
      this.#fail(mismatchError(site, wire.name, wire.version, protocol));
      return;
    }
    this.#move(WorkerState.LOADING);
    const timeoutMs = this.options.loadTimeoutMs;
    if (timeoutMs !== undefined) {
      this.#loadTimer = setTimeout(() => {
        if (this.#state !== WorkerState.LOADING) return;
        const where = site.threadId === undefined ? 'its worker' : `pool thread ${site.threadId}`;
        this.#fail(
          new BerthError(
            codes.START_FAILED,
            `plugin "${site.plugin}" did not start within ${timeoutMs} ms in ${where}`,
            { plugin: site.plugin, data: { timeoutMs, threadId: site.threadId } },
          ),
        );
      }, timeoutMs);
      this.#loadTimer.unref();
    }
    this.options.events.loading?.();
  }

  #loaded(message: Extract<HandleMessage, { type: 'LOADED' }>): void {
    clearTimeout(this.#loadTimer);
    this.#move(WorkerState.READY);
    const liveness = message.liveness ?? this.#liveness;
    this.#liveness = liveness;
    // Beats start once the plugin is loaded; from then on a stall of the loop is a hang.
    if (liveness !== undefined) {
      const { hangTimeoutMs } = this.options;
      this.#stopWatching = watchHeartbeat(
        () => readHeartbeat(liveness),
        hangTimeoutMs,
        () => {
          void this.options.endpoint.terminate();
          this.#end(hungError(this.options.site, hangTimeoutMs), 'hang');
        },
      );
    }
    this.#settleReady?.resolve();
    this.options.events.ready?.(message);
  }

  #fail(error: BerthError | Error): void {
    clearTimeout(this.#loadTimer);
    this.#move(WorkerState.FAILED);
    this.#settleReady?.reject(error);
    this.options.events.failed?.(error);
  }

  #end(error: BerthError, cause: EndCause): void {
    const from = this.#state;
    if (from === WorkerState.ENDED) return;
    this.#move(WorkerState.ENDED);
    this.#endError = error;
    this.#stopWatching();
    clearTimeout(this.#loadTimer);
    for (const pending of this.#requests.values()) pending.reject(error);
    this.#requests.clear();
    this.#settleReady?.reject(error);
    this.options.events.ended(error, cause, from);
  }

  #move(to: WorkerStateName): void {
    const from = this.#state;
    assert.ok(WORKER_TRANSITIONS[from].includes(to), `worker handle: ${from} -> ${to}`);
    this.#state = to;
    const { plugin, threadId } = this.options.site;
    this.options.logger.debug({ plugin, threadId, from, to }, 'plugin worker state');
  }
}

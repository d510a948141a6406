/**
 * The host's view of the threads of one pool: piscina runs them, this module knows what
 * each is doing. It answers their HELLO with the config in force, learns when each has
 * started the plugin, watches each one's heartbeat, notices each exit, and gathers the
 * answers of every thread to a request (health, configure, stop).
 *
 *   HELLO ──▶ booting ──THREAD_READY──▶ ready ──(exit | heartbeat stalls)──▶ gone
 *                │ THREAD_FAILED, or no answer within startTimeoutMs
 *                ▼
 *              failed
 *
 * piscina replaces a thread that dies; the replacement says HELLO like the first ones.
 */
import { BroadcastChannel, type Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { BerthError, codes, fromWireError, toWireError } from '../errors.js';
import type { ResourceLimits } from '../manifest/manifest.js';
import { watchHeartbeat } from './watchdog.js';
import { readHeartbeat } from '../transport/heartbeat.js';
import {
  POOL_WIRE_VERSION,
  PoolOp,
  readRunningCalls,
  type PoolBroadcast,
  type PoolOpName,
} from '../transport/pool-wire.js';
import type { PluginBoot, ServiceMethods } from '../transport/wire.js';
import { threadEndError, threadHeldError, threadHungError } from './pool-errors.js';
import type { PluginLogs } from './plugin-logs.js';
import { createPoolRequests } from './pool-requests.js';
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

interface ThreadRecord {
  threadId: number;
  worker: Worker | undefined;
  state: 'new' | 'booting' | 'ready' | 'failed';
  liveness: SharedArrayBuffer | undefined;
  lastError: Error | undefined;
  stopWatching(): void;
  startTimer: NodeJS.Timeout | undefined;
}

/** Starts hearing the threads of a pool; nothing is watched until they appear. */
export function createPoolThreads(options: PoolThreadsOptions): PoolThreads {
  const { plugin, events } = options;
  const threads = new Map<number, ThreadRecord>();
  const watched = new WeakSet<Worker>();
  const requests = createPoolRequests();
  /** Calls given up on, by id, with when; forgotten when their thread hands them back. */
  const abandoned = new Map<number, number>();
  let sweeper: NodeJS.Timeout | undefined;
  let closed = false;
  let windowStart = 0;
  let windowMessages = 0;
  const channel = new BroadcastChannel(options.channel);
  // The host never listens here; an open channel must not keep the process alive.
  (channel as unknown as { unref(): void }).unref();
  const broadcast = (message: PoolBroadcast): void => channel.postMessage(message);

  const recordOf = (threadId: number): ThreadRecord => {
    let record = threads.get(threadId);
    if (record === undefined) {
      record = {
        threadId,
        worker: undefined,
        state: 'new',
        liveness: undefined,
        lastError: undefined,
        stopWatching: () => {},
        startTimer: undefined,
      };
      threads.set(threadId, record);
    }
    return record;
  };

  /** Forgets a thread that is gone; returns the calls it was running. */
  const forget = (record: ThreadRecord): number[] => {
    threads.delete(record.threadId);
    record.stopWatching();
    clearTimeout(record.startTimer);
    requests.forget(record.threadId);
    return record.liveness === undefined ? [] : readRunningCalls(record.liveness);
  };

  const onExit = (threadId: number, exitCode: number): void => {
    const record = threads.get(threadId);
    if (closed || record === undefined) return;
    const { lastError } = record;
    const calls = forget(record);
    const { resourceLimits } = options;
    events.died(threadEndError({ plugin, threadId, exitCode, lastError, resourceLimits }), calls);
  };

  /** Ends a thread the host gave up on; a thread inside a native call ends when it returns. */
  const replace = (record: ThreadRecord, error: BerthError): void => {
    if (closed || threads.get(record.threadId) !== record) return;
    const calls = forget(record);
    void record.worker?.terminate();
    events.died(error, calls);
  };

  const onStall = (record: ThreadRecord): void =>
    replace(record, threadHungError(plugin, record.threadId, options.hangTimeoutMs));

  /** Replaces every thread still running a call given up on more than the grace ago. */
  const sweep = (): void => {
    const since = Date.now() - options.abandonGraceMs;
    for (const record of [...threads.values()]) {
      if (record.liveness === undefined) continue;
      const held = readRunningCalls(record.liveness).find(
        (id) => (abandoned.get(id) ?? Infinity) <= since,
      );
      if (held !== undefined) {
        replace(record, threadHeldError(plugin, record.threadId, held, options.abandonGraceMs));
      }
    }
    if (abandoned.size === 0 || closed) {
      clearInterval(sweeper);
      sweeper = undefined;
    }
  };

  const watch = (worker: Worker): void => {
    if (watched.has(worker)) return;
    watched.add(worker);
    const record = recordOf(worker.threadId);
    record.worker = worker;
    worker.on('error', (error) => {
      // Bounded before it is used in a message; its code (Node's OOM code) is kept.
      record.lastError = fromWireError(toWireError(error));
    });
    worker.once('exit', (exitCode) => onExit(record.threadId, exitCode));
  };

  const onHello = (threadId: number, protocol: number): void => {
    const record = recordOf(threadId);
    const worker = options.workers().find((w) => w.threadId === threadId);
    if (worker !== undefined) watch(worker);
    if (protocol !== POOL_WIRE_VERSION) {
      record.state = 'failed';
      events.failed(
        threadId,
        new BerthError(
          codes.PROTOCOL_MISMATCH,
          `plugin "${plugin}": pool thread speaks pool wire v${protocol}, host v${POOL_WIRE_VERSION}; reinstall Berth so both match`,
          { plugin, data: { host: POOL_WIRE_VERSION, worker: protocol } },
        ),
      );
      return;
    }
    record.state = 'booting';
    record.startTimer = setTimeout(() => {
      if (record.state !== 'booting') return;
      record.state = 'failed';
      events.failed(
        threadId,
        new BerthError(
          codes.START_FAILED,
          `plugin "${plugin}" did not start within ${options.startTimeoutMs} ms in pool thread ${threadId}`,
          { plugin, data: { timeoutMs: options.startTimeoutMs, threadId } },
        ),
      );
    }, options.startTimeoutMs);
    record.startTimer.unref();
    broadcast({ type: 'BOOT', threadId, services: options.services() });
  };

  const onReady = (threadId: number, methods: ServiceMethods, liveness: SharedArrayBuffer) => {
    const record = threads.get(threadId);
    if (record === undefined || record.state !== 'booting') return;
    if (liveness.byteLength !== options.livenessBytes) {
      events.violated(`a liveness buffer of ${liveness.byteLength} bytes`);
      return;
    }
    clearTimeout(record.startTimer);
    record.state = 'ready';
    record.liveness = liveness;
    record.stopWatching = watchHeartbeat(
      () => readHeartbeat(liveness),
      options.hangTimeoutMs,
      () => onStall(record),
    );
    events.ready(threadId, methods);
  };

  return {
    onMessage(value) {
      if (closed) return;
      const now = Date.now();
      if (now - windowStart >= 1_000) {
        windowStart = now;
        windowMessages = 0;
      }
      const budget = MAX_MESSAGES_PER_SECOND_PER_THREAD * Math.max(1, threads.size);
      if (++windowMessages > budget) {
        events.violated(`over ${budget} messages in a second`);
        return;
      }
      const read = readPoolMessage(value);
      if (!read.ok) {
        events.violated(read.problem);
        return;
      }
      const message = read.message;
      switch (message.type) {
        case 'LOGS':
          options.logs.take(message.lines, message.dropped);
          return;
        case 'HELLO':
          onHello(message.threadId, message.protocol);
          return;
        case 'THREAD_READY':
          onReady(message.threadId, message.methods, message.liveness);
          return;
        case 'THREAD_FAILED': {
          const record = threads.get(message.threadId);
          if (record === undefined || record.state !== 'booting') return;
          clearTimeout(record.startTimer);
          record.state = 'failed';
          events.failed(message.threadId, fromWireError(message.error));
          return;
        }
        case 'REPLY':
          requests.answer(
            message.requestId,
            message.threadId,
            message.ok ? { value: message.value } : { error: fromWireError(message.error) },
          );
          return;
      }
    },
    watch,
    cancel(id, forgetAt) {
      if (closed) return;
      broadcast({ type: 'CANCEL', id, forgetAt });
      abandoned.set(id, Date.now());
      if (sweeper === undefined) {
        sweeper = setInterval(sweep, Math.max(10, Math.min(1_000, options.abandonGraceMs / 4)));
        sweeper.unref();
      }
    },
    settled(id) {
      abandoned.delete(id);
    },
    request(op, args) {
      if (closed) return Promise.resolve([]);
      // Health is asked of running threads only: one still starting would answer once it
      // has started, which a health deadline should not wait for. Config and stop must
      // reach every thread that has been booted.
      const asked = (t: ThreadRecord): boolean =>
        op === PoolOp.HEALTH ? t.state === 'ready' : t.state !== 'new';
      const threadIds = [...threads.values()].filter(asked).map((t) => t.threadId);
      return requests.open(threadIds, (requestId) =>
        broadcast({ type: 'REQUEST', requestId, op, args }),
      );
    },
    close(reason) {
      if (closed) return;
      closed = true;
      clearInterval(sweeper);
      abandoned.clear();
      for (const record of threads.values()) {
        record.stopWatching();
        clearTimeout(record.startTimer);
      }
      requests.rejectAll(reason);
      channel.close();
    },
  };
}

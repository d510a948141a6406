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
import { BerthError, codes, fromWireError } from '../errors.js';
import type { ResourceLimits } from '../manifest/manifest.js';
import { watchHeartbeat } from '../supervisor/watchdog.js';
import { readHeartbeat } from '../transport/heartbeat.js';
import {
  POOL_WIRE_VERSION,
  PoolOp,
  readRunningCalls,
  type PoolBroadcast,
  type PoolOpName,
  type PoolThreadMessage,
} from '../transport/pool-wire.js';
import type { PluginBoot, ServiceMethods } from '../transport/wire.js';
import { forwardLog } from './forward-log.js';
import { threadEndError, threadHungError } from './pool-errors.js';
import { createPoolRequests } from './pool-requests.js';

/** What the threads tell the runtime. */
export interface PoolThreadEvents {
  /** A thread has started the plugin. */
  ready(threadId: number, methods: ServiceMethods): void;
  /** A thread could not start the plugin (its error), or did not within startTimeoutMs. */
  failed(threadId: number, error: Error): void;
  /** A thread ended on its own or was ended as hung; `calls` are the ids it was running. */
  died(error: BerthError, calls: number[]): void;
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
  events: PoolThreadEvents;
}

/** The threads of one pool. */
export interface PoolThreads {
  /** Handles a message a thread posted (piscina's 'message' event). */
  onMessage(message: PoolThreadMessage): void;
  /** Watches `worker` for its exit; safe to call more than once per worker. */
  watch(worker: Worker): void;
  /** Tells every thread that call `id` is abandoned (its ctx.signal aborts). */
  cancel(id: number, forgetAt: number): void;
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
  let closed = false;
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

  const onStall = (record: ThreadRecord): void => {
    if (closed || threads.get(record.threadId) !== record) return;
    const calls = forget(record);
    // A thread inside a native call ends only when the call returns; nothing waits for it.
    void record.worker?.terminate();
    events.died(threadHungError(plugin, record.threadId, options.hangTimeoutMs), calls);
  };

  const watch = (worker: Worker): void => {
    if (watched.has(worker)) return;
    watched.add(worker);
    const record = recordOf(worker.threadId);
    record.worker = worker;
    worker.on('error', (error) => {
      record.lastError = error;
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
    onMessage(message) {
      if (closed) return;
      switch (message.type) {
        case 'LOG':
          forwardLog(options.logger, message.line);
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
      if (!closed) broadcast({ type: 'CANCEL', id, forgetAt });
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
      for (const record of threads.values()) {
        record.stopWatching();
        clearTimeout(record.startTimer);
      }
      requests.rejectAll(reason);
      channel.close();
    },
  };
}

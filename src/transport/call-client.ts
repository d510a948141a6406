/**
 * The host end of the data plane: numbers calls, sends them as frames on the request
 * ring, and settles each call's promise when its result comes back on the result ring.
 *
 * Guarantee: every call settles. A result, a failure, the caller's abort, the deadline,
 * or `rejectAll` (the worker died) each settle it exactly once; late frames for a
 * settled call are dropped, and the arena slot they came in is freed.
 */
import { performance } from 'node:perf_hooks';
import type { MessagePort } from 'node:worker_threads';
import type { Logger } from 'pino';
import { BerthError, callAbortedError, codes } from '../errors.js';
import { fromWireError, type WireError } from '../wire-error.js';
import { createDeadlineTimer } from './deadlines.js';
import { Lease } from './lease.js';
import { ArenaReader, type ArenaSlot } from './result-arena.js';
import { RingReader, RingWriter } from './record-ring.js';
import { FrameReceiver, FrameSender } from './shared-channel.js';
import type { SharedBuffers } from './shared-layout.js';
import { Frame, type AnyFrame } from './wire.js';

/** How long the host keeps looking for results while the worker says it is busy (ms). */
const BUSY_POLL_MS = 1;

interface PendingCall {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  service: string;
  method: string;
  zeroCopy: boolean;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  /** When the call times out (ms since the epoch), or Infinity. */
  deadline: number;
  timeoutMs: number;
}

/** How one call may end early, and how its result comes back. */
export interface CallOptions {
  /** The caller gives up when it fires: BERTH_ERR_CALL_ABORTED. */
  signal?: AbortSignal | undefined;
  /** The call's deadline: BERTH_ERR_CALL_TIMEOUT after this many ms. */
  timeoutMs?: number | undefined;
  /**
   * Resolve with a {@link Lease} whose value's byte arrays are views on the arena
   * (released by the caller) instead of a value that is safe to keep forever.
   */
  zeroCopy?: boolean | undefined;
}

/** Arena figures of one worker's data plane. */
export interface DataPlaneStats {
  /** Arena bytes held by unreleased leases (and the slots queued behind them). */
  arenaBytesInUse: number;
  arenaCapacity: number;
}

/** Sends calls to one worker. */
export interface CallClient {
  /**
   * Sends one call. Rejects with the plugin's error rebuilt from the wire (a BerthError
   * when it carried a Berth code), BERTH_ERR_UNENCODABLE when `args` cannot be encoded,
   * BERTH_ERR_CALL_ABORTED when the signal fires first, or BERTH_ERR_CALL_TIMEOUT at the
   * deadline. Abort and timeout also cancel the call on the worker side.
   */
  call(service: string, method: string, args: unknown[], options?: CallOptions): Promise<unknown>;
  /** Rejects every call in flight with the error `makeError` returns; new calls still work. */
  rejectAll(makeError: () => Error): void;
  /** Calls sent and not yet settled. */
  readonly inFlight: number;
  /** Resolves when no call is in flight (at once if none is). */
  whenIdle(): Promise<void>;
  readonly stats: DataPlaneStats;
  /** Stops receiving; calls in flight are not settled by this (use rejectAll first). */
  close(): void;
}

/** What the host end is made from: the worker's buffers and the fallback port. */
export interface CallClientOptions {
  buffers: SharedBuffers;
  port: MessagePort;
  plugin: string;
  logger?: Logger | undefined;
  /** How long to look for results between event-loop turns before sleeping (µs); default 0. */
  pollUs?: number | undefined;
  /** How a call's error reaches its caller (call-error.ts); default unchanged. */
  present?: ((error: unknown, service: string, method: string) => unknown) | undefined;
  /**
   * Told once when the worker breaks the data-plane protocol (BERTH_ERR_PROTOCOL): the
   * client has stopped receiving, and rejects with that error whatever is still in flight
   * once this returns. The worker is the runtime's to end.
   */
  onViolation?: ((error: BerthError) => void) | undefined;
}

/** Makes the host end of the data plane. */
export function createCallClient(options: CallClientOptions): CallClient {
  const { buffers, port, plugin, logger, pollUs = 0 } = options;
  const present = options.present ?? ((error: unknown) => error);
  const pending = new Map<number, PendingCall>();
  const arena = new ArenaReader(buffers.arena, buffers.results);
  const results = new RingReader(buffers.results);
  const sender = new FrameSender(new RingWriter(buffers.requests), port, undefined, (error) =>
    violated(error),
  );
  let idleWaiters: (() => void)[] = [];
  let nextId = 1;
  /** No more results are taken: closed, or the worker broke the protocol. */
  let closed = false;
  /** Until close() has let go of the port, the rings and the timer. */
  let receiving = true;

  const settle = (id: number): PendingCall | undefined => {
    const call = pending.get(id);
    if (call === undefined) return undefined;
    pending.delete(id);
    if (pending.size === 0 && idleWaiters.length > 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const wake of waiters) wake();
    }
    if (call.onAbort !== undefined) call.signal?.removeEventListener('abort', call.onAbort);
    return call;
  };

  const giveUp = (id: number, error: BerthError): void => {
    const call = settle(id);
    if (call === undefined) return;
    call.reject(present(error, call.service, call.method));
    try {
      sender.send([Frame.CANCEL, id], id);
    } catch {
      // A cancel frame always encodes; nothing to do if the channel is closed.
    }
  };

  const deadlines = createDeadlineTimer((now) => {
    let next = Infinity;
    for (const [id, call] of pending) {
      if (call.deadline <= now) giveUp(id, timeoutError(call.timeoutMs));
      else if (call.deadline < next) next = call.deadline;
    }
    return next;
  });

  /** The worker broke the protocol: stop, let the runtime end it, settle what is left. */
  const violated = (error: BerthError): void => {
    if (closed) return;
    closed = true;
    options.onViolation?.(error);
    client.rejectAll(() => error);
    client.close();
  };

  const onFrame = (frame: AnyFrame, slot: ArenaSlot | undefined): void => {
    const call = settle(frame[1]);
    if (call === undefined || frame[0] !== Frame.RESULT) {
      if (slot !== undefined) arena.free(slot);
      if (call !== undefined && frame[0] === Frame.FAILURE)
        call.reject(present(fromWireError(frame[2] as WireError), call.service, call.method));
      return;
    }
    if (!call.zeroCopy) {
      call.resolve(frame[2]);
      return;
    }
    const held = slot === undefined ? undefined : { arena, slot, plugin, logger };
    call.resolve(new Lease(frame[2], held));
  };

  const receiver = new FrameReceiver({
    reader: results,
    port,
    arena,
    keepsViews: (id) => pending.get(id)?.zeroCopy === true,
    accepts: [Frame.RESULT, Frame.FAILURE],
    onFrame,
    onViolation: violated,
  });

  // The receive loop, in callbacks rather than an async function: it runs between every
  // call's result and the next, and a promise per turn was most of what it allocated.
  // Asleep, it waits for the doorbell; after a drain it looks for more results between
  // turns of the event loop (other I/O keeps flowing) for `pollUs`. The first turn lets
  // the callers just answered send their next calls; a result that comes within the
  // window costs the worker no notify and this thread no wake-up.
  // While the worker says it is running calls (a result being copied into the arena,
  // say), the window stretches, up to BUSY_POLL_MS: the result is on its way.
  let pollUntil = 0;
  let busyUntil = 0;
  const receive = (): void => {
    if (closed) return;
    receiver.drain();
    if (pollUs <= 0) {
      sleep();
      return;
    }
    const now = performance.now();
    pollUntil = now + pollUs / 1000;
    busyUntil = now + BUSY_POLL_MS;
    setImmediate(poll);
  };
  const poll = (): void => {
    if (closed) return;
    if (results.hasRecords && receiver.whenReady() === undefined) {
      receive();
      return;
    }
    const now = performance.now();
    if (now < pollUntil || (now < busyUntil && results.writerBusy)) setImmediate(poll);
    else sleep();
  };
  const sleep = (): void => {
    if (closed) return;
    void (receiver.whenReady() ?? results.whenRecords()).then(receive);
  };

  const client: CallClient = {
    call(service, method, args, callOptions = {}) {
      const { signal, timeoutMs, zeroCopy = false } = callOptions;
      if (closed) return Promise.reject(present(closedError(plugin), service, method));
      if (signal?.aborted) return Promise.reject(present(abortError(signal), service, method));
      const id = nextId++;
      try {
        sender.send([Frame.CALL, id, service, method, args], id);
      } catch (error) {
        return Promise.reject(present(error, service, method));
      }
      return new Promise((resolve, reject) => {
        const call: PendingCall = {
          resolve,
          reject,
          service,
          method,
          zeroCopy,
          signal,
          onAbort: undefined,
          deadline: Infinity,
          timeoutMs: 0,
        };
        if (signal !== undefined) {
          call.onAbort = () => giveUp(id, abortError(signal));
          signal.addEventListener('abort', call.onAbort, { once: true });
        }
        if (timeoutMs !== undefined) {
          call.deadline = Date.now() + timeoutMs;
          call.timeoutMs = timeoutMs;
          deadlines.arm(call.deadline);
        }
        pending.set(id, call);
      });
    },
    rejectAll(makeError) {
      for (const id of [...pending.keys()]) {
        const call = settle(id);
        call?.reject(present(makeError(), call.service, call.method));
      }
    },
    get inFlight() {
      return pending.size;
    },
    whenIdle() {
      if (pending.size === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    get stats() {
      return { arenaBytesInUse: arena.bytesInUse, arenaCapacity: arena.capacity };
    },
    close() {
      if (receiving) {
        receiving = false;
        closed = true;
        sender.close();
        deadlines.clear();
        port.close();
        results.close(); // so the receive loop ends and lets go of the buffers
      }
    },
  };
  sleep();
  return client;
}

function closedError(plugin: string): BerthError {
  return new BerthError(
    codes.PLUGIN_NOT_RUNNING,
    `the data plane of plugin "${plugin}" is closed`,
    {
      plugin,
    },
  );
}

function timeoutError(timeoutMs: number): BerthError {
  return new BerthError(
    codes.CALL_TIMEOUT,
    `no answer within the call's deadline of ${timeoutMs} ms`,
    {
      data: { timeoutMs },
    },
  );
}

function abortError(signal: AbortSignal): BerthError {
  return callAbortedError(signal.reason);
}

/**
 * The calls a pool runtime has sent and not yet settled.
 *
 * Guarantee: every call settles exactly once, by whichever comes first: its answer, the
 * caller's abort (BERTH_ERR_CALL_ABORTED), its deadline (BERTH_ERR_CALL_TIMEOUT), the
 * death of the thread running it, or the end of the pool. Anything that arrives for a
 * settled call is dropped.
 */
import { BerthError, callAbortedError, codes } from '../errors.js';
import type { CallOptions } from './runtime.js';

interface Pending {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  timer: NodeJS.Timeout | undefined;
}

/** Ids stay below 2^31 so that they fit a RUNNING slot (pool-wire.ts); 0 is never one. */
const MAX_ID = 0x7fff_ffff;

/** The pending calls of one pool runtime. */
export interface PoolCalls {
  /** A fresh call id: never 0, and it wraps long before it could overflow a slot. */
  nextId(): number;
  /**
   * Tracks call `id` and returns its promise. When the caller gives up (abort, deadline)
   * the promise rejects at once and `onGiveUp(id)` is told, so the call can be cancelled
   * where it runs.
   */
  track(id: number, options: CallOptions, onGiveUp: (id: number) => void): Promise<unknown>;
  /** Settles call `id` if it is still pending; returns whether it was. */
  resolve(id: number, value: unknown): boolean;
  reject(id: number, error: unknown): boolean;
  /** Rejects every pending call with the error `makeError` returns. */
  rejectAll(makeError: () => Error): void;
  readonly inFlight: number;
  /** Resolves when no call is pending (at once if none is). */
  whenIdle(): Promise<void>;
}

/** Makes an empty table of calls. */
export function createPoolCalls(): PoolCalls {
  const pending = new Map<number, Pending>();
  let idleWaiters: (() => void)[] = [];
  let lastId = 0;

  const take = (id: number): Pending | undefined => {
    const call = pending.get(id);
    if (call === undefined) return undefined;
    pending.delete(id);
    if (call.onAbort !== undefined) call.signal?.removeEventListener('abort', call.onAbort);
    clearTimeout(call.timer);
    if (pending.size === 0 && idleWaiters.length > 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const wake of waiters) wake();
    }
    return call;
  };

  return {
    nextId() {
      lastId = lastId >= MAX_ID ? 1 : lastId + 1;
      return lastId;
    },
    track(id, options, onGiveUp) {
      const { signal, timeoutMs } = options;
      return new Promise((resolve, reject) => {
        const call: Pending = { resolve, reject, signal, onAbort: undefined, timer: undefined };
        const giveUp = (error: BerthError): void => {
          if (take(id) === undefined) return;
          reject(error);
          onGiveUp(id);
        };
        if (signal !== undefined) {
          call.onAbort = () => giveUp(callAbortedError(signal.reason));
          signal.addEventListener('abort', call.onAbort, { once: true });
        }
        if (timeoutMs !== undefined) {
          call.timer = setTimeout(
            () =>
              giveUp(
                new BerthError(
                  codes.CALL_TIMEOUT,
                  `no answer within the call's deadline of ${timeoutMs} ms`,
                  { data: { timeoutMs } },
                ),
              ),
            timeoutMs,
          );
        }
        pending.set(id, call);
      });
    },
    resolve(id, value) {
      const call = take(id);
      call?.resolve(value);
      return call !== undefined;
    },
    reject(id, error) {
      const call = take(id);
      call?.reject(error);
      return call !== undefined;
    },
    rejectAll(makeError) {
      for (const id of [...pending.keys()]) take(id)?.reject(makeError());
    },
    get inFlight() {
      return pending.size;
    },
    whenIdle() {
      if (pending.size === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
  };
}

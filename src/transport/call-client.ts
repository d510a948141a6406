/**
 * The host end of the data plane: numbers calls, sends them as frames, and settles each
 * call's promise when its result frame comes back.
 *
 * Guarantee: every call settles. A result, a failure, the caller's abort, or
 * `rejectAll` (the worker died) each settle it exactly once; late frames for a settled
 * call are dropped.
 */
import type { MessagePort } from 'node:worker_threads';
import { BerthError, codes, fromWireError, type WireError } from '../errors.js';
import { createFrameChannel } from './frame-channel.js';
import { Frame, type AnyFrame } from './wire.js';

interface PendingCall {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  timer: NodeJS.Timeout | undefined;
}

/** How one call may end early. */
export interface CallOptions {
  /** The caller gives up when it fires: BERTH_ERR_CALL_ABORTED. */
  signal?: AbortSignal | undefined;
  /** The call's deadline: BERTH_ERR_CALL_TIMEOUT after this many ms. */
  timeoutMs?: number | undefined;
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
  /** Closes the channel; calls in flight are not settled by this (use rejectAll first). */
  close(): void;
}

/** Makes the host end of the data plane over `port`. */
export function createCallClient(port: MessagePort): CallClient {
  const pending = new Map<number, PendingCall>();
  let idleWaiters: (() => void)[] = [];
  let nextId = 1;

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
    if (call.timer !== undefined) clearTimeout(call.timer);
    return call;
  };

  const channel = createFrameChannel(port, (frame: AnyFrame) => {
    if (frame[0] === Frame.RESULT) settle(frame[1])?.resolve(frame[2]);
    else if (frame[0] === Frame.FAILURE)
      settle(frame[1])?.reject(fromWireError(frame[2] as WireError));
  });

  return {
    call(service, method, args, options = {}) {
      const { signal, timeoutMs } = options;
      if (signal?.aborted) return Promise.reject(abortError(signal));
      const id = nextId++;
      try {
        channel.send([Frame.CALL, id, service, method, args]);
      } catch (error) {
        return Promise.reject(error);
      }
      return new Promise((resolve, reject) => {
        const call: PendingCall = { resolve, reject, signal, onAbort: undefined, timer: undefined };
        const giveUp = (error: BerthError): void => {
          if (settle(id) === undefined) return;
          reject(error);
          channel.send([Frame.CANCEL, id]);
        };
        if (signal !== undefined) {
          call.onAbort = () => giveUp(abortError(signal));
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
    rejectAll(makeError) {
      for (const id of [...pending.keys()]) settle(id)?.reject(makeError());
    },
    get inFlight() {
      return pending.size;
    },
    whenIdle() {
      if (pending.size === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    close() {
      channel.close();
    },
  };
}

function abortError(signal: AbortSignal): BerthError {
  return new BerthError(codes.CALL_ABORTED, 'the caller aborted the call', {
    cause: signal.reason,
  });
}

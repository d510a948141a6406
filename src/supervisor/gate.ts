/**
 * A gate that calls wait at while their plugin is restarting: it opens once (the plugin
 * runs again) or fails once (the breaker opened, the host closed), and every wait is
 * bounded by the caller's deadline and signal.
 */
import { BerthError, callAbortedError, codes } from '../errors.js';

/** See the module comment. */
export interface Gate {
  open(): void;
  /** True once opened or failed: no wait on it can hang any more. */
  readonly settled: boolean;
  /** Every wait, present and future, rejects with `error`. */
  fail(error: BerthError): void;
  /** Resolves when open; rejects with the failure, BERTH_ERR_CALL_TIMEOUT after `ms`, or BERTH_ERR_CALL_ABORTED. */
  wait(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The longest delay one Node timer keeps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Makes a closed gate. */
export function createGate(): Gate {
  let resolveState!: () => void;
  let rejectState!: (error: BerthError) => void;
  let settled = false;
  const state = new Promise<void>((resolve, reject) => {
    resolveState = resolve;
    rejectState = reject;
  });
  state.catch(() => {}); // a gate nobody waits on may fail unobserved
  return {
    open() {
      settled = true;
      resolveState();
    },
    fail(error) {
      settled = true;
      rejectState(error);
    },
    get settled() {
      return settled;
    },
    wait(ms, signal) {
      let timer: NodeJS.Timeout | undefined;
      let onAbort: (() => void) | undefined;
      const bounds = new Promise<never>((_resolve, reject) => {
        // Node fires a timer of more than 2^31 - 1 ms after 1 ms (TimeoutOverflowWarning),
        // and a deadline has no upper bound (callTimeoutMs, a call's timeoutMs): a longer
        // wait is armed in steps, so it never times out early.
        const expireIn = (left: number): void => {
          timer = setTimeout(
            left > MAX_TIMER_MS
              ? () => expireIn(left - MAX_TIMER_MS)
              : () =>
                  reject(
                    new BerthError(
                      codes.CALL_TIMEOUT,
                      `the plugin was not back within the call's deadline`,
                    ),
                  ),
            Math.min(left, MAX_TIMER_MS),
          );
        };
        expireIn(Math.max(0, ms));
        if (signal !== undefined) {
          onAbort = () => reject(callAbortedError(signal.reason));
          if (signal.aborted) onAbort();
          else signal.addEventListener('abort', onAbort, { once: true });
        }
      });
      return Promise.race([state, bounds]).finally(() => {
        clearTimeout(timer);
        if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
      });
    },
  };
}

/**
 * A gate that calls wait at while their plugin is restarting: it opens once (the plugin
 * runs again) or fails once (the breaker opened, the host closed), and every wait is
 * bounded by the caller's deadline and signal.
 */
import { BerthError, codes } from '../errors.js';

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
        timer = setTimeout(
          () =>
            reject(
              new BerthError(
                codes.CALL_TIMEOUT,
                `the plugin was not back within the call's deadline`,
              ),
            ),
          Math.max(0, ms),
        );
        if (signal !== undefined) {
          onAbort = () =>
            reject(
              new BerthError(codes.CALL_ABORTED, 'the caller aborted the call', {
                cause: signal.reason,
              }),
            );
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

/**
 * Bounds how long Berth waits for plugin code. The plugin's promise is not cancelled
 * (it cannot be); the wait for it is.
 */

/**
 * The longest wait Berth arms, about 24.8 days: Node runs a timer of more than 2^31 - 1
 * ms after 1 ms, so a longer timeout would end at once. Host options above it are
 * refused; a call's own timeout is cut to it.
 */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** Marks a wait that ran out of time; carries no other meaning. */
export const TIMED_OUT: unique symbol = Symbol('timed out');

/**
 * Resolves with `promise`'s value, or with TIMED_OUT once `ms` have passed. The timer is
 * cleared either way, so a finished wait keeps nothing alive.
 */
export async function withDeadline<T>(
  promise: Promise<T>,
  ms: number,
): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const expiry = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(resolve, ms, TIMED_OUT);
  });
  try {
    return await Promise.race([promise, expiry]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Call deadlines without a timer per call, and without any bookkeeping per call: the
 * caller keeps each call's deadline with the call, and one timer is armed for the
 * earliest deadline it was told of. When it fires, `sweep` expires what is due among the
 * calls still out and names the next deadline.
 *
 * A call that settles early leaves the timer armed for its deadline; the sweep then
 * finds nothing due and re-arms for the earliest call still out. With one timeout for
 * every call the timer so fires about once per timeout, and a call costs one comparison.
 * A setTimeout and clearTimeout pair per call cost more than the rest of a pipelined
 * call's host-side work together, and a map of deadline buckets allocated a bucket per
 * call when calls went one at a time.
 *
 * A deadline fires when the timer says it is due by `Date.now()`: never early.
 */

/** The timer of a set of deadlines. */
export interface DeadlineTimer {
  /** Makes sure a sweep runs at `at` (ms since the epoch) or soon after. */
  arm(at: number): void;
  /** Drops the timer; sweeps stop until the next {@link arm}. */
  clear(): void;
}

/**
 * Makes a timer whose sweeps call `sweep(now)`: it must expire every deadline at or before
 * `now` and return the earliest one left (Infinity for none).
 */
export function createDeadlineTimer(sweep: (now: number) => number): DeadlineTimer {
  let timer: NodeJS.Timeout | undefined;
  let armedFor = Infinity;

  const arm = (at: number): void => {
    if (at >= armedFor) return;
    clearTimeout(timer);
    armedFor = at;
    timer = setTimeout(fire, Math.max(0, at - Date.now()));
  };

  const fire = (): void => {
    timer = undefined;
    armedFor = Infinity;
    const next = sweep(Date.now());
    if (next !== Infinity) arm(next);
  };

  return {
    arm,
    clear() {
      clearTimeout(timer);
      timer = undefined;
      armedFor = Infinity;
    },
  };
}

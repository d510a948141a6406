/**
 * `createRouter`: the one place calls to a plugin go through, holding the instance that
 * serves them now. Switching it is a single assignment, so there is no moment with no
 * target; each call is counted on the instance it started on until it settles, so the
 * old instance can be drained exactly (calls waiting inside it for a restart included).
 *
 *   caller ──use(fn)──▶ router ──fn(current)──▶ instance A   (counted on A until settled)
 *                          │ switchTo(B)
 *   caller ──use(fn)──▶ router ──fn(current)──▶ instance B   (A drains: drained(A) → true)
 */

/** See the module comment. `T` is whatever the caller routes to (a supervisor, say). */
export interface Router<T> {
  /** The instance new calls go to. */
  readonly current: T;
  /**
   * Runs `fn` on the current instance, picked and counted in the same tick, and keeps it
   * counted on that instance until the returned promise settles. A switch meanwhile does
   * not move the call.
   */
  use<R>(fn: (target: T) => Promise<R>): Promise<R>;
  /** Sends new calls to `next` from now on; returns the instance it replaced. */
  switchTo(next: T): T;
  /** Calls through this router running on `target` now. */
  inFlight(target: T): number;
  /**
   * Resolves `true` as soon as no call through this router runs on `target` (at once if
   * none does), or `false` once `timeoutMs` has passed first. Leaves no timer behind.
   */
  drained(target: T, timeoutMs: number): Promise<boolean>;
}

interface Tally {
  count: number;
  /** Told when `count` reaches 0; made by the first `drained` that waits. */
  idle: Set<() => void> | undefined;
  /**
   * Count one call out as it resolves or rejects, passing its outcome on. Made once per
   * instance, so a call allocates no closure for them; `then` with both, rather than
   * `finally`, costs one promise per call instead of several.
   */
  resolved: <R>(value: R) => R;
  rejected: (error: unknown) => Promise<never>;
}

/** Makes a router whose first target is `initial`. */
export function createRouter<T>(initial: T): Router<T> {
  // The current instance's tally lives as long as it is current; any other instance's
  // only while calls run on it, so the map never outgrows the instances being drained.
  const tallies = new Map<T, Tally>();
  let current = initial;
  const tallyOf = (target: T): Tally => {
    let tally = tallies.get(target);
    if (tally !== undefined) return tally;
    const settle = (): void => {
      made.count -= 1;
      if (made.count > 0) return;
      if (target !== current) tallies.delete(target);
      const idle = made.idle;
      made.idle = undefined;
      if (idle !== undefined) for (const tell of idle) tell();
    };
    const made: Tally = {
      count: 0,
      idle: undefined,
      resolved: (value) => {
        settle();
        return value;
      },
      rejected: (error) => {
        settle();
        return Promise.reject(error as Error);
      },
    };
    tally = made;
    tallies.set(target, tally);
    return tally;
  };
  let currentTally = tallyOf(initial);

  return {
    get current() {
      return current;
    },
    use<R>(fn: (target: T) => Promise<R>): Promise<R> {
      const tally = currentTally;
      tally.count += 1;
      let running: Promise<R>;
      try {
        running = fn(current);
      } catch (error) {
        running = Promise.reject(error as Error);
      }
      return running.then(tally.resolved, tally.rejected);
    },
    switchTo(next) {
      const previous = current;
      if (next === previous) return previous;
      current = next;
      currentTally = tallyOf(next);
      if (tallies.get(previous)?.count === 0) tallies.delete(previous);
      return previous;
    },
    inFlight(target) {
      return tallies.get(target)?.count ?? 0;
    },
    drained(target, timeoutMs) {
      const tally = tallies.get(target);
      if (tally === undefined || tally.count === 0) return Promise.resolve(true);
      return new Promise<boolean>((resolve) => {
        const done = (drained: boolean): void => {
          clearTimeout(timer);
          tally.idle?.delete(onIdle);
          resolve(drained);
        };
        const onIdle = (): void => done(true);
        const timer = setTimeout(() => done(false), timeoutMs);
        (tally.idle ??= new Set()).add(onIdle);
      });
    },
  };
}

/**
 * How many times something died lately: the window both the supervisor's restart budget
 * (restart-policy.ts) and a pool's thread-death budget (pool-runtime.ts) count in. Pure.
 */

/** A budget of deaths within a sliding window. */
export interface CrashWindow {
  /** This many deaths within `windowMs` spend the budget. */
  budget: number;
  windowMs: number;
}

/**
 * The deaths a pool's threads may have before the pool is given up: the supervisor's
 * default restart budget (5 in 60 s); a unit test keeps the two equal.
 */
export const POOL_DEATH_BUDGET: CrashWindow = { budget: 5, windowMs: 60_000 };

/** Crash times (ms) within the window ending at `now`, oldest first. */
export function recentCrashes(
  crashes: readonly number[],
  now: number,
  window: Pick<CrashWindow, 'windowMs'>,
): number[] {
  return crashes.filter((at) => now - at < window.windowMs);
}

/**
 * When a crashed plugin is started again, and when it is not: exponential backoff with
 * jitter, and a restart budget whose exhaustion opens a breaker. Pure functions of the
 * options, the crash history and a random number, so they are tested without threads.
 */
import { recentCrashes } from '../isolation/crash-window.js';

/** Crash times within a window: shared with pool isolation's thread-death budget. */
export { recentCrashes };

/** How restarts are paced. */
export interface RestartPolicy {
  /** Delay before the first restart. */
  initialDelayMs: number;
  /** Delays never exceed this. */
  maxDelayMs: number;
  /** Each consecutive crash multiplies the delay by this. */
  multiplier: number;
  /** 0..1: the delay is drawn uniformly from [delay * (1 - jitter), delay]. */
  jitter: number;
  /** This many crashes within `windowMs` open the breaker. */
  budget: number;
  windowMs: number;
  /** How long an open breaker waits before it half-opens (one trial start). */
  cooldownMs: number;
}

/** The defaults: 5 crashes in 60 s open the breaker for 30 s; backoff 100 ms doubling to 10 s. */
export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  initialDelayMs: 100,
  maxDelayMs: 10_000,
  multiplier: 2,
  jitter: 0.2,
  budget: 5,
  windowMs: 60_000,
  cooldownMs: 30_000,
};

/** What to do after a crash. */
export type RestartDecision =
  { action: 'restart'; delayMs: number } | { action: 'open-breaker'; retryInMs: number };

/**
 * Decides after the crash at `now` (already included in `crashes`). The n-th crash of the
 * window waits `initialDelayMs * multiplier^(n-1)`, capped and jittered; the crash that
 * reaches the budget opens the breaker instead.
 */
export function decideRestart(
  crashes: readonly number[],
  now: number,
  policy: RestartPolicy,
  random: number = Math.random(),
): RestartDecision {
  const recent = recentCrashes(crashes, now, policy);
  if (recent.length >= policy.budget)
    return { action: 'open-breaker', retryInMs: policy.cooldownMs };
  const exponent = Math.max(0, recent.length - 1);
  const delay = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.multiplier ** exponent);
  return { action: 'restart', delayMs: Math.round(delay * (1 - policy.jitter * random)) };
}

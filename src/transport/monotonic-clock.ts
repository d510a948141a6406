/**
 * One clock for every thread of the process: milliseconds on the system's monotonic
 * clock, as cheap to read as `performance.now()`. Each thread's `performance.now()`
 * counts from that thread's own start, so a time written by one thread into shared
 * memory means nothing to another; this one does. Both read libuv's monotonic clock, so
 * the two differ by a constant per thread: it is taken once, as the sample (of several)
 * whose two bracketing `performance.now()` reads were closest, so that a thread
 * descheduled mid-sample does not run early or late for the rest of its life.
 */
import { performance } from 'node:perf_hooks';

/**
 * `hrtimeMs()` minus `now()` in this thread. Takes its clocks as arguments and uses
 * nothing else, so that a test can run the same code in another thread.
 */
export function measureOffset(now: () => number, hrtimeMs: () => number, samples = 16): number {
  let best = Number.POSITIVE_INFINITY;
  let offset = 0;
  for (let i = 0; i < samples + 2; i += 1) {
    const before = now();
    const hr = hrtimeMs();
    const after = now();
    // The first two warm both calls up.
    if (i >= 2 && after - before < best) {
      best = after - before;
      offset = hr - (before + after) / 2;
    }
  }
  return offset;
}

const offsetMs = measureOffset(
  () => performance.now(),
  () => Number(process.hrtime.bigint()) / 1e6,
);

/** Now, in ms on the system's monotonic clock: comparable across threads. */
export function monotonicMs(): number {
  return performance.now() + offsetMs;
}

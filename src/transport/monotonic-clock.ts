/**
 * One clock for every thread of the process: milliseconds on the system's monotonic
 * clock, as cheap to read as `performance.now()`. Each thread's `performance.now()`
 * counts from that thread's own start, so a time written by one thread into shared
 * memory means nothing to another; this one does. It is `performance.now()` (monotonic
 * too) plus the offset between the two, taken once per thread, so it does not allocate.
 */
import { performance } from 'node:perf_hooks';

const offsetMs = Number(process.hrtime.bigint()) / 1e6 - performance.now();

/** Now, in ms on the system's monotonic clock: comparable across threads. */
export function monotonicMs(): number {
  return performance.now() + offsetMs;
}

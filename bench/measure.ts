/**
 * The two measurements taken of every transport and payload:
 *
 * - latency: one call in flight at a time, each timed alone (p50, p99);
 * - throughput: `window` calls kept in flight, completions per second.
 *
 * Every result is checked (cheaply) as it arrives: a transport that returns a wrong
 * value fails the run. Both stop at a sample count or a time budget, whichever is first.
 */
import { performance } from 'node:perf_hooks';
import { quantile } from './stats.js';

/** One thing to measure: a call, and the check of its result. */
export interface Probe {
  call(id: number): Promise<unknown>;
  /** Throws if `value` is not the right result of call `id`. */
  check(id: number, value: unknown): void;
}

/** How much of a measurement to take. */
export interface Budget {
  /** Stop after this many calls… */
  calls: number;
  /** …or after this many milliseconds, but never before `minCalls`. */
  ms: number;
  minCalls: number;
}

/** One latency measurement. */
export interface Latency {
  p50_us: number;
  p99_us: number;
  samples: number;
}

let nextId = 1;

/** Times calls one at a time. */
export async function measureLatency(probe: Probe, budget: Budget): Promise<Latency> {
  const times = new Float64Array(budget.calls);
  const deadline = performance.now() + budget.ms;
  let count = 0;
  while (count < budget.calls && (count < budget.minCalls || performance.now() < deadline)) {
    const id = nextId++;
    const started = performance.now();
    const value = await probe.call(id);
    times[count] = performance.now() - started;
    probe.check(id, value);
    count += 1;
  }
  const sorted = times.subarray(0, count).sort();
  return {
    p50_us: quantile(sorted, 0.5) * 1000,
    p99_us: quantile(sorted, 0.99) * 1000,
    samples: count,
  };
}

/** Keeps `window` calls in flight; resolves with completed calls per second. */
export async function measureThroughput(
  probe: Probe,
  window: number,
  budget: Budget,
): Promise<number> {
  const started = performance.now();
  const deadline = started + budget.ms;
  let sent = 0;
  let done = 0;
  const more = (): boolean =>
    sent < budget.calls && (sent < budget.minCalls || performance.now() < deadline);
  // Each lane sends its next call as soon as its previous one is back.
  const lane = async (): Promise<void> => {
    while (more()) {
      const id = nextId++;
      sent += 1;
      probe.check(id, await probe.call(id));
      done += 1;
    }
  };
  await Promise.all(Array.from({ length: window }, lane));
  return (done / (performance.now() - started)) * 1000;
}

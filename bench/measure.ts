/**
 * The two measurements taken of every transport and payload:
 *
 * - latency: one call in flight at a time, each timed alone (p50, p99);
 * - throughput: `window` calls kept in flight, completions per second.
 *
 * Every result is checked (cheaply) inside the timed call: a transport that returns a
 * wrong value fails the run. Both stop at a sample count or a time budget, whichever is
 * first. Both also take the CPU time the calls cost (bench/cpu.ts).
 */
import { performance } from 'node:perf_hooks';
import { totalCpuUs } from './cpu.js';
import { quantile } from './stats.js';

/** One thing to measure: a call that checks (and releases) its own result. */
export interface Probe {
  /** Makes call `id`; rejects if its result is wrong. */
  run(id: number): Promise<void>;
  /** The child processes whose CPU counts to the calls (none for a thread). */
  childPids(): number[];
}

/** A call and the check of its result, as the end-to-end scenarios give them. */
export interface CallWithCheck {
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
  /** CPU µs per call: this process's threads and the probe's child processes. */
  cpu_us: number;
}

/** One throughput measurement. */
export interface Throughput {
  calls_per_s: number;
  calls: number;
  /** CPU µs per call, as for latency. */
  cpu_us: number;
}

let nextId = 1;

/** Times calls one at a time. */
export async function measureLatency(probe: Probe, budget: Budget): Promise<Latency> {
  const times = new Float64Array(budget.calls);
  const pids = probe.childPids();
  const cpuStart = totalCpuUs(pids);
  const deadline = performance.now() + budget.ms;
  let count = 0;
  while (count < budget.calls && (count < budget.minCalls || performance.now() < deadline)) {
    const id = nextId++;
    const started = performance.now();
    await probe.run(id);
    times[count] = performance.now() - started;
    count += 1;
  }
  const cpu = totalCpuUs(pids) - cpuStart;
  const sorted = times.subarray(0, count).sort();
  return {
    p50_us: quantile(sorted, 0.5) * 1000,
    p99_us: quantile(sorted, 0.99) * 1000,
    samples: count,
    cpu_us: cpu / count,
  };
}

/** Keeps `window` calls in flight; resolves with completed calls per second. */
export async function measureThroughput(
  probe: Probe,
  window: number,
  budget: Budget,
): Promise<Throughput> {
  const pids = probe.childPids();
  const cpuStart = totalCpuUs(pids);
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
      await probe.run(id);
      done += 1;
    }
  };
  await Promise.all(Array.from({ length: window }, lane));
  const elapsed = performance.now() - started;
  return {
    calls_per_s: (done / elapsed) * 1000,
    calls: done,
    cpu_us: (totalCpuUs(pids) - cpuStart) / done,
  };
}

/**
 * How much to measure: the full run (under ten minutes on two cores) and the quick one
 * (under a minute, for CI smoke runs that prove the suite works, never to judge speed).
 */
import { availableParallelism } from 'node:os';
import type { Budget } from './measure.js';
import type { PayloadName } from './payloads.js';

/** Everything the runner needs to know about the size of a run. */
export interface Plan {
  quick: boolean;
  /** Measurement rounds; each round measures every cell once, so repeats interleave. */
  repeats: number;
  /** Calls kept in flight for throughput. */
  window: number;
  /** Calls made (and fully checked) before a cell's first measurement. */
  warmup: Record<PayloadName, number>;
  latency: Record<PayloadName, Budget>;
  throughput: Record<PayloadName, Budget>;
  /** Worker deaths timed for the recovery figure. */
  recoverySamples: number;
  /** Seconds of the memory soak after the suite, 0 for none (`--soak` sets it). */
  soakSeconds: number;
  /** The contended scenario: tiny calls while `busyThreads` threads spin (0: not run). */
  contention: { busyThreads: number; latency: Budget; throughput: Budget };
}

/**
 * The plan of a full or a quick run. The contended scenario spins one thread per core
 * (`busyThreads` overrides it; a quick run spins one, to prove the scenario runs).
 */
export function makePlan(quick: boolean, busyThreads?: number): Plan {
  if (quick) {
    const budget = (minCalls: number): Budget => ({ calls: 100_000, ms: 120, minCalls });
    return {
      quick,
      repeats: 1,
      window: 64,
      warmup: { tiny: 200, records: 3, bodies: 10, binary: 10 },
      latency: { tiny: budget(100), records: budget(5), bodies: budget(10), binary: budget(10) },
      throughput: {
        tiny: budget(256),
        records: budget(16),
        bodies: budget(32),
        binary: budget(32),
      },
      recoverySamples: 3,
      // Long enough to prove the soak runs and drains; far too short to judge memory.
      soakSeconds: 5,
      contention: {
        busyThreads: busyThreads ?? 1,
        latency: budget(100),
        throughput: budget(256),
      },
    };
  }
  return {
    quick,
    repeats: 3,
    window: 64,
    warmup: { tiny: 3_000, records: 40, bodies: 200, binary: 200 },
    // Enough samples for p99 to mean something: at least 100 for the slowest cells
    // (records over HTTP, ~6 ms each), thousands for the fast ones.
    latency: {
      tiny: { calls: 10_000, ms: 1_500, minCalls: 1_000 },
      records: { calls: 1_000, ms: 2_000, minCalls: 100 },
      bodies: { calls: 3_000, ms: 1_000, minCalls: 200 },
      binary: { calls: 3_000, ms: 1_500, minCalls: 200 },
    },
    throughput: {
      tiny: { calls: 1_000_000, ms: 1_000, minCalls: 1_000 },
      records: { calls: 10_000, ms: 1_500, minCalls: 128 },
      bodies: { calls: 50_000, ms: 1_000, minCalls: 256 },
      binary: { calls: 50_000, ms: 1_000, minCalls: 256 },
    },
    recoverySamples: 100,
    // Two minutes on top of the suite: only when asked for (`--soak`).
    soakSeconds: 0,
    contention: {
      busyThreads: busyThreads ?? availableParallelism(),
      latency: { calls: 10_000, ms: 1_000, minCalls: 500 },
      throughput: { calls: 1_000_000, ms: 800, minCalls: 1_000 },
    },
  };
}

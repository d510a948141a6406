/**
 * A cell is one transport (or scenario) and one payload, measured once per round: its
 * latency, then its throughput, each with the CPU time it cost, quiet or beside busy
 * threads. The repeats are kept until the run reduces them to medians and noise.
 */
import { startBusyThreads } from './contention.js';
import { measureLatency, measureThroughput, type Budget, type Probe } from './measure.js';
import type { ResultRow } from './results.js';
import { median, spread } from './stats.js';

/** One cell and the figures of its rounds so far. */
export interface Cell {
  scenario: ResultRow['scenario'];
  transport: string;
  payload: string;
  probe: Probe;
  /** Rejects when the transport's serving side dies: the measurement then fails. */
  failed: Promise<never> | undefined;
  warmup: number;
  latency: Budget;
  throughput: Budget;
  /** Threads spinning while the cell is measured (0 for a quiet cell). */
  busyThreads: number;
  p50: number[];
  p99: number[];
  rates: number[];
  cpu: number[];
  cpuPipelined: number[];
  samples: number;
  pipelined: number;
}

/** What a new cell needs; its figures start empty. */
export type CellSpec = Omit<
  Cell,
  'p50' | 'p99' | 'rates' | 'cpu' | 'cpuPipelined' | 'samples' | 'pipelined'
>;

/** A cell with no figures yet. */
export function makeCell(spec: CellSpec): Cell {
  return {
    ...spec,
    p50: [],
    p99: [],
    rates: [],
    cpu: [],
    cpuPipelined: [],
    samples: 0,
    pipelined: 0,
  };
}

/**
 * The order of `cells` in round `round` (0-based) of `rounds`: each round starts at a
 * different place, so that no transport is always measured first (on a fresh machine)
 * or always right after the same neighbour.
 */
export function roundOrder<T>(cells: readonly T[], round: number, rounds: number): T[] {
  if (cells.length === 0) return [];
  const start = Math.floor((round * cells.length) / Math.max(1, rounds)) % cells.length;
  return [...cells.slice(start), ...cells.slice(0, start)];
}

/** A full collection when node runs with --expose-gc (npm run bench does), else nothing. */
function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Resolves with `measurement`, or rejects as soon as `failed` does. */
function unlessFailed<T>(measurement: Promise<T>, failed: Promise<never> | undefined): Promise<T> {
  return failed === undefined ? measurement : Promise.race([measurement, failed]);
}

/** Measures one round of `c`: latency, then throughput with `window` calls in flight. */
export async function measureCell(
  c: Cell,
  window: number,
  step: (what: string) => void,
): Promise<void> {
  // Each cell starts from a collected heap, so one cell's garbage does not bill the next.
  collectGarbage();
  const stop = c.busyThreads > 0 ? await startBusyThreads(c.busyThreads) : undefined;
  try {
    step('latency');
    const latency = await unlessFailed(measureLatency(c.probe, c.latency), c.failed);
    c.p50.push(latency.p50_us);
    c.p99.push(latency.p99_us);
    c.samples += latency.samples;
    step('throughput');
    const throughput = await unlessFailed(
      measureThroughput(c.probe, window, c.throughput),
      c.failed,
    );
    c.rates.push(throughput.calls_per_s);
    c.pipelined += throughput.calls;
    // The busy threads burn this process's CPU too: a contended cell's CPU says nothing.
    if (c.busyThreads === 0) {
      c.cpu.push(latency.cpu_us);
      c.cpuPipelined.push(throughput.cpu_us);
    }
  } finally {
    await stop?.();
  }
}

/** The row of a measured cell: the medians of its rounds. */
export function cellRow(c: Cell): ResultRow {
  const cpu = (values: number[]): number | null => (values.length === 0 ? null : median(values));
  return {
    scenario: c.scenario,
    transport: c.transport,
    payload: c.payload,
    p50_us: median(c.p50),
    p99_us: median(c.p99),
    calls_per_s: median(c.rates),
    samples: c.samples,
    pipelined_samples: c.pipelined,
    cpu_us: cpu(c.cpu),
    cpu_us_pipelined: cpu(c.cpuPipelined),
    p50_noise: spread(c.p50),
    calls_per_s_noise: spread(c.rates),
  };
}

/**
 * The shape of a bench run's results: what `--json` writes and `--compare` reads.
 */

/** Where and how a run was made. */
export interface BenchMeta {
  date: string;
  berth_version: string;
  node: string;
  v8: string;
  platform: string;
  arch: string;
  cpu: string;
  cores: number;
  total_memory_gb: number;
  loadavg_start: number[];
  loadavg_end: number[];
  quick: boolean;
  repeats: number;
  /** Calls kept in flight for the throughput figure. */
  window: number;
  duration_s: number;
}

/** One measured (or pending) cell. Figures are medians of the repeats. */
export interface ResultRow {
  /**
   * `transport`: the same call through each transport; `e2e`: storage list through a
   * plugin; `recovery`: from a worker's death to the next answer.
   */
  scenario: 'transport' | 'e2e' | 'recovery';
  transport: string;
  payload: string;
  p50_us: number | null;
  p99_us: number | null;
  calls_per_s: number | null;
  /** Latency samples over all repeats. */
  samples: number;
  /** (max - min) / median of the repeats' p50 and calls/s. */
  p50_noise: number;
  calls_per_s_noise: number;
  /** Why there are no figures ("not yet …"), for transports that cannot run yet. */
  pending?: string;
}

/** A whole run. */
export interface BenchResults {
  meta: BenchMeta;
  results: ResultRow[];
}

/** The row of `transport` for `payload` in `scenario`, if any. */
export function findRow(
  rows: readonly ResultRow[],
  scenario: ResultRow['scenario'],
  transport: string,
  payload: string,
): ResultRow | undefined {
  return rows.find(
    (row) => row.scenario === scenario && row.transport === transport && row.payload === payload,
  );
}

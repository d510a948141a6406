/**
 * The shape of a bench run's results: what `--json` writes and `--compare` reads.
 */

/** Where and how a run was made. */
export interface BenchMeta {
  date: string;
  berth_version: string;
  /** The git commit the bench was built from, when it ran from a checkout. */
  commit?: string | null;
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
  /** Busy threads spinning beside the transport in the contended scenario (0: none ran). */
  busy_threads?: number;
  duration_s: number;
}

/** One measured (or pending) cell. Figures are medians of the repeats. */
export interface ResultRow {
  /**
   * `transport`: the same call through each transport on a quiet machine; `contended`:
   * the same while busy threads (`meta.busy_threads`) compete for the cores; `e2e`:
   * storage list through a plugin; `recovery`: from a worker's death to the next answer.
   */
  scenario: 'transport' | 'contended' | 'e2e' | 'recovery';
  transport: string;
  payload: string;
  p50_us: number | null;
  p99_us: number | null;
  calls_per_s: number | null;
  /** Latency samples over all repeats. */
  samples: number;
  /** Calls completed while measuring throughput, over all repeats. */
  pipelined_samples?: number;
  /**
   * CPU time per call in µs, one call in flight and pipelined: every thread of this
   * process, plus the serving child process for the peers that run one. Null where not
   * measured (contended cells, whose busy threads burn this process's CPU too).
   */
  cpu_us?: number | null;
  cpu_us_pipelined?: number | null;
  /** (max - min) / median of the repeats' p50 and calls/s; null with one repeat. */
  p50_noise: number | null;
  calls_per_s_noise: number | null;
  /** Why there are no figures ("not yet …"), for transports that cannot run yet. */
  pending?: string;
}

/** One sample of the memory soak, taken every second. */
export interface SoakSample {
  /** Seconds since the load started. */
  t_s: number;
  rss_bytes: number;
  /** The bench-target plugin's arena bytes held by results not yet released. */
  arena_bytes_in_use: number;
}

/** The memory soak (`--soak`): pipelined calls through berth thread for a while. */
export interface SoakResult {
  /** How long the load ran, in seconds. */
  duration_s: number;
  /** Calls kept in flight. */
  window: number;
  calls: number;
  /** Completed calls by kind, `bodies zero-copy` and the like. */
  calls_by_kind: Record<string, number>;
  arena_capacity_bytes: number;
  /** The most arena bytes in use seen, read right after every 31st call. */
  arena_peak_bytes: number;
  /** Arena bytes in use once every call was answered and every lease released: must be 0. */
  arena_bytes_after_drain: number;
  rss_start_bytes: number;
  rss_middle_bytes: number;
  rss_end_bytes: number;
  /**
   * How fast RSS grew over the second half of the run, in MiB per minute: the
   * least-squares slope of its floor (the lowest sample of each twelfth of that half).
   */
  rss_slope_mib_per_min: number;
  samples: SoakSample[];
}

/** A whole run. */
export interface BenchResults {
  meta: BenchMeta;
  results: ResultRow[];
  /** Present when the run included the memory soak. */
  soak?: SoakResult;
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

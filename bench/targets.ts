/**
 * The targets of the zero-copy data plane issue, the process isolation issue and the
 * "data plane under real conditions" issue, checked against a run's figures: each target
 * is one or more comparisons (a ratio of two cells, a figure of the memory soak, or a
 * recovery time) with a bound, and each comparison is met, missed, or not measured (a
 * filtered run, a transport that failed to open, no soak).
 *
 * Speed targets compare p50 latency (one call in flight) unless they name p99 or calls/s.
 * Ratios are written the way the issue words them: "2x faster than comlink" is comlink's
 * p50 divided by Berth's (at least 2); "p50 at most 0.5x comlink's" is Berth's divided
 * by comlink's (at most 0.5).
 */
import { findRow, type BenchResults, type ResultRow } from './results.js';
import { dataPlaneChecks } from './targets-data-plane.js';

/** The report names of the transports the targets compare. */
const THREAD = 'berth thread';
const ZERO_COPY = 'berth thread zero-copy';
const PROCESS = 'berth process';
const CHILD_PROCESS = 'child process IPC';

/** The process isolation issue's bound on recovery (crash to next answer, p50), in ms. */
export const PROCESS_RECOVERY_LIMIT_MS = 300;

/** How long the issue's memory target wants the soak to run, in seconds. */
export const SOAK_TARGET_S = 120;
/**
 * RSS growth over the soak's second half that still counts as "stopped growing". The
 * floor the slope is fitted to moves by about 1 MiB between windows on a quiet machine
 * (a 1 MiB step halfway costs 1.5 MiB/min); a leak of 20 bytes a call at the soak's
 * usual 1,500 calls/s would already pass this.
 */
export const RSS_SLOPE_LIMIT_MIB_PER_MIN = 2;

/** One comparison of a target. */
export interface TargetCheck {
  /** The target, as the issue words it. */
  target: string;
  /** What is compared, e.g. `comlink records p50 ÷ berth thread records p50`. */
  comparison: string;
  /** The measured figure, in `unit`; null when not measured. */
  value: number | null;
  unit: 'ratio' | 'bytes' | 'MiB/min' | 's' | 'ms';
  bound: 'at least' | 'at most';
  limit: number;
  verdict: 'met' | 'missed' | 'not measured';
}

/** The figures a target may compare. */
export type Figure = 'p50_us' | 'p99_us' | 'calls_per_s' | 'cpu_us' | 'cpu_us_pipelined';

const FIGURE_NAMES: Record<Figure, string> = {
  p50_us: 'p50',
  p99_us: 'p99',
  calls_per_s: 'calls/s',
  cpu_us: 'CPU µs/call',
  cpu_us_pipelined: 'CPU µs/call pipelined',
};

/** A cell a target compares: transport, payload, and the scenario (quiet by default). */
export type CellRef = readonly [transport: string, payload: string, scenario?: 'contended'];

/** Compares one figure of two cells: `top` ÷ `bottom`, against a bound. */
export type Ratio = (
  target: string,
  name: Figure,
  top: CellRef,
  bottom: CellRef,
  bound: TargetCheck['bound'],
  limit: number,
) => TargetCheck;

export function judge(
  target: string,
  comparison: string,
  value: number | null,
  unit: TargetCheck['unit'],
  bound: TargetCheck['bound'],
  limit: number,
): TargetCheck {
  const measured = value !== null && Number.isFinite(value);
  const met = bound === 'at least' ? (value as number) >= limit : (value as number) <= limit;
  return {
    target,
    comparison,
    value: measured ? value : null,
    unit,
    bound,
    limit,
    verdict: measured ? (met ? 'met' : 'missed') : 'not measured',
  };
}

/** The ratio judge of `run`: a missing, pending or unmeasured figure is "not measured". */
export function ratioOf(run: BenchResults): Ratio {
  const figure = ([transport, payload, scenario]: CellRef, name: Figure): number | null => {
    const row: ResultRow | undefined = findRow(
      run.results,
      scenario ?? 'transport',
      transport,
      payload,
    );
    return row === undefined || row.pending !== undefined ? null : (row[name] ?? null);
  };
  const label = (cell: CellRef, name: Figure): string =>
    `${cell[0]} ${cell[1]}${cell[2] === undefined ? '' : ` ${cell[2]}`} ${FIGURE_NAMES[name]}`;
  return (target, name, top, bottom, bound, limit) => {
    const a = figure(top, name);
    const b = figure(bottom, name);
    const value = a === null || b === null || b === 0 ? null : a / b;
    const comparison = `${label(top, name)} ÷ ${label(bottom, name)}`;
    return judge(target, comparison, value, 'ratio', bound, limit);
  };
}

/** Evaluates every target against `run`, in the issues' order. */
export function evaluateTargets(run: BenchResults): TargetCheck[] {
  const ratio = ratioOf(run);

  const records =
    '1,000 resources decoded into objects: at least 2x faster than comlink and postMessage';
  const bodies =
    'the same resources as raw body bytes (zero-copy, not decoded): at least 20x faster than comlink, on the same bytes';
  const binary = '1 MiB binary, zero-copy: at least 3x faster than comlink and piscina';
  const tiny = "tiny p50 at most 0.5x comlink's and piscina's; p99 at most 0.3x piscina's";
  const pipelined =
    "tiny pipelined calls/s at least 10x comlink's and piscina's and 2.5x postMessage's";
  const memory =
    'memory: after a 2-minute pipelined run the arena is back to zero bytes in use and RSS has stopped growing';

  const checks: TargetCheck[] = [
    ratio(records, 'p50_us', ['comlink', 'records'], [THREAD, 'records'], 'at least', 2),
    ratio(records, 'p50_us', ['postMessage', 'records'], [THREAD, 'records'], 'at least', 2),
    // Both sides carry the same bytes: comlink's bodies, not its decoded records (a
    // different payload, which made the figure look 8x better than it is).
    ratio(bodies, 'p50_us', ['comlink', 'bodies'], [ZERO_COPY, 'bodies'], 'at least', 20),
    ratio(binary, 'p50_us', ['comlink', 'binary'], [ZERO_COPY, 'binary'], 'at least', 3),
    ratio(binary, 'p50_us', ['piscina', 'binary'], [ZERO_COPY, 'binary'], 'at least', 3),
    ratio(tiny, 'p50_us', [THREAD, 'tiny'], ['comlink', 'tiny'], 'at most', 0.5),
    ratio(tiny, 'p50_us', [THREAD, 'tiny'], ['piscina', 'tiny'], 'at most', 0.5),
    ratio(tiny, 'p99_us', [THREAD, 'tiny'], ['piscina', 'tiny'], 'at most', 0.3),
    ratio(pipelined, 'calls_per_s', [THREAD, 'tiny'], ['comlink', 'tiny'], 'at least', 10),
    ratio(pipelined, 'calls_per_s', [THREAD, 'tiny'], ['piscina', 'tiny'], 'at least', 10),
    ratio(pipelined, 'calls_per_s', [THREAD, 'tiny'], ['postMessage', 'tiny'], 'at least', 2.5),
  ];
  checks.push(...processChecks(run, ratio), ...dataPlaneChecks(ratio));
  const { soak } = run;
  checks.push(
    judge(memory, 'soak length', soak?.duration_s ?? null, 's', 'at least', SOAK_TARGET_S),
    judge(
      memory,
      'arena bytes in use after the soak drained',
      soak?.arena_bytes_after_drain ?? null,
      'bytes',
      'at most',
      0,
    ),
    judge(
      memory,
      'RSS slope over the second half of the soak',
      soak?.rss_slope_mib_per_min ?? null,
      'MiB/min',
      'at most',
      RSS_SLOPE_LIMIT_MIB_PER_MIN,
    ),
  );
  return checks;
}

/** The process isolation issue's targets: berth process against child-process IPC, and recovery. */
function processChecks(run: BenchResults, ratio: Ratio): TargetCheck[] {
  const speed =
    "process isolation: berth process tiny p50 at most child-process IPC's, and 1,000 records at most child-process IPC's";
  const recovery = findRow(run.results, 'recovery', PROCESS, 'crash to next answer');
  const p50 = recovery?.p50_us;
  return [
    ratio(speed, 'p50_us', [PROCESS, 'tiny'], [CHILD_PROCESS, 'tiny'], 'at most', 1),
    ratio(speed, 'p50_us', [PROCESS, 'records'], [CHILD_PROCESS, 'records'], 'at most', 1),
    judge(
      'process isolation: recovery p50 under 300 ms',
      `${PROCESS} crash to next answer p50`,
      p50 === undefined || p50 === null ? null : p50 / 1000,
      'ms',
      'at most',
      PROCESS_RECOVERY_LIMIT_MS,
    ),
  ];
}

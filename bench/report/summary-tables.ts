/**
 * The two summary tables of a run, the memory soak and the targets, as plain
 * cells: the Markdown and the HTML report lay out the same figures in their own way.
 */
import type { SoakResult } from '../results.js';
import type { TargetCheck } from '../targets.js';
import { formatRate, formatRatio } from './format.js';

/** A titled table of formatted cells; `numeric` columns are right-aligned. */
export interface SummaryTable {
  title: string;
  /** A sentence under the title, if any. */
  note: string | undefined;
  head: string[];
  numeric: boolean[];
  rows: string[][];
}

const MIB = 1024 * 1024;
const mib = (bytes: number): string => `${(bytes / MIB).toFixed(1)} MiB`;

/** The soak: how many calls of which kind, and where the arena and RSS ended up. */
export function soakTable(soak: SoakResult): SummaryTable {
  const kinds = Object.entries(soak.calls_by_kind)
    .map(([kind, calls]) => `${kind} ${formatRate(calls)}`)
    .join(', ');
  return {
    title: `memory soak: ${soak.duration_s.toFixed(0)} s of tiny, bodies and binary through berth thread, plain and zero-copy mixed, ${soak.window} in flight`,
    note: `${formatRate(soak.calls)} calls (${kinds}).`,
    head: [
      'arena after drain',
      'arena peak',
      'arena size',
      'RSS start',
      'RSS middle',
      'RSS end',
      'RSS slope, 2nd half',
    ],
    numeric: [true, true, true, true, true, true, true],
    rows: [
      [
        `${soak.arena_bytes_after_drain} B`,
        mib(soak.arena_peak_bytes),
        mib(soak.arena_capacity_bytes),
        mib(soak.rss_start_bytes),
        mib(soak.rss_middle_bytes),
        mib(soak.rss_end_bytes),
        formatSlope(soak.rss_slope_mib_per_min),
      ],
    ],
  };
}

/** The targets: one row per comparison, the target's words on its first row only. */
export function targetsTable(checks: readonly TargetCheck[], quick: boolean): SummaryTable {
  let previous: string | undefined;
  const rows = checks.map((check) => {
    const target = check.target === previous ? '' : check.target;
    previous = check.target;
    const needed = `${check.bound === 'at least' ? '≥' : '≤'} ${formatCheck(check.limit, check.unit)}`;
    // A measured ratio gets a digit more than its bound: 1.04× that missed ≤ 1.0× must not
    // read as 1.0×.
    const measured =
      check.unit === 'ratio' && check.value !== null && check.value < 10
        ? `${check.value.toFixed(check.value >= 1 ? 2 : 3)}×`
        : formatCheck(check.value, check.unit);
    return [target, check.comparison, measured, needed, check.verdict];
  });
  return {
    title: 'targets of the zero-copy data plane, process isolation and real-conditions issues',
    note: quick
      ? 'A quick run: the figures are too rough to judge speed by; run the full suite (and `--soak`).'
      : "From this run's medians, each comparing the same payload on both sides; the memory target needs `--soak` (120 s by default).",
    head: ['target', 'comparison', 'measured', 'needed', 'verdict'],
    numeric: [false, false, true, true, false],
    rows,
  };
}

function formatSlope(slope: number | null): string {
  if (slope === null || !Number.isFinite(slope)) return '—';
  return `${slope >= 0 ? '+' : ''}${slope.toFixed(2)} MiB/min`;
}

function formatCheck(value: number | null, unit: TargetCheck['unit']): string {
  if (value === null) return '—';
  if (unit === 'ratio') return formatRatio(value);
  if (unit === 'bytes') return `${value} B`;
  if (unit === 's') return `${value.toFixed(0)} s`;
  if (unit === 'ms') return `${value.toFixed(value < 10 ? 1 : 0)} ms`;
  return formatSlope(value);
}

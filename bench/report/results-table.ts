/**
 * The figures of one payload (or scenario) as a table of formatted cells, the same in the
 * Markdown and the HTML report: latency, p99, calls/s, CPU per call, sample counts, the
 * ratios to Berth thread and to the in-process floor, and the noise of the repeats.
 */
import { findRow, type ResultRow } from '../results.js';
import { formatNoise, formatRate, formatRatio, formatUs, worseNoise } from './format.js';
import type { SummaryTable } from './summary-tables.js';

/** The transport every other is compared with, and the floor. */
export const REFERENCE = 'berth thread';
export const FLOOR = 'in-process';

/** What each column means, for the reports' legends. */
export const LEGEND: readonly (readonly [string, string])[] = [
  ['p50 / p99 µs', 'median and 99th percentile of one call at a time, in microseconds'],
  ['calls/s', 'completed calls per second with the window of calls in flight (pipelined)'],
  [
    'CPU µs/call',
    "CPU time per call, one at a time and pipelined: every thread of this process, plus the serving child process's for the peers that run one; — where not measured (contended cells: the busy threads burn CPU too)",
  ],
  ['samples', 'calls timed one at a time / calls completed pipelined, over all repeats'],
  [
    '÷ thread, ÷ floor',
    "the figure divided by Berth thread's or the in-process call's (above 1 is slower for p50, faster for calls/s)",
  ],
  ['noise', 'half the spread (max - min) of the repeats over their median; n/a with one repeat'],
];

const ratio = (a: number | null | undefined, b: number | null | undefined): number | null =>
  a == null || b == null || b === 0 ? null : a / b;

const count = (n: number | undefined): string =>
  n === undefined ? '—' : n.toLocaleString('en-US');

/** The rows of `scenario` and `payload` in `results`, as a table titled `title`. */
export function resultsTable(
  results: readonly ResultRow[],
  scenario: ResultRow['scenario'],
  payload: string,
  title: string,
): SummaryTable {
  const rows = results.filter((r) => r.scenario === scenario && r.payload === payload);
  const reference = findRow(results, scenario, REFERENCE, payload);
  const floor = findRow(results, scenario, FLOOR, payload);
  const head = [
    'transport',
    'p50 µs',
    'p99 µs',
    'calls/s',
    'CPU µs/call',
    'CPU µs/call pipelined',
    'samples',
    'p50 ÷ thread',
    'calls/s ÷ thread',
    'p50 ÷ floor',
    'noise',
  ];
  return {
    title,
    note: undefined,
    head,
    numeric: head.map((_, i) => i > 0),
    rows: rows.map((row) =>
      row.pending !== undefined
        ? [row.transport, row.pending, ...head.slice(2).map(() => '')]
        : [
            row.transport,
            formatUs(row.p50_us),
            formatUs(row.p99_us),
            formatRate(row.calls_per_s),
            formatUs(row.cpu_us ?? null),
            formatUs(row.cpu_us_pipelined ?? null),
            `${count(row.samples)} / ${count(row.pipelined_samples)}`,
            formatRatio(ratio(row.p50_us, reference?.p50_us)),
            formatRatio(ratio(row.calls_per_s, reference?.calls_per_s)),
            formatRatio(ratio(row.p50_us, floor?.p50_us)),
            formatNoise(worseNoise(row.p50_noise, row.calls_per_s_noise)),
          ],
    ),
  };
}

/**
 * `--compare OLD.json`: the change of every figure against an earlier run.
 */
import { findRow, type BenchResults } from '../results.js';
import { formatChange, formatRate, formatUs } from './format.js';

/** A Markdown table of p50 and calls/s, before and after, for the cells both runs have. */
export function renderComparison(before: BenchResults, after: BenchResults): string {
  const lines = [
    `Compared with the run of ${before.meta.date} (Node ${before.meta.node}, ${before.meta.cpu}).`,
    'Latency: lower is better; calls/s: higher is better.',
    '',
    '| scenario | transport | payload | p50 µs before | after | change | calls/s before | after | change |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const row of after.results) {
    const old = findRow(before.results, row.scenario, row.transport, row.payload);
    if (old === undefined || row.pending !== undefined || old.pending !== undefined) continue;
    lines.push(
      `| ${row.scenario} | ${row.transport} | ${row.payload} | ${formatUs(old.p50_us)} | ${formatUs(row.p50_us)} | ` +
        `${formatChange(old.p50_us, row.p50_us)} | ${formatRate(old.calls_per_s)} | ${formatRate(row.calls_per_s)} | ` +
        `${formatChange(old.calls_per_s, row.calls_per_s)} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

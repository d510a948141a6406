/**
 * The Markdown report printed at the end of a run: one table per payload, one for the
 * end-to-end scenario, the memory soak when it ran, the targets, and the machine
 * it ran on.
 */
import { findRow, type BenchResults, type ResultRow } from '../results.js';
import { evaluateTargets } from '../targets.js';
import { formatNoise, formatRate, formatRatio, formatUs } from './format.js';
import { soakTable, targetsTable, type SummaryTable } from './summary-tables.js';

/** The transport every other is compared with, and the floor. */
export const REFERENCE = 'berth thread';
export const FLOOR = 'in-process';

const PAYLOAD_TITLES: Record<string, string> = {
  tiny: 'tiny: `{ ok, id }`',
  records: 'records: 1,000 Kubernetes-like resources (269 KB as JSON)',
  bodies: 'bodies: the same 1,000 resources as their JSON bytes, not decoded',
  binary: 'binary: 1 MiB',
};

/** Renders the whole report. */
export function renderMarkdown(run: BenchResults): string {
  const { meta, results } = run;
  const lines = [
    `Node ${meta.node} on ${meta.cpu} (${meta.cores} cores, ${meta.total_memory_gb} GB), ${meta.platform}/${meta.arch}; ` +
      `load ${meta.loadavg_start.map((n) => n.toFixed(2)).join(' ')} at start; ${meta.repeats} repeat(s), ` +
      `medians shown; throughput with ${meta.window} calls in flight; ${meta.quick ? 'quick run, ' : ''}${meta.duration_s.toFixed(0)} s.`,
    '',
    'Latency is one call in flight; "÷ thread" divides by Berth thread, the default call',
    '(above 1 is slower for latency, faster for calls/s; the zero-copy row is the same plugin',
    'with results left on shared memory); "÷ floor" divides by the in-process call.',
    'Berth process (a plugin in a Node.js process of its own) is listed beside the peers',
    'that cross a process boundary too: child process IPC, HTTP and gRPC.',
  ];
  const payloads = [
    ...new Set(results.filter((r) => r.scenario === 'transport').map((r) => r.payload)),
  ];
  for (const payload of payloads) {
    lines.push(
      '',
      `### ${PAYLOAD_TITLES[payload] ?? payload}`,
      '',
      ...table(results, 'transport', payload),
    );
  }
  const e2e = [...new Set(results.filter((r) => r.scenario === 'e2e').map((r) => r.payload))];
  for (const payload of e2e) {
    lines.push('', `### end to end: ${payload}`, '', ...table(results, 'e2e', payload));
  }
  const recovery = results.filter((r) => r.scenario === 'recovery');
  if (recovery.length > 0) {
    lines.push(
      '',
      '### recovery: from a worker crash to the next answer (backoff set to 0)',
      '',
      '| transport | p50 µs | p99 µs | crashes |',
      '|---|---:|---:|---:|',
      ...recovery.map(
        (r) => `| ${r.transport} | ${formatUs(r.p50_us)} | ${formatUs(r.p99_us)} | ${r.samples} |`,
      ),
    );
  }
  if (run.soak !== undefined) lines.push('', ...markdownTable(soakTable(run.soak)));
  lines.push('', ...markdownTable(targetsTable(evaluateTargets(run), meta.quick)));
  return `${lines.join('\n')}\n`;
}

/** A summary table as Markdown: its title, its note, then the table. */
function markdownTable(summary: SummaryTable): string[] {
  const out = [`### ${summary.title}`, ''];
  if (summary.note !== undefined) out.push(summary.note, '');
  out.push(
    `| ${summary.head.join(' | ')} |`,
    `|${summary.numeric.map((numeric) => (numeric ? '---:' : '---')).join('|')}|`,
    ...summary.rows.map((cells) => `| ${cells.join(' | ')} |`),
  );
  return out;
}

function table(
  results: readonly ResultRow[],
  scenario: ResultRow['scenario'],
  payload: string,
): string[] {
  const rows = results.filter((r) => r.scenario === scenario && r.payload === payload);
  const reference = findRow(results, scenario, REFERENCE, payload);
  const floor = findRow(results, scenario, FLOOR, payload);
  const ratio = (a: number | null | undefined, b: number | null | undefined): number | null =>
    a == null || b == null || b === 0 ? null : a / b;
  const out = [
    '| transport | p50 µs | p99 µs | calls/s | p50 ÷ thread | calls/s ÷ thread | p50 ÷ floor | noise |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const row of rows) {
    if (row.pending !== undefined) {
      out.push(`| ${row.transport} | ${row.pending} | | | | | | |`);
      continue;
    }
    out.push(
      `| ${row.transport} | ${formatUs(row.p50_us)} | ${formatUs(row.p99_us)} | ${formatRate(row.calls_per_s)} | ` +
        `${formatRatio(ratio(row.p50_us, reference?.p50_us))} | ${formatRatio(ratio(row.calls_per_s, reference?.calls_per_s))} | ` +
        `${formatRatio(ratio(row.p50_us, floor?.p50_us))} | ${formatNoise(Math.max(row.p50_noise, row.calls_per_s_noise))} |`,
    );
  }
  return out;
}

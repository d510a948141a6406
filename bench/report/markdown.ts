/**
 * The Markdown report printed at the end of a run: one table per payload, the contended
 * scenario, the end-to-end scenarios, recovery, the memory soak when it ran, the issues'
 * targets, and the Berth and machine it ran on.
 */
import type { BenchMeta, BenchResults } from '../results.js';
import { evaluateTargets } from '../targets.js';
import { formatUs } from './format.js';
import { LEGEND, resultsTable } from './results-table.js';
import { soakTable, targetsTable, type SummaryTable } from './summary-tables.js';

const PAYLOAD_TITLES: Record<string, string> = {
  tiny: 'tiny: `{ ok, id }`',
  records: 'records: 1,000 Kubernetes-like resources (269 KB as JSON)',
  bodies: 'bodies: the same 1,000 resources as their JSON bytes, not decoded',
  binary: 'binary: 1 MiB',
};

/** What was measured, with which Berth, where: the first line of both reports. */
export function describeRun(meta: BenchMeta): string {
  const commit = meta.commit == null ? '' : ` (commit ${meta.commit})`;
  return (
    `Berth ${meta.berth_version}${commit}; Node ${meta.node} on ${meta.cpu} (${meta.cores} cores, ` +
    `${meta.total_memory_gb} GB), ${meta.platform}/${meta.arch}; load ` +
    `${meta.loadavg_start.map((n) => n.toFixed(2)).join(' ')} at start, ` +
    `${meta.loadavg_end.map((n) => n.toFixed(2)).join(' ')} at end; ${meta.repeats} repeat(s), ` +
    `medians shown, each round in a different order; throughput with ${meta.window} calls in flight; ` +
    `${meta.quick ? 'quick run (too rough to judge speed), ' : ''}${meta.duration_s.toFixed(0)} s.`
  );
}

/** The title of the contended scenario's section. */
export function contendedTitle(meta: BenchMeta, payload: string): string {
  return `contended: ${payload} with ${meta.busy_threads ?? 0} busy thread(s) spinning on the cores`;
}

/** Renders the whole report. */
export function renderMarkdown(run: BenchResults): string {
  const { meta, results } = run;
  const lines = [
    describeRun(meta),
    '',
    'Berth process (a plugin in a Node.js process of its own) is listed beside the peers',
    'that cross a process boundary too: child process IPC, HTTP and gRPC.',
    '',
    ...LEGEND.map(([column, meaning]) => `- **${column}**: ${meaning}.`),
  ];
  const payloadsOf = (scenario: string): string[] => [
    ...new Set(results.filter((r) => r.scenario === scenario).map((r) => r.payload)),
  ];
  for (const payload of payloadsOf('transport')) {
    const title = PAYLOAD_TITLES[payload] ?? payload;
    lines.push('', ...markdownTable(resultsTable(results, 'transport', payload, title)));
  }
  for (const payload of payloadsOf('contended')) {
    const title = contendedTitle(meta, payload);
    lines.push('', ...markdownTable(resultsTable(results, 'contended', payload, title)));
  }
  for (const payload of payloadsOf('e2e')) {
    const title = `end to end: ${payload}`;
    lines.push('', ...markdownTable(resultsTable(results, 'e2e', payload, title)));
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

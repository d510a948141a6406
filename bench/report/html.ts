/**
 * `--html FILE`: a self-contained page (no scripts, no external files): per payload and
 * scenario, log-scale bar charts of latency (p99 as a tick), throughput and CPU per call,
 * then the same figures as numbers (p99 and sample counts included); then recovery, the
 * memory soak (when it ran) and the issues' targets as tables. A section without figures
 * is left out.
 */
import type { BenchResults, ResultRow } from '../results.js';
import { evaluateTargets } from '../targets.js';
import { BERTH_COLOUR, chart, escapeHtml as escape, PEER_COLOUR, TICK_COLOUR } from './chart.js';
import { formatRate, formatUs } from './format.js';
import { contendedTitle, describeRun } from './markdown.js';
import { LEGEND, resultsTable } from './results-table.js';
import { soakTable, targetsTable, type SummaryTable } from './summary-tables.js';

/** Renders the whole report as one HTML document. */
export function renderHtml(run: BenchResults): string {
  const { meta, results } = run;
  const groups = new Map<string, { scenario: ResultRow['scenario']; payload: string }>();
  for (const row of results) {
    if (row.scenario === 'recovery') continue;
    const title =
      row.scenario === 'transport'
        ? row.payload
        : row.scenario === 'contended'
          ? contendedTitle(meta, row.payload)
          : `end to end: ${row.payload}`;
    groups.set(title, { scenario: row.scenario, payload: row.payload });
  }
  const sections = [...groups].map(([title, { scenario, payload }]) =>
    section(title, results, scenario, payload, meta.window),
  );
  const recovery = results.filter((r) => r.scenario === 'recovery' && r.pending === undefined);
  if (recovery.length > 0) sections.push(htmlTable(recoveryTable(recovery)));
  if (run.soak !== undefined) sections.push(htmlTable(soakTable(run.soak)));
  sections.push(htmlTable(targetsTable(evaluateTargets(run), meta.quick)));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Berth bench ${escape(meta.date)}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em auto; max-width: 980px; color: #222; }
h1 { font-size: 1.5em; } h2 { margin-top: 2em; border-bottom: 1px solid #ddd; } h3 { font-size: 1em; color: #555; }
svg text { font: 12px system-ui, sans-serif; } .meta, .pending { color: #555; }
table { border-collapse: collapse; } th, td { padding: 3px 8px; border-bottom: 1px solid #eee; vertical-align: top; }
th { text-align: left; } .num { text-align: right; white-space: nowrap; }
.key { display: inline-block; width: 14px; height: 10px; margin-right: 4px; vertical-align: middle; }
</style></head><body>
<h1>Berth bench</h1>
<p class="meta">${escape(meta.date)} · ${escape(describeRun(meta))}</p>
${legend()}
${sections.join('\n')}
</body></html>
`;
}

/** The key to the charts' colours and the tables' columns. */
function legend(): string {
  const key = (colour: string, text: string): string =>
    `<span class="key" style="background:${colour}"></span>${text}`;
  return `<section><h2>Legend</h2>
<p>${key(BERTH_COLOUR, 'Berth')} · ${key(PEER_COLOUR, 'peers and the in-process floor')} ·
${key(TICK_COLOUR, 'p99 tick (latency charts)')} · every chart is log scale.</p>
<ul>${LEGEND.map(([column, meaning]) => `<li><b>${escape(column)}</b>: ${escape(meaning)}.</li>`).join('')}</ul>
</section>`;
}

/** One payload or scenario: its charts, each only when it has figures, then its numbers. */
function section(
  title: string,
  results: readonly ResultRow[],
  scenario: ResultRow['scenario'],
  payload: string,
  window: number,
): string {
  const rows = results.filter((r) => r.scenario === scenario && r.payload === payload);
  const measured = rows.filter((row) => row.pending === undefined);
  const charts = [
    [
      'Latency, one call in flight (p50 bar, p99 tick; µs)',
      chart(
        measured,
        (r) => r.p50_us,
        (r) => r.p99_us,
        formatUs,
      ),
    ],
    [
      `Throughput, ${window} calls in flight (calls/s)`,
      chart(
        measured,
        (r) => r.calls_per_s,
        () => null,
        formatRate,
      ),
    ],
    [
      'CPU per call, one in flight (µs, all threads, serving child process included)',
      chart(
        measured,
        (r) => r.cpu_us,
        () => null,
        formatUs,
      ),
    ],
    [
      `CPU per call, ${window} in flight (µs)`,
      chart(
        measured,
        (r) => r.cpu_us_pipelined,
        () => null,
        formatUs,
      ),
    ],
  ]
    .filter(([, svg]) => svg !== '')
    .map(([heading, svg]) => `<h3>${escape(heading as string)}</h3>\n${svg}`);
  const table = resultsTable(results, scenario, payload, 'Figures');
  return `<section><h2>${escape(title)}</h2>
${charts.join('\n')}
${tableHtml(table, 'h3')}
</section>`;
}

function recoveryTable(rows: readonly ResultRow[]): SummaryTable {
  return {
    title: 'recovery: from a worker crash to the next answer (backoff set to 0)',
    note: undefined,
    head: ['transport', 'p50 µs', 'p99 µs', 'crashes'],
    numeric: [false, true, true, true],
    rows: rows.map((r) => [r.transport, formatUs(r.p50_us), formatUs(r.p99_us), `${r.samples}`]),
  };
}

/** A summary table as a section: title, note, then the table. */
function htmlTable(summary: SummaryTable): string {
  return `<section>${tableHtml(summary, 'h2')}</section>`;
}

/** A summary table under a heading of level `heading`. */
function tableHtml(summary: SummaryTable, heading: 'h2' | 'h3'): string {
  const cell = (tag: 'th' | 'td', text: string, i: number): string =>
    `<${tag}${summary.numeric[i] === true ? ' class="num"' : ''}>${escape(text)}</${tag}>`;
  const head = summary.head.map((text, i) => cell('th', text, i)).join('');
  const rows = summary.rows.map(
    (cells) => `<tr>${cells.map((text, i) => cell('td', text, i)).join('')}</tr>`,
  );
  return `<${heading}>${escape(summary.title)}</${heading}>
${summary.note === undefined ? '' : `<p class="meta">${withCode(escape(summary.note))}</p>\n`}<table><thead><tr>${head}</tr></thead>
<tbody>${rows.join('\n')}</tbody></table>`;
}

/** Markdown's `code` spans, in text already escaped, as <code>. */
function withCode(html: string): string {
  return html.replace(/`([^`]+)`/g, '<code>$1</code>');
}

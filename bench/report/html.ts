/**
 * `--html FILE`: a self-contained page (no scripts, no external files) with log-scale bar
 * charts of latency and throughput per payload, then the memory soak (when it ran) and
 * the issue's targets as tables.
 */
import type { BenchResults, ResultRow } from '../results.js';
import { evaluateTargets } from '../targets.js';
import { formatRate, formatUs } from './format.js';
import { soakTable, targetsTable, type SummaryTable } from './summary-tables.js';

const ROW = 26;
const LABEL = 190;
const WIDTH = 760;

/** Renders the whole report as one HTML document. */
export function renderHtml(run: BenchResults): string {
  const { meta, results } = run;
  const groups = new Map<string, ResultRow[]>();
  for (const row of results) {
    const key =
      row.scenario === 'transport'
        ? row.payload
        : `${row.scenario === 'e2e' ? 'end to end' : 'recovery'}: ${row.payload}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  const sections = [...groups].map(([title, rows]) => {
    const measured = rows.filter((row) => row.pending === undefined);
    return `<section><h2>${escape(title)}</h2>
<h3>Latency, one call in flight (p50 bar, p99 tick; µs, log scale)</h3>
${chart(
  measured,
  (row) => row.p50_us,
  (row) => row.p99_us,
  formatUs,
)}
<h3>Throughput, ${meta.window} calls in flight (calls/s, log scale)</h3>
${chart(
  measured,
  (row) => row.calls_per_s,
  () => null,
  formatRate,
)}
${
  rows.some((row) => row.pending !== undefined)
    ? `<p class="pending">${rows
        .filter((r) => r.pending)
        .map((r) => `${escape(r.transport)}: ${escape(r.pending ?? '')}`)
        .join('; ')}</p>`
    : ''
}
</section>`;
  });
  if (run.soak !== undefined) sections.push(htmlTable(soakTable(run.soak)));
  sections.push(htmlTable(targetsTable(evaluateTargets(run), meta.quick)));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Berth bench ${escape(meta.date)}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em auto; max-width: 820px; color: #222; }
h1 { font-size: 1.5em; } h2 { margin-top: 2em; border-bottom: 1px solid #ddd; } h3 { font-size: 1em; color: #555; }
svg text { font: 12px system-ui, sans-serif; } .meta, .pending { color: #555; }
table { border-collapse: collapse; } th, td { padding: 3px 8px; border-bottom: 1px solid #eee; vertical-align: top; }
th { text-align: left; } .num { text-align: right; white-space: nowrap; }
</style></head><body>
<h1>Berth bench</h1>
<p class="meta">${escape(meta.date)} · Node ${escape(meta.node)} · ${escape(meta.cpu)} · ${meta.cores} cores ·
load ${meta.loadavg_start.map((n) => n.toFixed(2)).join(' ')} · ${meta.repeats} repeat(s), medians · ${meta.quick ? 'quick run' : 'full run'}</p>
${sections.join('\n')}
</body></html>
`;
}

/** A horizontal log-scale bar chart, one bar per row; Berth's own rows in a second colour. */
function chart(
  rows: readonly ResultRow[],
  value: (row: ResultRow) => number | null,
  tick: (row: ResultRow) => number | null,
  format: (n: number | null) => string,
): string {
  const values = rows
    .flatMap((row) => [value(row), tick(row)])
    .filter((n): n is number => n !== null && n > 0);
  if (values.length === 0) return '<p>no figures</p>';
  const low = 10 ** Math.floor(Math.log10(Math.min(...values)));
  const high = 10 ** Math.ceil(Math.log10(Math.max(...values)));
  const span = WIDTH - LABEL - 80;
  const x = (n: number): number => LABEL + (Math.log10(n / low) / Math.log10(high / low)) * span;
  const height = rows.length * ROW + 24;
  const grid: string[] = [];
  for (let decade = low; decade <= high; decade *= 10) {
    grid.push(
      `<line x1="${x(decade)}" x2="${x(decade)}" y1="0" y2="${height - 20}" stroke="#eee"/>`,
      `<text x="${x(decade)}" y="${height - 6}" text-anchor="middle" fill="#888">${format(decade)}</text>`,
    );
  }
  const bars = rows.map((row, i) => {
    const y = i * ROW + 4;
    const v = value(row);
    const t = tick(row);
    const colour = row.transport.startsWith('berth') ? '#1f6feb' : '#9aa5b1';
    return [
      `<text x="${LABEL - 8}" y="${y + 15}" text-anchor="end">${escape(row.transport)}</text>`,
      v === null || v <= 0
        ? ''
        : `<rect x="${LABEL}" y="${y}" width="${Math.max(1, x(v) - LABEL)}" height="${ROW - 8}" fill="${colour}"/>` +
          `<text x="${x(v) + 4}" y="${y + 15}" fill="#333">${format(v)}</text>`,
      t === null || t <= 0
        ? ''
        : `<line x1="${x(t)}" x2="${x(t)}" y1="${y - 2}" y2="${y + ROW - 6}" stroke="#d73a49" stroke-width="2"/>`,
    ].join('');
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" role="img">${grid.join('')}${bars.join('')}</svg>`;
}

/** A summary table as a section: title, note, then the table. */
function htmlTable(summary: SummaryTable): string {
  const cell = (tag: 'th' | 'td', text: string, i: number): string =>
    `<${tag}${summary.numeric[i] === true ? ' class="num"' : ''}>${escape(text)}</${tag}>`;
  const head = summary.head.map((text, i) => cell('th', text, i)).join('');
  const rows = summary.rows.map(
    (cells) => `<tr>${cells.map((text, i) => cell('td', text, i)).join('')}</tr>`,
  );
  return `<section><h2>${escape(summary.title)}</h2>
${summary.note === undefined ? '' : `<p class="meta">${withCode(escape(summary.note))}</p>\n`}<table><thead><tr>${head}</tr></thead>
<tbody>${rows.join('\n')}</tbody></table>
</section>`;
}

/** Markdown's `code` spans, in text already escaped, as <code>. */
function withCode(html: string): string {
  return html.replace(/`([^`]+)`/g, '<code>$1</code>');
}

function escape(text: string): string {
  return text.replace(
    /[&<>"]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c,
  );
}

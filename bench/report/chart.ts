/**
 * A horizontal log-scale bar chart as inline SVG: one bar per row, Berth's own rows in a
 * second colour, an optional tick per row (p99). Each value's label sits right of both
 * its bar and its tick, so no tick ever crosses a label.
 */
import type { ResultRow } from '../results.js';

const ROW = 26;
const LABEL = 190;
const WIDTH = 760;
/** Room right of the longest bar for its label. */
const LABEL_ROOM = 90;

export const BERTH_COLOUR = '#1f6feb';
export const PEER_COLOUR = '#9aa5b1';
export const TICK_COLOUR = '#d73a49';

/** The chart of `value` (bars) and `tick` per row, or '' when no row has a figure. */
export function chart(
  rows: readonly ResultRow[],
  value: (row: ResultRow) => number | null | undefined,
  tick: (row: ResultRow) => number | null | undefined,
  format: (n: number | null) => string,
): string {
  const positive = (n: number | null | undefined): n is number =>
    n !== null && n !== undefined && n > 0 && Number.isFinite(n);
  const shown = rows.filter((row) => positive(value(row)));
  const values = shown.flatMap((row) => [value(row), tick(row)]).filter(positive);
  if (values.length === 0) return '';
  const low = 10 ** Math.floor(Math.log10(Math.min(...values)));
  const high = Math.max(low * 10, 10 ** Math.ceil(Math.log10(Math.max(...values))));
  const span = WIDTH - LABEL - LABEL_ROOM;
  const x = (n: number): number => LABEL + (Math.log10(n / low) / Math.log10(high / low)) * span;
  const height = shown.length * ROW + 24;
  const grid: string[] = [];
  for (let decade = low; decade <= high * 1.001; decade *= 10) {
    grid.push(
      `<line x1="${x(decade)}" x2="${x(decade)}" y1="0" y2="${height - 20}" stroke="#eee"/>`,
      `<text x="${x(decade)}" y="${height - 6}" text-anchor="middle" fill="#888">${format(decade)}</text>`,
    );
  }
  const bars = shown.map((row, i) => {
    const y = i * ROW + 4;
    const v = value(row) as number;
    const t = tick(row);
    const colour = row.transport.startsWith('berth') ? BERTH_COLOUR : PEER_COLOUR;
    const end = Math.max(x(v), positive(t) ? x(t) + 1 : 0);
    return [
      `<text x="${LABEL - 8}" y="${y + 15}" text-anchor="end">${escapeHtml(row.transport)}</text>`,
      `<rect x="${LABEL}" y="${y}" width="${Math.max(1, x(v) - LABEL)}" height="${ROW - 8}" fill="${colour}"/>`,
      positive(t)
        ? `<line x1="${x(t)}" x2="${x(t)}" y1="${y - 2}" y2="${y + ROW - 6}" stroke="${TICK_COLOUR}" stroke-width="2"/>`
        : '',
      `<text x="${end + 5}" y="${y + 15}" fill="#333">${format(v)}</text>`,
    ].join('');
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" role="img">${grid.join('')}${bars.join('')}</svg>`;
}

/** `text` with HTML's special characters escaped. */
export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c,
  );
}

/**
 * Number formats shared by the reports.
 */

/** Microseconds, with precision that suits the magnitude. */
export function formatUs(us: number | null): string {
  if (us === null || !Number.isFinite(us)) return '—';
  if (us < 10) return us.toFixed(2);
  if (us < 100) return us.toFixed(1);
  return Math.round(us).toLocaleString('en-US');
}

/** Calls per second, rounded to three significant figures. */
export function formatRate(rate: number | null): string {
  if (rate === null || !Number.isFinite(rate)) return '—';
  const digits = Math.max(0, Math.floor(Math.log10(rate)) - 2);
  const rounded = Math.round(rate / 10 ** digits) * 10 ** digits;
  return rounded.toLocaleString('en-US');
}

/** A ratio such as `2.4×` or `0.31×`. */
export function formatRatio(ratio: number | null): string {
  if (ratio === null || !Number.isFinite(ratio)) return '—';
  return `${ratio >= 10 ? ratio.toFixed(0) : ratio >= 1 ? ratio.toFixed(1) : ratio.toFixed(2)}×`;
}

/** A relative noise figure such as `±4%`; `n/a` when there was one repeat (no noise figure). */
export function formatNoise(noise: number | null): string {
  if (noise === null || !Number.isFinite(noise)) return 'n/a';
  return `±${Math.round((noise * 100) / 2)}%`;
}

/** A signed change in percent, `+12%` or `-3%`. */
export function formatChange(before: number | null, after: number | null): string {
  if (before === null || after === null || before === 0) return '—';
  const change = ((after - before) / before) * 100;
  return `${change >= 0 ? '+' : ''}${change.toFixed(0)}%`;
}

/** The larger of two noise figures, or null when either is unknown (one repeat). */
export function worseNoise(a: number | null, b: number | null): number | null {
  return a === null || b === null ? null : Math.max(a, b);
}

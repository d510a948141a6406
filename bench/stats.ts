/**
 * The statistics of the bench suite: percentiles of samples, medians of repeats, and
 * how much the repeats disagree.
 */

/** The value at quantile `q` (0..1) of `sorted` (ascending), nearest-rank. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] as number;
}

/** The median of `values` (not necessarily sorted). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/**
 * The noise of repeated measurements: (max - min) / median, so 0.05 means the repeats
 * spread over 5% of their median. null for fewer than two repeats: one repeat says nothing
 * about noise, and the reports show it as "n/a" rather than a reassuring ±0%.
 */
export function spread(values: readonly number[]): number | null {
  if (values.length < 2) return null;
  const mid = median(values);
  return mid === 0 ? 0 : (Math.max(...values) - Math.min(...values)) / mid;
}

/**
 * The least-squares slope of `ys` over `xs` (same length): units of y per unit of x.
 * NaN for fewer than two points or when every x is the same.
 */
export function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = Math.min(xs.length, ys.length);
  if (n < 2) return Number.NaN;
  let meanX = 0;
  let meanY = 0;
  for (let i = 0; i < n; i += 1) {
    meanX += (xs[i] as number) / n;
    meanY += (ys[i] as number) / n;
  }
  let covariance = 0;
  let variance = 0;
  for (let i = 0; i < n; i += 1) {
    const dx = (xs[i] as number) - meanX;
    covariance += dx * ((ys[i] as number) - meanY);
    variance += dx * dx;
  }
  return variance === 0 ? Number.NaN : covariance / variance;
}

/** Small statistics for timing-leak checks: percentiles and Welch's t-test. */

/** The p-th percentile (0..100) of already sorted values, by nearest rank. */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) throw new RangeError("expected at least one value, got none");
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export interface WelchResult {
  t: number;
  n: [number, number];
  mean: [number, number];
}

/**
 * Welch's t statistic for two samples with possibly different variances:
 * t = (mean0 - mean1) / sqrt(var0 / n0 + var1 / n1), sample variances from Welford's update
 * (numerically stable over millions of nanosecond-scale values).
 */
export function welchT(sample0: Iterable<number>, sample1: Iterable<number>): WelchResult {
  const a = moments(sample0);
  const b = moments(sample1);
  if (a.n < 2 || b.n < 2) return { t: 0, n: [a.n, b.n], mean: [a.mean, b.mean] };
  const se = Math.sqrt(a.m2 / (a.n - 1) / a.n + b.m2 / (b.n - 1) / b.n);
  const t = se === 0 ? 0 : (a.mean - b.mean) / se;
  return { t, n: [a.n, b.n], mean: [a.mean, b.mean] };
}

function moments(values: Iterable<number>): { n: number; mean: number; m2: number } {
  let n = 0;
  let mean = 0;
  let m2 = 0;
  for (const x of values) {
    n++;
    const delta = x - mean;
    mean += delta / n;
    m2 += delta * (x - mean);
  }
  return { n, mean, m2 };
}

/** Latency summaries over raw samples (ms). p99 is the nearest-rank percentile. */
export interface Summary {
  count: number;
  mean: number;
  p50: number;
  p99: number;
  max: number;
}

export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) return { count: 0, mean: NaN, p50: NaN, p99: NaN, max: NaN };
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
  let sum = 0;
  for (const x of sorted) sum += x;
  return { count: sorted.length, mean: sum / sorted.length, p50: rank(0.5), p99: rank(0.99), max: sorted[sorted.length - 1] };
}

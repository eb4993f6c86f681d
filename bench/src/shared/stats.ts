/** Latency summary in milliseconds, rounded to 0.01 ms. */
export type Latency = { count: number; mean: number; p50: number; p90: number; p99: number; max: number };

const round = (x: number) => Math.round(x * 100) / 100;

/** Nearest-rank percentile of sorted values. */
export const percentile = (sorted: readonly number[], p: number): number =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;

export const summarise = (values: readonly number[]): Latency => {
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length);
  return {
    count: sorted.length,
    mean: round(mean),
    p50: round(percentile(sorted, 50)),
    p90: round(percentile(sorted, 90)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted.at(-1) ?? NaN),
  };
};

export const perSecond = (count: number, ms: number): number => Math.round((count / Math.max(ms, 1)) * 1000 * 10) / 10;

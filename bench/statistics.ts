/**
 * Order statistics for benchmark samples. Benchmarks here report medians and percentiles over
 * repeated runs, never means: one slow run on a shared machine must not move the figure.
 */

/** Summary of a sample: how many values, and the order statistics the tables show. */
export interface SampleSummary {
  readonly count: number;
  readonly min: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

function sorted(values: readonly number[], what: string): number[] {
  if (values.length === 0) throw new RangeError(`${what} of an empty sample`);
  for (const value of values) {
    if (!Number.isFinite(value)) throw new RangeError(`${what}: sample holds ${value}`);
  }
  return [...values].sort((a, b) => a - b);
}

/**
 * The `p`-th percentile (0-100) by the nearest-rank method: the smallest value with at least
 * `p` percent of the sample at or below it, so the result is always a measured value.
 *
 * @throws RangeError for an empty sample, a non-finite value, or `p` outside 0-100.
 * @example percentile([5, 1, 3, 2, 4], 50) // 3
 */
export function percentile(values: readonly number[], p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0-100, got ${p}`);
  const ordered = sorted(values, `percentile ${p}`);
  const rank = Math.max(1, Math.ceil((p / 100) * ordered.length));
  return ordered[rank - 1] as number;
}

/**
 * The median: the middle value, or the mean of the two middle values of an even-sized sample.
 * @throws RangeError for an empty sample or a non-finite value.
 */
export function median(values: readonly number[]): number {
  const ordered = sorted(values, 'median');
  const middle = Math.floor(ordered.length / 2);
  if (ordered.length % 2 === 1) return ordered[middle] as number;
  return ((ordered[middle - 1] as number) + (ordered[middle] as number)) / 2;
}

/**
 * The median of the ratios `numerators[i] / denominators[i]`: for paired samples, such as two
 * subjects timed back to back in each round, so a slow stretch of a shared machine divides out
 * of every pair instead of landing on one side of a ratio of medians.
 *
 * @throws RangeError for samples of different sizes, empty ones, or a non-finite ratio.
 * @example medianOfRatios([60, 70, 200], [100, 100, 250]) // 0.7
 */
export function medianOfRatios(
  numerators: readonly number[],
  denominators: readonly number[],
): number {
  if (numerators.length !== denominators.length) {
    throw new RangeError(
      `paired samples must be the same size, got ${numerators.length} and ${denominators.length}`,
    );
  }
  return median(numerators.map((value, i) => value / (denominators[i] as number)));
}

/** Count, min, p50 (the median), p95, p99 and max of a sample. */
export function summarize(values: readonly number[]): SampleSummary {
  const ordered = sorted(values, 'summary');
  return {
    count: ordered.length,
    min: ordered[0] as number,
    p50: median(ordered),
    p95: percentile(ordered, 95),
    p99: percentile(ordered, 99),
    max: ordered[ordered.length - 1] as number,
  };
}

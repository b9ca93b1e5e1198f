import { describe, expect, it } from 'vitest';
import { median, medianOfRatios, percentile, summarize } from '../../bench/statistics.ts';

describe('percentile', () => {
  it('returns the nearest-rank value, always one of the measured values', () => {
    // Arrange
    const sample = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted

    // Act
    const p50 = percentile(sample, 50);
    const p95 = percentile(sample, 95);
    const p99 = percentile(sample, 99);

    // Assert
    expect([p50, p95, p99]).toEqual([50, 95, 99]);
  });

  it('gives the smallest value for p0 and the largest for p100', () => {
    expect(percentile([3, 1, 2], 0)).toBe(1);
    expect(percentile([3, 1, 2], 100)).toBe(3);
  });

  it('rounds the rank up on small samples, so p95 of 10 values is the largest', () => {
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95)).toBe(10);
  });

  it('refuses an empty sample, a non-finite value and p outside 0-100', () => {
    expect(() => percentile([], 50)).toThrow(RangeError);
    expect(() => percentile([1, Number.NaN], 50)).toThrow(/NaN/);
    expect(() => percentile([1], 101)).toThrow(/101/);
  });
});

describe('median', () => {
  it('takes the middle value of an odd sample without being moved by an outlier', () => {
    expect(median([5, 1, 1000, 3, 4])).toBe(4);
  });

  it('averages the two middle values of an even sample', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it("does not reorder the caller's array", () => {
    // Arrange
    const sample = [3, 1, 2];

    // Act
    median(sample);

    // Assert
    expect(sample).toEqual([3, 1, 2]);
  });
});

describe('summarize', () => {
  it('reports count, min, p50, p95, p99 and max of the sample', () => {
    // Arrange
    const sample = Array.from({ length: 200 }, (_, i) => i + 1);

    // Act
    const summary = summarize(sample);

    // Assert
    expect(summary).toEqual({ count: 200, min: 1, p50: 100.5, p95: 190, p99: 198, max: 200 });
  });
});

describe('medianOfRatios', () => {
  it('pairs values by position, so a slow round moves neither side of the ratio', () => {
    // Arrange: the third round ran on a machine 2.5x slower for both subjects.
    const ours = [60, 70, 175];
    const reference = [100, 100, 250];

    // Act
    const ratio = medianOfRatios(ours, reference);

    // Assert: 0.6, 0.7, 0.7
    expect(ratio).toBeCloseTo(0.7, 10);
  });

  it('is not moved by a slow round plus a burst on one side, where the ratio of medians is', () => {
    // Arrange: round 2 hit ours alone (80 against 100); round 3 was slow for both.
    const ours = [50, 80, 90];
    const reference = [100, 100, 180];

    // Act
    const ratio = medianOfRatios(ours, reference);

    // Assert: pairs 0.5, 0.8, 0.5; the ratio of the medians would be 80 / 100 = 0.8.
    expect(ratio).toBe(0.5);
    expect(median(ours) / median(reference)).toBe(0.8);
  });

  it('refuses samples of different sizes and a zero denominator', () => {
    expect(() => medianOfRatios([1, 2], [1])).toThrow(/same size, got 2 and 1/);
    expect(() => medianOfRatios([1], [0])).toThrow(RangeError);
  });
});

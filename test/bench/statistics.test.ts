import { describe, expect, it } from 'vitest';
import { median, percentile, summarize } from '../../bench/statistics.ts';

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

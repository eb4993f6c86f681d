import { describe, expect, it } from 'vitest';
import { percentile, perSecond, summarise } from './stats.ts';

describe('latency statistics', () => {
  it('takes nearest-rank percentiles', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
  });

  it('summarises unsorted samples', () => {
    expect(summarise([3, 1, 2, 10])).toEqual({ count: 4, mean: 4, p50: 2, p90: 10, p99: 10, max: 10 });
    expect(summarise([]).count).toBe(0);
  });

  it('gives rates per second', () => {
    expect(perSecond(500, 2000)).toBe(250);
  });
});

import { describe, expect, it } from 'vitest';
import { metricsText } from '@stayhub/infra';
import { searchShapeOf, timeSearch } from './search-metrics.ts';

describe('search latency by shape', () => {
  it.each([
    [{}, 'browse'],
    [{ q: 'harbour' }, 'text'],
    [{ q: 'harbour', lat: 38.7, checkIn: '2027-01-01', guests: 2 }, 'text+geo+dates+filters'],
    [{ slot: '2027-01-01T19:00:00Z', kind: 'restaurant' }, 'dates+filters'],
    [{ lat: 38.7 }, 'geo'],
  ])('%j is %s', (asked, shape) => {
    expect(searchShapeOf(asked)).toBe(shape);
  });

  it('times each search under its shape, a failed one too, and passes its answer through', async () => {
    expect(await timeSearch('text+geo', async () => 'answer')).toBe('answer');
    await expect(timeSearch('text+geo', async () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await metricsText()).toMatch(/^search_duration_seconds_count\{shape="text\+geo"\} 2$/m);
  });
});

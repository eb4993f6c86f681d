import { describe, expect, it } from 'vitest';
import { metricsText } from '@stayhub/platform-kit';
import { productShapeOf } from '../commerce/products.ts';
import { timeSearch } from '../shared/search-timing.ts';
import { searchShapeOf } from './search-metrics.ts';

describe('search latency by shape', () => {
  it.each([
    [{}, 'browse'],
    [{ q: 'harbour' }, 'text'],
    [{ q: 'harbour', lat: 38.7, checkIn: '2027-01-01', guests: 2 }, 'text+geo+dates+filters'],
    [{ slot: '2027-01-01T19:00:00Z', kind: 'restaurant' }, 'dates+filters'],
    [{ lat: 38.7 }, 'geo'],
  ])('listings: %j is %s', (asked, shape) => {
    expect(searchShapeOf(asked)).toBe(shape);
  });

  it.each([
    [{ attributes: {} }, 'browse'],
    [{ q: 'oled', attributes: {} }, 'text'],
    [{ q: 'oled', attributes: { size: '55' } }, 'text+filters'],
    [{ deliverableTo: '10115', attributes: {} }, 'filters'],
    [{ inStock: false, attributes: {} }, 'filters'],
  ])('products: %j is %s', (asked, shape) => {
    expect(productShapeOf(asked)).toBe(shape);
  });

  it('times each search under its index and shape, a failed one too, and passes its answer through', async () => {
    expect(await timeSearch('listings', 'text+geo', async () => 'answer')).toBe('answer');
    await expect(timeSearch('listings', 'text+geo', async () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    await timeSearch('products', 'text', async () => undefined);
    const text = await metricsText();
    expect(text).toMatch(/^search_duration_seconds_count\{index="listings",shape="text\+geo"\} 2$/m);
    expect(text).toMatch(/^search_duration_seconds_count\{index="products",shape="text"\} 1$/m);
  });
});

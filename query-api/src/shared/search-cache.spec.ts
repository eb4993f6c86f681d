import { describe, expect, it } from 'vitest';
import { cached, cacheKeyOf, inProcessSearchCache } from './search-cache.ts';

describe('search cache', () => {
  it('never serves an entry older than its TTL', async () => {
    let now = 1_000;
    const cache = inProcessSearchCache(500, () => now);
    await cache.set('k', '{"total":1}');
    now += 499;
    expect(await cache.get('k')).toBe('{"total":1}');
    now += 1;
    expect(await cache.get('k')).toBeUndefined();
  });

  it('keeps at most its number of entries, dropping the oldest', async () => {
    const cache = inProcessSearchCache(10_000, Date.now, 2);
    for (const key of ['a', 'b', 'c']) await cache.set(key, key);
    expect([await cache.get('a'), await cache.get('b'), await cache.get('c')]).toEqual([undefined, 'b', 'c']);
  });

  it('computes once for repeated keys, always when bypassed, and without a cache that fails', async () => {
    const cache = inProcessSearchCache(10_000);
    let computed = 0;
    const compute = async () => String(++computed);
    const errors: unknown[] = [];
    const read = (from: typeof cache, bypass: boolean) =>
      cached(
        from,
        () => 'k',
        bypass,
        compute,
        (e) => errors.push(e),
      );
    expect(await read(cache, false)).toBe('1');
    expect(await read(cache, false)).toBe('1');
    expect(await read(cache, true)).toBe('2');
    expect(await read(cache, false)).toBe('2');
    const broken = { get: () => Promise.reject(new Error('down')), set: () => Promise.reject(new Error('down')), close: async () => undefined };
    expect(await read(broken, false)).toBe('3');
    expect(errors).toHaveLength(2);
  });

  it('keys do not depend on the order of the parameters', () => {
    expect(cacheKeyOf('listings', { q: 'x', page: 1 })).toBe(cacheKeyOf('listings', { page: 1, q: 'x', sort: undefined }));
    expect(cacheKeyOf('listings', { q: 'x' })).not.toBe(cacheKeyOf('products', { q: 'x' }));
  });
});

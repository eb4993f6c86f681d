import { describe, expect, it } from 'vitest';
import { buildProductSearchRequest, cursorAfter, prefixesOf, tierOfScore } from './elasticsearch-mapping.ts';
import { decodeProductCursor, encodeProductCursor } from './port.ts';

describe('product search on Elasticsearch, without a server', () => {
  it('covers a postal code by every prefix of it, as PostgreSQL compares', () => {
    expect(prefixesOf('75 0-12')).toEqual(['7', '75', '750', '7501', '75012']);
  });

  it('keeps one cursor format for both stores and refuses one it never gave out', () => {
    const cursor = { tier: 1, key: 1_893_492_000_000, id: 'p-9' };
    expect(decodeProductCursor(encodeProductCursor(cursor))).toEqual(cursor);
    for (const bad of [
      'not-a-cursor',
      Buffer.from('[3,1,"x"]').toString('base64url'),
      Buffer.from('[0,1.5,"x"]').toString('base64url'),
      Buffer.from('[0,1,""]').toString('base64url'),
    ]) {
      expect(decodeProductCursor(bad), bad).toBeUndefined();
    }
  });

  it('reads the tier back from the constant scores and continues after the last hit', () => {
    expect([3, 1, 0].map(tierOfScore)).toEqual([0, 1, 2]);
    expect(cursorAfter({ sort: [1, 99_900, 'tv2'] }, true)).toEqual({ tier: 1, key: 99_900, id: 'tv2' });
    expect(cursorAfter({ sort: [99_900, 'tv2'] }, false)).toEqual({ tier: 0, key: 99_900, id: 'tv2' });
    const request = buildProductSearchRequest({
      q: 'lamp',
      sort: 'price',
      page: 3,
      pageSize: 10,
      cursor: encodeProductCursor({ tier: 1, key: 5_900, id: 'lamp' }),
    });
    expect(request).toMatchObject({
      search_after: [1, 5_900, 'lamp'],
      size: 11,
      sort: [{ _score: { order: 'desc' } }, { price: { order: 'asc' } }, { productId: { order: 'asc' } }],
    });
    expect(request).not.toHaveProperty('from');
    expect(buildProductSearchRequest({ sort: 'newest', page: 3, pageSize: 10 })).toMatchObject({
      from: 20,
      sort: [{ createdAt: { order: 'desc' } }, { productId: { order: 'desc' } }],
    });
  });
});

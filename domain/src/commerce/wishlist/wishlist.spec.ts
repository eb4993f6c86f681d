import { describe, expect, it } from 'vitest';
import { fold } from '../../shared/decider.ts';
import { specFor, type SpecCase } from '../../shared/spec.ts';
import { wishlistDecider, wishlistStreamId, type WishlistCommand, type WishlistEvent } from './wishlist.ts';

const now = '2026-03-01T10:00:00.000Z';
const data = (productId: string) => ({ userId: 'u1', productId });
const addItem = (productId: string): WishlistCommand => ({ type: 'AddToWishlist', data: { ...data(productId), now } });
const removeItem = (productId: string): WishlistCommand => ({ type: 'RemoveFromWishlist', data: { ...data(productId), now } });
const added = (productId: string): WishlistEvent => ({ type: 'WishlistItemAdded', data: { ...data(productId), at: now } });
const removed = (productId: string): WishlistEvent => ({ type: 'WishlistItemRemoved', data: { ...data(productId), at: now } });

const cases: SpecCase<WishlistCommand, WishlistEvent>[] = [
  { name: 'adds a product', when: addItem('p1'), then: [added('p1')] },
  { name: 'adding twice decides nothing', given: [added('p1')], when: addItem('p1'), then: [] },
  { name: 'removes a product', given: [added('p1')], when: removeItem('p1'), then: [removed('p1')] },
  { name: 'removing a missing product decides nothing', given: [added('p2')], when: removeItem('p1'), then: [] },
  { name: 'a removed product can be added again', given: [added('p1'), removed('p1')], when: addItem('p1'), then: [added('p1')] },
];

describe('wishlistDecider', () => {
  it.each(cases)('$name', specFor(wishlistDecider).run);

  it('lists the products in the order added', () =>
    expect(fold(wishlistDecider, [added('b'), added('a'), removed('b'), added('c')]).productIds).toEqual(['a', 'c']));

  it('names its stream', () => expect(wishlistStreamId('u1')).toBe('wishlist-u1'));
});

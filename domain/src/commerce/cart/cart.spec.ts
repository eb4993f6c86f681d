import { describe, expect, it } from 'vitest';
import { fold } from '../../shared/decider.ts';
import { specFor, type SpecCase } from '../../shared/spec.ts';
import { CartCommand as CartCommandSchema, cartDecider, cartStreamId, type CartCommand, type CartEvent } from './cart.ts';

const now = '2026-03-01T10:00:00.000Z';
const userId = 'u1';
const add = (productId: string, quantity: number): CartCommand => ({ type: 'AddToCart', data: { userId, productId, quantity, now } });
const set = (productId: string, quantity: number): CartCommand => ({ type: 'SetCartItemQuantity', data: { userId, productId, quantity, now } });
const remove = (productId: string): CartCommand => ({ type: 'RemoveFromCart', data: { userId, productId, now } });
const clear = (reason: 'checked_out' | 'user'): CartCommand => ({ type: 'ClearCart', data: { userId, reason, now } });
const added = (productId: string, quantity: number): CartEvent => ({ type: 'CartItemAdded', data: { userId, productId, quantity, at: now } });
const changed = (productId: string, quantity: number, previous: number): CartEvent => ({
  type: 'CartItemQuantityChanged',
  data: { userId, productId, quantity, previous, at: now },
});
const removed = (productId: string): CartEvent => ({ type: 'CartItemRemoved', data: { userId, productId, at: now } });
const cleared = (reason: 'checked_out' | 'user'): CartEvent => ({ type: 'CartCleared', data: { userId, reason, at: now } });

const cases: SpecCase<CartCommand, CartEvent>[] = [
  { name: 'adds a product', when: add('p1', 2), then: [added('p1', 2)] },
  { name: 'adding again adds to the line', given: [added('p1', 2)], when: add('p1', 3), then: [changed('p1', 5, 2)] },
  { name: 'adds up to 99 per line', given: [added('p1', 90)], when: add('p1', 9), then: [changed('p1', 99, 90)] },
  { name: 'refuses a line above 99', given: [added('p1', 90)], when: add('p1', 10), throws: 'AMOUNT_INVALID' },
  { name: 'refuses to add 0', when: add('p1', 0), throws: 'AMOUNT_INVALID' },
  { name: 'refuses to add 100 at once', when: add('p1', 100), throws: 'AMOUNT_INVALID' },
  { name: 'refuses a fractional quantity', when: add('p1', 1.5), throws: 'AMOUNT_INVALID' },
  { name: 'sets a quantity', given: [added('p1', 2)], when: set('p1', 7), then: [changed('p1', 7, 2)] },
  { name: 'setting a new product adds it', when: set('p1', 3), then: [added('p1', 3)] },
  { name: 'setting the same quantity decides nothing', given: [added('p1', 2)], when: set('p1', 2), then: [] },
  { name: 'setting 0 removes the line', given: [added('p1', 2)], when: set('p1', 0), then: [removed('p1')] },
  { name: 'setting 0 on a missing line decides nothing', when: set('p1', 0), then: [] },
  { name: 'refuses to set above 99', given: [added('p1', 2)], when: set('p1', 100), throws: 'AMOUNT_INVALID' },
  { name: 'refuses to set a negative quantity', given: [added('p1', 2)], when: set('p1', -1), throws: 'AMOUNT_INVALID' },
  { name: 'removes a line', given: [added('p1', 2), added('p2', 1)], when: remove('p1'), then: [removed('p1')] },
  { name: 'removing a missing line decides nothing', given: [added('p2', 1)], when: remove('p1'), then: [] },
  { name: 'a removed line can be added again', given: [added('p1', 2), removed('p1')], when: add('p1', 1), then: [added('p1', 1)] },
  { name: 'clears at checkout', given: [added('p1', 2)], when: clear('checked_out'), then: [cleared('checked_out')] },
  { name: 'the user clears', given: [added('p1', 2)], when: clear('user'), then: [cleared('user')] },
  { name: 'clearing an empty cart decides nothing', given: [added('p1', 2), cleared('user')], when: clear('checked_out'), then: [] },
];

describe('cartDecider', () => {
  it.each(cases)('$name', specFor(cartDecider).run);

  it('keeps lines in the order they were added, with their quantities', () => {
    const state = fold(cartDecider, [added('b', 1), added('a', 2), changed('b', 4, 1), added('c', 1), removed('a')]);
    expect(state.lines).toEqual([
      { productId: 'b', quantity: 4 },
      { productId: 'c', quantity: 1 },
    ]);
  });

  it('the schema refuses 100 items on a line', () => expect(CartCommandSchema.safeParse(add('p1', 100)).success).toBe(false));

  it('names its stream', () => expect(cartStreamId('u1')).toBe('cart-u1'));
});

import { describe, expect, it } from 'vitest';
import { subtotalOf } from './carts.ts';

const line = (quantity: number, amount: number, currency = 'EUR') => ({ quantity, product: { price: { amount, currency } } });

describe('cart subtotal', () => {
  it('sums lines exactly in minor units', () => {
    expect(subtotalOf([line(3, 1999), line(1, 1)])).toEqual({ amount: 5998, currency: 'EUR' });
    // Floating point would round this sum to 9007199254740992.
    expect(subtotalOf([line(1, 2 ** 53 - 2), line(1, 1)])).toEqual({ amount: 2 ** 53 - 1, currency: 'EUR' });
  });

  it('is null past the safe integers, for mixed currencies or unknown products', () => {
    expect(subtotalOf([line(2, 2 ** 53 - 1)])).toBeNull();
    expect(subtotalOf([line(1, 2 ** 53 - 1), line(1, 2)])).toBeNull();
    expect(subtotalOf([line(1, 100), line(1, 100, 'USD')])).toBeNull();
    expect(subtotalOf([{ quantity: 1, product: null }])).toBeNull();
  });

  it('is zero for an empty cart, in ISO 4217 XXX (no currency involved)', () => {
    expect(subtotalOf([])).toEqual({ amount: 0, currency: 'XXX' });
  });
});

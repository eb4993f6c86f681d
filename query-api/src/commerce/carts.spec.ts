import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectRefusedRead, queryApiSpec, type QueryApiSpec, type RefusedRead } from '../testing/http-spec.ts';
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

describe('cart and wishlist query routes', () => {
  // given: the carts read model holds a cart of two lines and a wishlist of one product, and the products read model their prices
  let api: QueryApiSpec;
  let shopper: string;
  beforeAll(async () => {
    api = await queryApiSpec({
      carts: {
        cart: async (userId) =>
          userId === 'shopper-1'
            ? ({
                lines: [
                  { productId: 'p-mug', quantity: 3 },
                  { productId: 'p-gone', quantity: 1 },
                ],
                updatedAt: '2030-03-01T09:00:00.000Z',
              } as never)
            : undefined,
        wishlist: async () => ({ productIds: ['p-mug'], updatedAt: '2030-03-01T09:00:00.000Z' }) as never,
      },
      products: {
        many: async (ids) => ids.filter((id) => id === 'p-mug').map((productId) => ({ productId, price: { amount: 1_200, currency: 'EUR' } }) as never),
      },
    });
    shopper = await api.tokenFor('guest', 'shopper-1');
  });
  afterAll(() => api?.close());

  it("answers the caller's cart with current prices; a product no longer known makes the subtotal null", async () => {
    const reply = await api.get('/carts/me', shopper);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body).toMatchObject({ userId: 'shopper-1', itemCount: 4, subtotal: null, stale: false });
    expect(reply.body.lines[1].product).toBeNull();
  });

  it("answers an empty cart with a zero subtotal, and the caller's wishlist", async () => {
    const other = await api.tokenFor('guest', 'shopper-2');
    expect((await api.get('/carts/me', other)).body).toMatchObject({ lines: [], itemCount: 0, subtotal: { amount: 0, currency: 'XXX' }, updatedAt: null });
    expect((await api.get('/me/wishlist', shopper)).body.items).toEqual([
      { productId: 'p-mug', product: { productId: 'p-mug', price: { amount: 1_200, currency: 'EUR' } } },
    ]);
  });

  it.each([
    { name: 'no token', path: '/carts/me', token: () => undefined, status: 401 },
    { name: 'an unknown query parameter', path: '/me/wishlist?sort=name', status: 400, fields: ['sort'] },
  ] as RefusedRead[])('refuses $name: $status', (refusal) => expectRefusedRead(api, refusal, shopper));
});

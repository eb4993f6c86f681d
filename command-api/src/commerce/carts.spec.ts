import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commerce } from '@stayhub/domain';
import { commandApiSpec, expectRefused, type CommandApiSpec, type Refusal } from '../testing/http-spec.ts';
import { givenProduct } from '../testing/commerce.ts';

describe('cart and wishlist routes', () => {
  let api: CommandApiSpec;
  let shopper: string;
  const userId = 'shopper-1';
  beforeAll(async () => {
    api = await commandApiSpec();
    shopper = await api.tokenFor('guest', userId);
    await givenProduct(api, { productId: 'p-mug', sellerId: 'seller-1', sku: 'MUG-1' });
    await givenProduct(api, { productId: 'p-old', sellerId: 'seller-1', sku: 'OLD-1', discontinued: true });
  });
  afterAll(() => api?.close());

  it("sets a line of the caller's own cart, removes it, and empties the cart", async () => {
    const set = await api.request('PUT', '/carts/me/items', { token: shopper, body: { productId: 'p-mug', quantity: 2 } });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect(set.body).toMatchObject({ lines: [{ productId: 'p-mug', quantity: 2 }], consistencyToken: expect.any(String) });
    expect((await api.appended()).map((e) => [e.streamId, e.type])).toEqual([[commerce.cartStreamId(userId), expect.stringMatching(/^Cart/)]]);

    const removed = await api.request('DELETE', '/carts/me/items/p-mug', { token: shopper });
    expect(removed.body.lines).toEqual([]);
    await api.request('PUT', '/carts/me/items', { token: shopper, body: { productId: 'p-mug', quantity: 1 } });
    const cleared = await api.request('DELETE', '/carts/me', { token: shopper });
    expect(cleared.status).toBe(200);
    expect(cleared.body.lines).toEqual([]);
    expect((await api.appended()).map((e) => e.streamId)).toEqual([commerce.cartStreamId(userId)]);
  });

  it('keeps a wishlist and moves an item from it to the cart', async () => {
    const added = await api.request('PUT', '/me/wishlist/p-mug', { token: shopper });
    expect(added.status, JSON.stringify(added.body)).toBe(200);
    expect(added.body.productIds).toEqual(['p-mug']);
    expect((await api.appended()).map((e) => e.streamId)).toEqual([commerce.wishlistStreamId(userId)]);
    const moved = await api.request('POST', '/me/wishlist/p-mug/move-to-cart', { token: shopper, body: { quantity: 3 } });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect((await api.appended()).map((e) => e.streamId)).toEqual([commerce.cartStreamId(userId), commerce.wishlistStreamId(userId)]);
  });

  describe('refusals change nothing', () => {
    const cases: Refusal[] = [
      { name: 'no token', method: 'PUT', path: '/carts/me/items', token: () => undefined, body: { productId: 'p-mug', quantity: 1 }, status: 401 },
      { name: 'a negative quantity', method: 'PUT', path: '/carts/me/items', body: { productId: 'p-mug', quantity: -1 }, status: 400, fields: ['quantity'] },
      {
        name: 'a quantity past the line limit',
        method: 'PUT',
        path: '/carts/me/items',
        body: { productId: 'p-mug', quantity: commerce.MAX_CART_LINE_QUANTITY + 1 },
        status: 400,
        fields: ['quantity'],
      },
      {
        name: 'a product id with a slash',
        method: 'PUT',
        path: '/carts/me/items',
        body: { productId: 'a/b', quantity: 1 },
        status: 400,
        fields: ['productId'],
      },
      {
        name: 'a product that does not exist',
        method: 'PUT',
        path: '/carts/me/items',
        body: { productId: 'p-none', quantity: 1 },
        status: 404,
        code: 'PRODUCT_NOT_FOUND',
      },
      {
        name: 'a discontinued product',
        method: 'PUT',
        path: '/carts/me/items',
        body: { productId: 'p-old', quantity: 1 },
        status: 422,
        code: 'PRODUCT_DISCONTINUED',
      },
      { name: 'moving what the wishlist lacks', path: '/me/wishlist/p-none/move-to-cart', body: {}, status: 404 },
    ];
    it.each(cases)('$name: $status', (refusal) => expectRefused(api, refusal, shopper));
  });
});

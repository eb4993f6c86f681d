import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commerce } from '@stayhub/domain';
import { commandApiSpec, expectRefused, problemOf, type CommandApiSpec, type Refusal } from '../testing/http-spec.ts';
import { givenProduct } from '../testing/commerce.ts';

describe('checkout route', () => {
  let api: CommandApiSpec;
  let shopper: string;
  beforeAll(async () => {
    api = await commandApiSpec();
    shopper = await api.tokenFor('guest', 'shopper-1');
    await givenProduct(api, { productId: 'p-mug', sellerId: 'seller-1', sku: 'MUG-1', price: 1_250, stock: 5 });
    await givenProduct(api, { productId: 'p-pan', sellerId: 'seller-1', sku: 'PAN-1', price: 4_000, stock: 1 });
    await givenProduct(api, { productId: 'p-old', sellerId: 'seller-1', sku: 'OLD-1', stock: 3, discontinued: true });
  });
  afterAll(() => api?.close());

  const order = (items: { productId: string; quantity: number }[]) => ({ items, shippingPostalCode: '10115', paymentMethod: 'tok_visa' });

  it('places the order and holds the stock of every line in one append; the total is the sum of the lines', async () => {
    const reply = await api.request('POST', '/checkout', {
      token: shopper,
      body: order([
        { productId: 'p-pan', quantity: 1 },
        { productId: 'p-mug', quantity: 2 },
      ]),
    });
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    const { orderId } = reply.body;
    expect(reply.body).toMatchObject({ status: 'payment_pending', total: { amount: 6_500, currency: 'EUR' }, consistencyToken: expect.any(String) });
    const appended = await api.appended();
    expect(new Set(appended.map((e) => e.streamId))).toEqual(
      new Set([commerce.orderStreamId(orderId), commerce.stockStreamId('MUG-1'), commerce.stockStreamId('PAN-1')]),
    );
    expect(appended.filter((e) => e.streamId.startsWith('stock-')).map((e) => e.type)).toEqual(['StockHeld', 'StockHeld']);
    expect(JSON.stringify(appended)).not.toContain('tok_visa');
  });

  it('refuses stock that is short with 409 OUT_OF_STOCK: no order and no hold, not even of the lines in stock', async () => {
    const reply = await api.request('POST', '/checkout', {
      token: shopper,
      body: order([
        { productId: 'p-mug', quantity: 1 },
        { productId: 'p-pan', quantity: 1 },
      ]),
    });
    expect(problemOf(reply)).toMatchObject({ status: 409, type: 'application/problem+json', code: 'OUT_OF_STOCK' });
    expect(await api.appended()).toEqual([]);
  });

  describe('refusals change nothing', () => {
    const cases: Refusal[] = [
      { name: 'no token', path: '/checkout', token: () => undefined, body: order([{ productId: 'p-mug', quantity: 1 }]), status: 401 },
      {
        name: 'the cart and items at once',
        path: '/checkout',
        body: { ...order([{ productId: 'p-mug', quantity: 1 }]), fromCart: true },
        status: 400,
        fields: ['items'],
      },
      {
        name: 'no postal code',
        path: '/checkout',
        body: { items: [{ productId: 'p-mug', quantity: 1 }], paymentMethod: 'tok' },
        status: 400,
        fields: ['shippingPostalCode'],
      },
      { name: 'a quantity of zero', path: '/checkout', body: order([{ productId: 'p-mug', quantity: 0 }]), status: 400, fields: ['items.0.quantity'] },
      {
        name: 'an empty cart',
        path: '/checkout',
        body: { fromCart: true, shippingPostalCode: '10115', paymentMethod: 'tok' },
        status: 422,
        code: 'CART_EMPTY',
      },
      { name: 'a product that does not exist', path: '/checkout', body: order([{ productId: 'p-none', quantity: 1 }]), status: 404, code: 'PRODUCT_NOT_FOUND' },
      { name: 'a discontinued product', path: '/checkout', body: order([{ productId: 'p-old', quantity: 1 }]), status: 422, code: 'PRODUCT_DISCONTINUED' },
      {
        name: 'an address the seller does not ship to',
        path: '/checkout',
        body: { ...order([{ productId: 'p-mug', quantity: 1 }]), shippingPostalCode: '75001' },
        status: 422,
      },
    ];
    it.each(cases)('$name: $status', (refusal) => expectRefused(api, refusal, shopper));
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commerce } from '@stayhub/domain';
import { commandApiSpec, expectRefused, type CommandApiSpec, type Refusal } from '../testing/http-spec.ts';
import { givenProduct } from '../testing/commerce.ts';

const product = {
  sku: 'MUG-1',
  name: 'Blue mug',
  category: 'kitchen',
  shipping: { postalPrefixes: ['10'], deliveryDays: 2 },
  price: { amount: 1_200, currency: 'EUR' },
};

describe('product routes', () => {
  let api: CommandApiSpec;
  let seller: string;
  let otherSeller: string;
  let guest: string;
  beforeAll(async () => {
    api = await commandApiSpec();
    seller = await api.tokenFor('host', 'seller-1');
    otherSeller = await api.tokenFor('host', 'seller-2');
    guest = await api.tokenFor('guest', 'guest-1');
    await givenProduct(api, { productId: 'p-pan', sellerId: 'seller-1', sku: 'PAN-1' });
  });
  afterAll(() => api?.close());

  it('lists a product: its SKU claimed, then the product; 201 with Location', async () => {
    const reply = await api.request('POST', '/products', { token: seller, body: product });
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    const { productId } = reply.body;
    expect(reply.body).toMatchObject({ sku: 'MUG-1', status: 'active', price: product.price, consistencyToken: expect.any(String) });
    expect(reply.headers.get('location')).toBe(`/products/${productId}`);
    expect((await api.appended()).map((e) => [e.streamId, e.type])).toEqual([
      [commerce.skuClaimStreamId('MUG-1'), 'SkuClaimed'],
      [commerce.productStreamId(productId), 'ProductCreated'],
    ]);
  });

  it('changes the price, receives stock once per receipt, and discontinues', async () => {
    const priced = await api.request('POST', '/products/p-pan/price', { token: seller, body: { price: { amount: 2_500, currency: 'EUR' } } });
    expect(priced.status, JSON.stringify(priced.body)).toBe(200);
    expect((await api.appended()).map((e) => e.type)).toEqual(['ProductPriceChanged']);

    const received = await api.request('POST', '/products/p-pan/stock', { token: seller, body: { quantity: 5, receiptId: 'note-7' } });
    expect(received.status, JSON.stringify(received.body)).toBeLessThan(300);
    expect(await api.appended()).toEqual([
      { streamId: commerce.stockStreamId('PAN-1'), type: 'StockReceived', data: expect.objectContaining({ quantity: 5, receiptId: 'note-7' }) },
    ]);
    await api.request('POST', '/products/p-pan/stock', { token: seller, body: { quantity: 5, receiptId: 'note-7' } });
    expect(await api.appended()).toEqual([]);

    const discontinued = await api.request('POST', '/products/p-pan/discontinue', { token: seller });
    expect(discontinued.body).toMatchObject({ status: 'discontinued' });
  });

  describe('refusals change nothing', () => {
    beforeAll(() => givenProduct(api, { productId: 'p-bowl', sellerId: 'seller-1', sku: 'BOWL-1' }));
    const cases: Refusal[] = [
      { name: 'no token', path: '/products', token: () => undefined, body: product, status: 401 },
      { name: 'a guest', path: '/products', token: () => guest, body: product, status: 403 },
      { name: 'a price of zero', path: '/products', body: { ...product, price: { amount: 0, currency: 'EUR' } }, status: 400, fields: ['price.amount'] },
      { name: 'no name', path: '/products', body: { ...product, name: undefined }, status: 400, fields: ['name'] },
      { name: 'an unknown field', path: '/products', body: { ...product, featured: true }, status: 400, fields: ['featured'] },
      { name: 'a SKU another product holds', path: '/products', body: { ...product, sku: 'BOWL-1' }, status: 409, code: 'SKU_TAKEN' },
      { name: 'a change of nothing', method: 'PUT', path: '/products/p-bowl', body: {}, status: 400 },
      {
        name: "another seller's product",
        path: '/products/p-bowl/price',
        token: () => otherSeller,
        body: { price: { amount: 1, currency: 'EUR' } },
        status: 403,
        code: 'NOT_PRODUCT_SELLER',
      },
      { name: 'a product that does not exist', path: '/products/p-none/discontinue', status: 404, code: 'PRODUCT_NOT_FOUND' },
      { name: 'stock of no units', path: '/products/p-bowl/stock', body: { quantity: 0 }, status: 400, fields: ['quantity'] },
    ];
    it.each(cases)('$name: $status', (refusal) => expectRefused(api, refusal, seller));
  });
});

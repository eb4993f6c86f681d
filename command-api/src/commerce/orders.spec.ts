import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commerce, money } from '@stayhub/domain';
import { commandApiSpec, expectRefused, type CommandApiSpec, type Refusal } from '../testing/http-spec.ts';
import { givenProduct } from '../testing/commerce.ts';

const at = '2030-03-01T09:00:00.000Z';

describe('order routes', () => {
  let api: CommandApiSpec;
  let buyer: string;
  let seller: string;
  let stranger: string;
  let otherSeller: string;
  beforeAll(async () => {
    api = await commandApiSpec();
    buyer = await api.tokenFor('guest', 'buyer-1');
    seller = await api.tokenFor('host', 'seller-1');
    otherSeller = await api.tokenFor('host', 'seller-2');
    stranger = await api.tokenFor('guest', 'buyer-2');
    await givenProduct(api, { productId: 'p-mug', sellerId: 'seller-1', sku: 'MUG-1', price: 1_000 });
  });
  afterAll(() => api?.close());

  /** An order of one mug as events: placed, its stock held and, when `paid`, paid (confirmed). */
  const givenOrder = async (orderId: string, paid: boolean) => {
    const data = { orderId, now: at };
    await api.givenDecided(commerce.orderStreamId(orderId), commerce.orderDecider, [
      {
        type: 'PlaceOrder',
        data: {
          ...data,
          userId: 'buyer-1',
          lines: [
            {
              productId: 'p-mug',
              sku: 'MUG-1',
              name: 'Mug',
              unitPrice: money(1_000, 'EUR'),
              quantity: 1,
              shipping: { postalPrefixes: ['10'], deliveryDays: 2 },
            },
          ],
          shippingPostalCode: '10115',
          paymentDeadline: '2030-03-01T09:15:00.000Z',
          fromCart: false,
        },
      },
      { type: 'RecordStockHeld', data: { ...data, sku: 'MUG-1' } },
      ...(paid ? [{ type: 'RecordPaymentSucceeded' as const, data: { ...data, paymentId: `pay-${orderId}`, amount: money(1_000, 'EUR') } }] : []),
    ]);
  };

  it('lets the seller ship a paid order and mark it delivered', async () => {
    await givenOrder('o-paid', true);
    const shipped = await api.request('POST', '/orders/o-paid/ship', { token: seller, body: { carrier: 'DHL', tracking: '123' } });
    expect(shipped.status, JSON.stringify(shipped.body)).toBe(200);
    expect(shipped.body).toMatchObject({ orderId: 'o-paid', status: 'shipped', total: { amount: 1_000, currency: 'EUR' } });
    expect(await api.appended()).toEqual([
      { streamId: 'order-o-paid', type: 'OrderShipped', data: expect.objectContaining({ carrier: 'DHL', tracking: '123' }) },
    ]);
    const delivered = await api.request('POST', '/orders/o-paid/deliver', { token: seller });
    expect(delivered.body.status).toBe('delivered');
  });

  it('lets the buyer cancel an order before it ships', async () => {
    await givenOrder('o-cancel', false);
    const reply = await api.request('POST', '/orders/o-cancel/cancel', { token: buyer, body: { reason: 'changed my mind' } });
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body.status).toBe('cancelled');
    expect((await api.appended()).map((e) => [e.streamId, e.type])).toEqual([['order-o-cancel', 'OrderCancelled']]);
  });

  describe('refusals change nothing', () => {
    beforeAll(async () => {
      await givenOrder('o-pending', false);
    });
    const cases: Refusal[] = [
      { name: 'no token', path: '/orders/o-pending/cancel', token: () => undefined, body: {}, status: 401 },
      {
        name: "someone else's order (it looks missing)",
        path: '/orders/o-pending/cancel',
        token: () => stranger,
        body: {},
        status: 404,
        code: 'ORDER_NOT_FOUND',
      },
      { name: 'a buyer shipping', path: '/orders/o-pending/ship', token: () => buyer, body: {}, status: 403 },
      {
        name: 'a seller of none of its lines shipping',
        path: '/orders/o-pending/ship',
        token: () => otherSeller,
        body: {},
        status: 404,
        code: 'ORDER_NOT_FOUND',
      },
      { name: 'shipping an unpaid order', path: '/orders/o-pending/ship', token: () => seller, body: {}, status: 409, code: 'ORDER_STATE' },
      { name: 'an order that does not exist', path: '/orders/o-none/cancel', body: {}, status: 404, code: 'ORDER_NOT_FOUND' },
      { name: 'a reason past 500 characters', path: '/orders/o-pending/cancel', body: { reason: 'x'.repeat(501) }, status: 400, fields: ['reason'] },
    ];
    it.each(cases)('$name: $status', (refusal) => expectRefused(api, refusal, buyer));
  });
});

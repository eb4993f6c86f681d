import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commerce, money } from '@stayhub/domain';
import { signWebhook, webhookSignatureHeader } from '@stayhub/payments';
import { commandApiSpec, expectRefused, type CommandApiSpec, type Refusal } from '../testing/http-spec.ts';

const at = '2030-03-01T09:00:00.000Z';
const secret = 'command-spec-webhook-secret-0123456789';

describe('payment webhook route', () => {
  let api: CommandApiSpec;
  beforeAll(async () => {
    api = await commandApiSpec();
    await api.givenDecided(commerce.orderStreamId('o-1'), commerce.orderDecider, [
      {
        type: 'PlaceOrder',
        data: {
          orderId: 'o-1',
          userId: 'buyer-1',
          lines: [
            {
              productId: 'p-mug',
              sku: 'MUG-1',
              name: 'Mug',
              unitPrice: money(1_000, 'EUR'),
              quantity: 2,
              shipping: { postalPrefixes: ['10'], deliveryDays: 2 },
            },
          ],
          shippingPostalCode: '10115',
          paymentDeadline: '2030-03-01T09:15:00.000Z',
          fromCart: false,
          now: at,
        },
      },
      { type: 'RecordStockHeld', data: { orderId: 'o-1', sku: 'MUG-1', now: at } },
    ]);
  });
  afterAll(() => api?.close());

  const captured = (reference: string, eventId = 'evt-1') => ({
    eventId,
    type: 'payment.captured',
    paymentId: 'pay-1',
    reference,
    amount: { amount: 2_000, currency: 'EUR' },
    idempotencyKey: `capture-${reference}`,
    occurredAt: at,
  });
  const signed = (body: unknown) => {
    const raw = JSON.stringify(body);
    return { body: raw, headers: { [webhookSignatureHeader]: signWebhook(raw, secret, api.clock.now()) } };
  };

  it('records a signed capture on its order once: a redelivery is acknowledged and appends nothing', async () => {
    const reply = await api.request('POST', '/payments/webhook', signed(captured('o-1')));
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body).toEqual({ received: true, applied: true, status: 'confirmed' });
    expect(await api.appended()).toEqual([
      { streamId: 'order-o-1', type: 'OrderPaid', data: expect.objectContaining({ paymentId: 'pay-1' }) },
      { streamId: 'order-o-1', type: 'OrderConfirmed', data: { orderId: 'o-1', skus: ['MUG-1'], at } },
    ]);
    const again = await api.request('POST', '/payments/webhook', signed(captured('o-1')));
    expect(again.body).toMatchObject({ received: true, applied: false });
    expect(await api.appended()).toEqual([]);
  });

  it('acknowledges an event that is about no order (a booking payment), appending nothing', async () => {
    const reply = await api.request('POST', '/payments/webhook', signed(captured('booking-77', 'evt-2')));
    expect(reply.body).toEqual({ received: true, applied: false });
    expect(await api.appended()).toEqual([]);
  });

  describe('refusals change nothing', () => {
    const raw = JSON.stringify(captured('o-1', 'evt-3'));
    const cases: Refusal[] = [
      { name: 'no signature', path: '/payments/webhook', body: raw, status: 400, fields: [webhookSignatureHeader] },
      { name: 'a wrong signature', path: '/payments/webhook', body: raw, headers: { [webhookSignatureHeader]: 't=1,v1=00' }, status: 400 },
      {
        name: 'an unknown event type',
        path: '/payments/webhook',
        body: { ...captured('o-1'), type: 'payment.teleported' },
        headers: { [webhookSignatureHeader]: 'x' },
        status: 400,
        fields: ['type'],
      },
    ];
    it.each(cases)('$name: $status', (refusal) => expectRefused(api, refusal));
  });
});

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commerce } from '@stayhub/domain';
import { MINUTE } from '@stayhub/event-sourcing';
import { SimulatedGateway, signWebhook, webhookSignatureHeader, type WebhookEvent } from '@stayhub/payments';
import { startStack, type Stack } from './harness.ts';
import { register } from './fixtures.ts';
import { addStock, checkout, createProduct, orderReaches, postWebhook, settle, streamEvents } from './commerce-fixtures.ts';

const gateway = new SimulatedGateway();
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ gateway, workflows: 'manual' });
});
afterAll(async () => {
  await stack?.stop();
});

const eur = (amount: number) => ({ amount, currency: 'EUR' });
const refundsOf = (orderId: string) => gateway.refunds().filter((r) => r.reference === orderId);
const available = async (sku: string) => commerce.availableOf((await stack.side.deps.processor.load(commerce.stockStreamId(sku), commerce.stockDecider)).state);
const typesOf = async (orderId: string) => (await streamEvents(stack, commerce.orderStreamId(orderId))).map((e) => e.type);

/** A seller's product with `stock` units, and a shopper who ordered one with `paymentMethod`. */
const orderOne = async (paymentMethod: string, stock = 3) => {
  const seller = await register(stack, 'host');
  const shopper = await register(stack, 'guest');
  const product = await createProduct(stack, seller, { price: eur(5000) });
  await addStock(stack, seller, product.productId, stock);
  const ordered = await checkout(stack, shopper, { items: [{ productId: product.productId, quantity: 1 }], paymentMethod });
  expect(ordered.status, JSON.stringify(ordered.body)).toBe(201);
  return { seller, shopper, product, orderId: ordered.body.orderId as string };
};

/** What the gateway posts when it captured a payment for the order (really captured, so it can be refunded). */
const capturedEvent = async (orderId: string): Promise<WebhookEvent> => {
  const charge = await gateway.charge({ idempotencyKey: `late:${orderId}`, amount: eur(5000), paymentMethod: 'tok_visa', reference: orderId });
  if (charge.status !== 'captured') throw new Error('the simulated gateway declined a tok_visa charge');
  return {
    eventId: `evt_${randomUUID()}`,
    type: 'payment.captured',
    paymentId: charge.paymentId,
    reference: orderId,
    amount: charge.amount,
    idempotencyKey: `late:${orderId}`,
    occurredAt: stack.clock.now().toISOString(),
  };
};

describe('checkout payment deadline, webhooks and refunds', () => {
  it('a gateway that never answers: past the deadline the order expires and its stock is released', async () => {
    const { shopper, product, orderId } = await orderOne('tok_unavailable');
    expect(await available(product.sku)).toBe(2);
    await settle(stack);
    expect((await stack.side.deps.processor.load(commerce.orderStreamId(orderId), commerce.orderDecider)).state.status).toBe('payment_pending');

    stack.clock.advance(14 * MINUTE);
    await settle(stack);
    expect(await available(product.sku)).toBe(2);

    stack.clock.advance(2 * MINUTE);
    await settle(stack);
    const expired = await orderReaches(stack, shopper, orderId, 'expired');
    expect(expired.body.timeline.at(-1)).toMatchObject({ type: 'OrderExpired', skusToRelease: [product.sku] });
    expect(await available(product.sku)).toBe(3);
    expect(gateway.charges().filter((c) => c.reference === orderId)).toEqual([]);
  });

  it('a payment that succeeds after expiry, reported twice, is refunded once', async () => {
    const { shopper, product, orderId } = await orderOne('tok_unavailable');
    stack.clock.advance(16 * MINUTE);
    await settle(stack);
    await orderReaches(stack, shopper, orderId, 'expired');

    const late = await capturedEvent(orderId);
    const first = await postWebhook(stack, late);
    const again = await postWebhook(stack, late);
    expect(first.body).toMatchObject({ received: true, applied: true });
    expect(again.body).toMatchObject({ received: true, applied: false });
    await settle(stack);

    const refunds = refundsOf(orderId);
    expect(refunds).toHaveLength(1);
    expect(refunds[0]).toMatchObject({ paymentId: late.paymentId, amount: eur(5000) });
    const refunded = await orderReaches(stack, shopper, orderId, 'refunded');
    expect(refunded.body.refunded).toEqual(eur(5000));
    expect((await typesOf(orderId)).filter((t) => t === 'OrderLatePaymentReceived' || t === 'OrderRefunded')).toEqual([
      'OrderLatePaymentReceived',
      'OrderRefunded',
    ]);

    // The gateway then reports its refund: already recorded, so nothing more happens.
    const refund = refunds[0]! as { refundId: string };
    const reported = await postWebhook(stack, { ...late, eventId: `evt_${randomUUID()}`, type: 'refund.succeeded', refundId: refund.refundId });
    expect(reported.body).toMatchObject({ received: true, applied: false });
    expect(await available(product.sku)).toBe(3);
  });

  it('a payment reported twice by webhook is kept once', async () => {
    const { shopper, orderId } = await orderOne('tok_unavailable');
    const paid = await capturedEvent(orderId);
    const replies = await Promise.all([postWebhook(stack, paid), postWebhook(stack, paid)]);
    expect(replies.map((r) => r.status)).toEqual([200, 200]);
    expect(replies.map((r) => r.body.applied).sort()).toEqual([false, true]);
    await settle(stack);
    await orderReaches(stack, shopper, orderId, 'confirmed');
    const types = await typesOf(orderId);
    expect(types.filter((t) => t === 'OrderPaid')).toHaveLength(1);
    expect(types).not.toContain('OrderLatePaymentReceived');
    expect(refundsOf(orderId)).toEqual([]);
  });

  it('refuses a webhook that is unsigned, signed with another secret, or too old', async () => {
    const { orderId } = await orderOne('tok_unavailable');
    const event = await capturedEvent(orderId);
    const body = JSON.stringify(event);
    const signatures = [
      undefined,
      signWebhook(body, 'some-other-secret-some-other-secret', stack.clock.now()),
      signWebhook(body, 'webhook-secret-webhook-secret-0123456789', new Date(stack.clock.now().getTime() - 10 * MINUTE)),
    ];
    for (const signature of signatures) {
      const reply = await stack.command.post('/payments/webhook', body, { headers: signature ? { [webhookSignatureHeader]: signature } : {} });
      expect(reply.status).toBe(400);
      expect(reply.headers.get('content-type')).toContain('application/problem+json');
    }
    expect(await typesOf(orderId)).not.toContain('OrderPaid');
  });

  it('cancelling a paid order refunds it and puts its stock back on the shelf', async () => {
    const { shopper, product, orderId } = await orderOne('tok_visa');
    await settle(stack);
    await orderReaches(stack, shopper, orderId, 'confirmed');
    expect((await stack.side.deps.processor.load(commerce.stockStreamId(product.sku), commerce.stockDecider)).state.onHand).toBe(2);

    const stranger = await register(stack, 'guest');
    const refused = await stack.command.post(`/orders/${orderId}/cancel`, {}, { token: stranger.token });
    expect(refused.status).toBe(404);
    const cancelled = await stack.command.post(`/orders/${orderId}/cancel`, { reason: 'changed my mind' }, { token: shopper.token });
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    await settle(stack);

    expect(refundsOf(orderId)).toEqual([expect.objectContaining({ amount: eur(5000) })]);
    const refunded = await orderReaches(stack, shopper, orderId, 'refunded');
    expect(refunded.body.timeline.map((e: { type: string }) => e.type).slice(-2)).toEqual(['OrderCancelled', 'OrderRefunded']);
    expect((await stack.side.deps.processor.load(commerce.stockStreamId(product.sku), commerce.stockDecider)).state.onHand).toBe(3);
    expect(await available(product.sku)).toBe(3);
  });

  it('cancelling an unpaid order releases its hold and refunds nothing', async () => {
    const { shopper, product, orderId } = await orderOne('tok_unavailable');
    expect(await available(product.sku)).toBe(2);
    const cancelled = await stack.command.post(`/orders/${orderId}/cancel`, {}, { token: shopper.token });
    expect(cancelled.body.status).toBe('cancelled');
    await settle(stack);
    expect(await available(product.sku)).toBe(3);
    expect(refundsOf(orderId)).toEqual([]);
    await orderReaches(stack, shopper, orderId, 'cancelled');
  });
});

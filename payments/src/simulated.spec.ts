import { describe, expect, it } from 'vitest';
import { chargeRequest, paymentGatewayContract } from './testing/contract.ts';
import { PaymentGatewayUnavailable } from './port.ts';
import { SimulatedGateway, type PaymentEffect } from './simulated.ts';

paymentGatewayContract('simulated, in process', () => new SimulatedGateway());

describe('simulated gateway', () => {
  it('succeeds for any tok_ token and declines anything else', async () => {
    const g = new SimulatedGateway();
    expect((await g.charge(chargeRequest({ paymentMethod: 'tok_amex_whatever' }))).status).toBe('captured');
    expect(await g.charge(chargeRequest({ paymentMethod: '4242424242424242' }))).toEqual({ status: 'declined', reason: 'invalid_payment_method' });
  });

  it('fails tok_flaky_N on the first N attempts of a key, then succeeds once for good', async () => {
    const g = new SimulatedGateway();
    const request = chargeRequest({ paymentMethod: 'tok_flaky_2' });
    await expect(g.charge(request)).rejects.toBeInstanceOf(PaymentGatewayUnavailable);
    await expect(g.charge(request)).rejects.toBeInstanceOf(PaymentGatewayUnavailable);
    expect(g.charges()).toHaveLength(0);
    const result = await g.charge(request);
    expect(result.status).toBe('captured');
    expect(await g.charge(request)).toEqual(result);
    expect(g.charges()).toHaveLength(1);
    // Each key counts its own attempts.
    await expect(g.charge({ ...request, idempotencyKey: 'another' })).rejects.toBeInstanceOf(PaymentGatewayUnavailable);
  });

  it('never charges tok_unavailable, however often it is retried', async () => {
    const g = new SimulatedGateway();
    const request = chargeRequest({ paymentMethod: 'tok_unavailable' });
    for (let i = 0; i < 5; i++) await expect(g.charge(request)).rejects.toBeInstanceOf(PaymentGatewayUnavailable);
    expect(g.charges()).toHaveLength(0);
  });

  it('records one effect per movement of money, never for a replay', async () => {
    let n = 0;
    const g = new SimulatedGateway({ newId: () => String(++n) });
    const seen: PaymentEffect[] = [];
    g.onEffect((e) => seen.push(e));
    const request = chargeRequest({ reference: 'booking-1', webhookUrl: 'http://hooks.test/x' });
    await g.charge(request);
    await g.charge(request);
    await g.refund({ idempotencyKey: 'r1', paymentId: 'pay_1', amount: { amount: 100, currency: 'EUR' }, reference: 'booking-1' });
    await g.refund({ idempotencyKey: 'r1', paymentId: 'pay_1', amount: { amount: 100, currency: 'EUR' }, reference: 'booking-1' });
    const facts = { reference: 'booking-1', webhookUrl: 'http://hooks.test/x' };
    expect(g.charges()).toEqual([
      { type: 'captured', paymentId: 'pay_1', amount: { amount: 12_000, currency: 'EUR' }, idempotencyKey: request.idempotencyKey, ...facts },
    ]);
    expect(g.refunds()).toEqual([
      { type: 'refunded', refundId: 're_2', paymentId: 'pay_1', amount: { amount: 100, currency: 'EUR' }, idempotencyKey: 'r1', ...facts },
    ]);
    expect(seen.map((e) => e.type)).toEqual(['captured', 'refunded']);
  });

  it('treats a key as the whole request: another reference or method under the same key is refused', async () => {
    const g = new SimulatedGateway();
    const request = chargeRequest();
    await g.charge(request);
    await expect(g.charge({ ...request, reference: 'other' })).rejects.toMatchObject({ code: 'idempotency_key_reused' });
    await expect(g.authorize(request)).rejects.toMatchObject({ code: 'idempotency_key_reused' });
    expect(g.charges()).toHaveLength(1);
  });

  it('refuses a zero or malformed amount and a refund of an uncaptured payment', async () => {
    const g = new SimulatedGateway();
    await expect(g.charge(chargeRequest({ amount: { amount: 0, currency: 'EUR' } }))).rejects.toMatchObject({ code: 'amount_invalid' });
    await expect(g.charge(chargeRequest({ amount: { amount: 1.5, currency: 'EUR' } }))).rejects.toMatchObject({ code: 'amount_invalid' });
    const auth = await g.authorize(chargeRequest());
    if (auth.status !== 'authorized') throw new Error('expected an authorization');
    await expect(g.refund({ idempotencyKey: 'k', paymentId: auth.paymentId, amount: { amount: 1, currency: 'EUR' }, reference: 'r' })).rejects.toMatchObject({
      code: 'payment_state',
    });
  });

  it('declines every new charge while declineAll is on, but replays what it already answered', async () => {
    const g = new SimulatedGateway();
    const earlier = chargeRequest();
    const captured = await g.charge(earlier);
    g.declineAll = true;
    expect(await g.charge(chargeRequest())).toEqual({ status: 'declined', reason: 'card_declined' });
    expect(await g.charge(earlier)).toEqual(captured);
  });
});

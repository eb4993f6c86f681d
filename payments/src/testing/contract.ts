import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PaymentGatewayError, PaymentGatewayUnavailable, type ChargeRequest, type PaymentGateway } from '../port.ts';

const eur = (amount: number) => ({ amount, currency: 'EUR' });
const key = () => `key-${randomUUID()}`;
export const chargeRequest = (overrides: Partial<ChargeRequest> = {}): ChargeRequest => ({
  idempotencyKey: key(),
  amount: eur(12_000),
  paymentMethod: 'tok_visa',
  reference: `booking-${randomUUID()}`,
  ...overrides,
});

/**
 * The behaviour every payment gateway adapter must have, driven by the simulated card tokens.
 * `gateway` is called once per test and must return a gateway whose breaker (if any) is closed.
 */
export const paymentGatewayContract = (name: string, gateway: () => PaymentGateway): void => {
  describe(`payment gateway contract: ${name}`, () => {
    it('charges a good card and returns the same result for the same key, moving money once', async () => {
      const g = gateway();
      const request = chargeRequest({ paymentMethod: 'tok_mastercard' });
      const first = await g.charge(request);
      expect(first).toEqual({ status: 'captured', paymentId: expect.any(String), amount: eur(12_000) });
      expect(await g.charge({ ...request })).toEqual(first);
      const other = await g.charge({ ...request, idempotencyKey: key() });
      expect(other.status === 'captured' && first.status === 'captured' && other.paymentId !== first.paymentId).toBe(true);
    });

    it('finds the answer of an earlier charge by its key without charging again; nothing for an unknown key', async () => {
      const g = gateway();
      const request = chargeRequest();
      expect(await g.findCharge(request.idempotencyKey)).toBeUndefined();
      const first = await g.charge(request);
      expect(await g.findCharge(request.idempotencyKey)).toEqual(first);
      const declined = chargeRequest({ paymentMethod: 'tok_declined' });
      await g.charge(declined);
      expect(await g.findCharge(declined.idempotencyKey)).toEqual({ status: 'declined', reason: 'card_declined' });
      const authorized = chargeRequest();
      await g.authorize(authorized);
      expect(await g.findCharge(authorized.idempotencyKey)).toBeUndefined();
    });

    it('declines by token, and a decline is an answer, replayed for the same key', async () => {
      const g = gateway();
      expect(await g.charge(chargeRequest({ paymentMethod: 'tok_declined' }))).toEqual({ status: 'declined', reason: 'card_declined' });
      const poor = chargeRequest({ paymentMethod: 'tok_insufficient_funds' });
      expect(await g.authorize(poor)).toEqual({ status: 'declined', reason: 'insufficient_funds' });
      expect(await g.authorize(poor)).toEqual({ status: 'declined', reason: 'insufficient_funds' });
    });

    it('refuses a key reused for a different amount', async () => {
      const g = gateway();
      const request = chargeRequest();
      await g.charge(request);
      await expect(g.charge({ ...request, amount: eur(1) })).rejects.toMatchObject({ name: 'PaymentGatewayError', code: 'idempotency_key_reused' });
    });

    it('authorizes, then captures at most the authorized amount, once', async () => {
      const g = gateway();
      const authorized = await g.authorize(chargeRequest({ amount: eur(5_000) }));
      if (authorized.status !== 'authorized') throw new Error('expected an authorization');
      const { paymentId } = authorized;
      await expect(g.capture({ idempotencyKey: key(), paymentId, amount: eur(5_001) })).rejects.toMatchObject({ code: 'amount_exceeds_authorized' });
      const capture = { idempotencyKey: key(), paymentId, amount: eur(4_000) };
      expect(await g.capture(capture)).toEqual({ status: 'captured', paymentId, amount: eur(4_000) });
      expect(await g.capture(capture)).toEqual({ status: 'captured', paymentId, amount: eur(4_000) });
      await expect(g.capture({ ...capture, idempotencyKey: key() })).rejects.toMatchObject({ code: 'payment_state' });
      await expect(g.capture({ idempotencyKey: key(), paymentId: 'pay_nope', amount: eur(1) })).rejects.toBeInstanceOf(PaymentGatewayError);
    });

    it('refunds in parts, never more than was captured', async () => {
      const g = gateway();
      const charged = await g.charge(chargeRequest({ amount: eur(10_000) }));
      if (charged.status !== 'captured') throw new Error('expected a capture');
      const refund = (amount: number, idempotencyKey = key()) =>
        g.refund({ idempotencyKey, paymentId: charged.paymentId, amount: eur(amount), reference: 'r' });
      const first = await refund(6_000, `refund-once-${charged.paymentId}`);
      expect(first).toEqual({ status: 'refunded', refundId: expect.any(String), amount: eur(6_000) });
      expect(await refund(6_000, `refund-once-${charged.paymentId}`)).toEqual(first);
      await expect(refund(4_001)).rejects.toMatchObject({ code: 'refund_exceeds_captured' });
      await expect(
        g.refund({ idempotencyKey: key(), paymentId: charged.paymentId, amount: { amount: 1, currency: 'USD' }, reference: 'r' }),
      ).rejects.toMatchObject({
        code: 'currency_mismatch',
      });
      expect((await refund(4_000)).amount).toEqual(eur(4_000));
      await expect(refund(1)).rejects.toMatchObject({ code: 'refund_exceeds_captured' });
    });

    it('pays out once per key; a key reused for another amount or a bad amount is refused', async () => {
      const g = gateway();
      const request = { idempotencyKey: key(), amount: eur(8_500), destination: 'host-1', reference: `payout-${randomUUID()}` };
      const first = await g.payout(request);
      expect(first).toEqual({ status: 'paid', payoutId: expect.any(String), amount: eur(8_500) });
      expect(await g.payout({ ...request })).toEqual(first);
      const other = await g.payout({ ...request, idempotencyKey: key() });
      expect(other.payoutId).not.toBe(first.payoutId);
      await expect(g.payout({ ...request, amount: eur(1) })).rejects.toMatchObject({ code: 'idempotency_key_reused' });
      await expect(g.payout({ ...request, idempotencyKey: key(), amount: eur(0) })).rejects.toMatchObject({ code: 'amount_invalid' });
    });

    it('reports an unavailable gateway as PaymentGatewayUnavailable', async () => {
      await expect(gateway().charge(chargeRequest({ paymentMethod: 'tok_unavailable' }))).rejects.toBeInstanceOf(PaymentGatewayUnavailable);
    });
  });
};

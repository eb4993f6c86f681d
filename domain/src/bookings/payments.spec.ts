import { describe, expect, it } from 'vitest';
import { allocateRefund, legacyRefundPlan, type BookingPayment } from './payments.ts';
import { eur } from './fixtures.ts';

const payment = (paymentId: string, amount: number, credited = 0, refunded = 0): BookingPayment => ({ paymentId, amount, credited, refunded });
const part = (paymentId: string, amount: number) => ({ paymentId, amount: eur(amount) });

describe('allocateRefund(payments, amount)', () => {
  it.each([
    { name: 'within the newest payment', payments: [payment('p1', 20_000), payment('p2', 10_000)], amount: 5_000, parts: [part('p2', 5_000)] },
    {
      name: 'empties the newest, then takes from the older',
      payments: [payment('p1', 20_000), payment('p2', 10_000)],
      amount: 25_000,
      parts: [part('p2', 10_000), part('p1', 15_000)],
    },
    {
      name: 'skips what was already decided to go back',
      payments: [payment('p1', 20_000), payment('p2', 10_000, 10_000)],
      amount: 5_000,
      parts: [part('p1', 5_000)],
    },
    { name: 'nothing to refund, no parts', payments: [payment('p1', 20_000)], amount: 0, parts: [] },
    { name: 'never more than the payments hold', payments: [payment('p1', 2_000)], amount: 5_000, parts: [part('p1', 2_000)] },
  ])('$name', ({ payments, amount, parts }) => {
    expect(allocateRefund(payments, eur(amount))).toEqual(parts);
  });
});

describe('legacyRefundPlan(payments, amount, taskId)', () => {
  it('takes what is owed back, newest first; the newest keeps the task key', () => {
    const payments = [payment('p1', 20_000, 15_000), payment('p2', 10_000, 10_000)];
    expect(legacyRefundPlan(payments, eur(25_000), 'refund:b1:cancelled')).toEqual([
      { ...part('p2', 10_000), idempotencyKey: 'refund:b1:cancelled' },
      { ...part('p1', 15_000), idempotencyKey: 'refund:b1:cancelled:p1' },
    ]);
  });

  it('after a part succeeded, a retry asks only for the rest, with the same key and amount', () => {
    const payments = [payment('p1', 20_000, 15_000), payment('p2', 10_000, 10_000, 10_000)];
    expect(legacyRefundPlan(payments, eur(25_000), 'refund:b1:cancelled')).toEqual([{ ...part('p1', 15_000), idempotencyKey: 'refund:b1:cancelled:p1' }]);
  });
});

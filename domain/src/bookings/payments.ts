import { z } from 'zod';
import { Money } from '../shared/money.ts';

/** A share of a refund taken out of one payment. */
export const RefundPart = z.object({ paymentId: z.string().min(1), amount: Money });
export type RefundPart = z.infer<typeof RefundPart>;

/**
 * One capture kept by the booking, with what was decided to go back out of it (`credited`) and what
 * the gateway actually gave back (`refunded`). Orphaned payments are not here: they go back whole.
 */
export type BookingPayment = { paymentId: string; amount: number; credited: number; refunded: number };

/**
 * Spreads `amount` over the payments, newest first, each up to what was not already decided to go
 * back out of it. A gateway refunds one payment at most what it captured, so a refund larger than the
 * last payment must take the rest from the older ones. Whatever cannot be placed (nothing left) is dropped.
 */
export const allocateRefund = (payments: readonly BookingPayment[], amount: Money): RefundPart[] => {
  const parts: RefundPart[] = [];
  let left = amount.amount;
  for (const payment of [...payments].reverse()) {
    if (left <= 0) break;
    const take = Math.min(left, payment.amount - payment.credited);
    if (take <= 0) continue;
    parts.push({ paymentId: payment.paymentId, amount: { amount: take, currency: amount.currency } });
    left -= take;
  }
  return parts;
};

/** The ledger after the parts were decided to go back. */
export const credit = (payments: readonly BookingPayment[], parts: readonly RefundPart[]): BookingPayment[] =>
  payments.map((p) => ({ ...p, credited: p.credited + parts.filter((part) => part.paymentId === p.paymentId).reduce((s, part) => s + part.amount.amount, 0) }));

/**
 * A refund task of an event written before refunds named their payments carries only an amount.
 * It takes, newest payment first, what was decided to go back out of each and is not refunded yet
 * (evolve placed those events' refunds by the same rule), so a retry after some parts succeeded
 * asks only for the rest, with the same key and amount for a part whose answer was lost. The newest
 * payment keeps the task's own key, the one such a task used before.
 */
export const legacyRefundPlan = (payments: readonly BookingPayment[], amount: Money, taskId: string): (RefundPart & { idempotencyKey: string })[] => {
  const parts: (RefundPart & { idempotencyKey: string })[] = [];
  let left = amount.amount;
  const newest = payments.at(-1)?.paymentId;
  for (const payment of [...payments].reverse()) {
    if (left <= 0) break;
    const take = Math.min(left, payment.credited - payment.refunded);
    if (take <= 0) continue;
    const idempotencyKey = payment.paymentId === newest ? taskId : `${taskId}:${payment.paymentId}`;
    parts.push({ paymentId: payment.paymentId, amount: { amount: take, currency: amount.currency }, idempotencyKey });
    left -= take;
  }
  return parts;
};

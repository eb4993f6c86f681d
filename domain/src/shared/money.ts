import { z } from 'zod';
import { fail } from './errors.ts';

/**
 * The largest amount of minor units anything may hold: a price, a line, a total. Every sum and
 * product is checked against it, so a decided total always parses back as `Money`.
 */
export const MAX_AMOUNT = Number.MAX_SAFE_INTEGER;

/** Integer minor units plus an ISO 4217 code: 1999 EUR is €19.99. */
export const Money = z.object({
  amount: z.number().int().min(0).max(MAX_AMOUNT),
  currency: z.string().regex(/^[A-Z]{3}$/),
});
export type Money = z.infer<typeof Money>;

export const money = (amount: number, currency: string): Money => ({ amount, currency });

export const zero = (currency: string): Money => money(0, currency);

const bounded = (amount: number, currency: string): Money => {
  if (!Number.isSafeInteger(amount) || amount < 0 || amount > MAX_AMOUNT) {
    fail('AMOUNT_INVALID', `The amount would exceed ${MAX_AMOUNT} minor units`, { currency });
  }
  return money(amount, currency);
};

export const add = (a: Money, b: Money): Money => {
  if (a.currency !== b.currency) fail('CURRENCY_MISMATCH', `Cannot add ${a.currency} to ${b.currency}`);
  return bounded(a.amount + b.amount, a.currency);
};

export const times = (m: Money, factor: number): Money => {
  if (!Number.isInteger(factor) || factor < 0) fail('AMOUNT_INVALID', `Factor must be a whole number, got ${factor}`);
  return bounded(m.amount * factor, m.currency);
};

/** A share of an amount in basis points (10000 = 100%), rounded down to the minor unit; exact for any safe amount. */
export const share = (m: Money, basisPoints: number): Money => {
  if (!Number.isInteger(basisPoints) || basisPoints < 0 || basisPoints > 10_000) fail('AMOUNT_INVALID', `A share is 0..10000 basis points, got ${basisPoints}`);
  return money(Number((BigInt(m.amount) * BigInt(basisPoints)) / 10_000n), m.currency);
};

export const sum = (items: readonly Money[], currency: string): Money => items.reduce(add, zero(currency));

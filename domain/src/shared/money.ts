import { z } from 'zod';
import { fail } from './errors.ts';

/** Integer minor units plus an ISO 4217 code: 1999 EUR is €19.99. */
export const Money = z.object({
  amount: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  currency: z.string().regex(/^[A-Z]{3}$/),
});
export type Money = z.infer<typeof Money>;

export const money = (amount: number, currency: string): Money => ({ amount, currency });

export const zero = (currency: string): Money => money(0, currency);

export const add = (a: Money, b: Money): Money => {
  if (a.currency !== b.currency) fail('CURRENCY_MISMATCH', `Cannot add ${a.currency} to ${b.currency}`);
  return money(a.amount + b.amount, a.currency);
};

export const times = (m: Money, factor: number): Money => {
  if (!Number.isInteger(factor) || factor < 0) fail('AMOUNT_INVALID', `Factor must be a whole number, got ${factor}`);
  const amount = m.amount * factor;
  if (!Number.isSafeInteger(amount)) fail('AMOUNT_INVALID', 'Amount overflows');
  return money(amount, m.currency);
};

/** A share of an amount in basis points (10000 = 100%), rounded down to the minor unit. */
export const share = (m: Money, basisPoints: number): Money =>
  money(Math.floor((m.amount * basisPoints) / 10_000), m.currency);

export const sum = (items: readonly Money[], currency: string): Money => items.reduce(add, zero(currency));

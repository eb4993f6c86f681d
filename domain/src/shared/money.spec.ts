import { describe, expect, it } from 'vitest';
import { DomainError } from './errors.ts';
import { add, MAX_AMOUNT, Money, money, share, sum, times } from './money.ts';

const eur = (amount: number) => money(amount, 'EUR');
const refusal = (work: () => unknown) => {
  try {
    work();
  } catch (error) {
    return error instanceof DomainError ? error.code : error;
  }
  return 'no error';
};

describe('money arithmetic stays in the range every amount parses in', () => {
  it.each([
    ['add at the bound', () => add(eur(MAX_AMOUNT - 1), eur(1)), eur(MAX_AMOUNT)],
    ['times at the bound', () => times(eur(MAX_AMOUNT), 1), eur(MAX_AMOUNT)],
    ['sum of many small amounts', () => sum([eur(1), eur(2), eur(3)], 'EUR'), eur(6)],
    ['a half share of the largest amount, exactly', () => share(eur(MAX_AMOUNT), 5_000), eur(Math.floor(MAX_AMOUNT / 2))],
    ['a full share', () => share(eur(12_345), 10_000), eur(12_345)],
  ])('%s', (_name, work, expected) => {
    const result = work();
    expect(result).toEqual(expected);
    expect(Money.safeParse(result).success).toBe(true);
  });

  it.each([
    ['add past the bound', () => add(eur(MAX_AMOUNT), eur(MAX_AMOUNT))],
    ['add one past the bound', () => add(eur(MAX_AMOUNT), eur(1))],
    ['sum past the bound', () => sum([eur(MAX_AMOUNT), eur(1)], 'EUR')],
    ['times past the bound', () => times(eur(MAX_AMOUNT), 2)],
    ['a share above 100%', () => share(eur(10), 10_001)],
  ])('refuses %s with AMOUNT_INVALID', (_name, work) => {
    expect(refusal(work)).toBe('AMOUNT_INVALID');
  });

  it('refuses to add different currencies', () => {
    expect(refusal(() => add(eur(1), money(1, 'USD')))).toBe('CURRENCY_MISMATCH');
  });
});

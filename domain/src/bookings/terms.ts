import { fail } from '../shared/errors.ts';
import { add, times, zero, type Money } from '../shared/money.ts';
import type { ListingKind } from '../listings/details.ts';
import { stayKeys, validStay, type Stay } from './stay.ts';

export type TermsInput = {
  kind: ListingKind;
  stay: Stay;
  guests: number;
  units: number;
  capacity: number;
  price: Money;
  /** Per-date prices of some nights of the stay; every other night costs `price`. */
  nightPrices?: Record<string, Money> | undefined;
  now: string;
};
export type Terms = { stay: Stay; guests: number; units: number; total: Money };

/** One unit's price of a stay: each night at its per-date price, else the base price; a slot at the base price. */
const stayPrice = (stay: Stay, price: Money, nightPrices: Record<string, Money> = {}): Money => {
  if (stay.kind === 'slot') return price;
  return stayKeys(stay).reduce((sum, night) => {
    const nightly = nightPrices[night] ?? price;
    if (nightly.currency !== price.currency) fail('CURRENCY_MISMATCH', `The price of ${night} is not in ${price.currency}`, { night, price: nightly.currency });
    return add(sum, nightly);
  }, zero(price.currency));
};

/** The rules a request and a modification share: stay, party size, and the price they come to. */
export const termsOf = ({ kind, stay, guests, units, capacity, price, nightPrices, now }: TermsInput): Terms => {
  const wanted = kind === 'restaurant' ? 'slot' : 'nights';
  if (stay.kind !== wanted) fail('STAY_INVALID', `A ${kind} is booked by ${wanted}`, { kind, stay: stay.kind });
  const valid = validStay(stay, now);
  if (!Number.isInteger(guests) || guests < 1) fail('PARTY_INVALID', 'At least one guest', { guests });
  if (!Number.isInteger(units) || units < 1) fail('PARTY_TOO_LARGE', 'At least one unit', { units });
  if (guests > units * capacity) fail('PARTY_TOO_LARGE', `${units} unit(s) seat at most ${units * capacity}`, { guests, units, capacity });
  return { stay: valid, guests, units, total: times(stayPrice(valid, price, nightPrices), units) };
};

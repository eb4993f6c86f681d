import { fail } from '../shared/errors.ts';
import { times, type Money } from '../shared/money.ts';
import type { ListingKind } from './events.ts';
import { stayLength, validStay, type Stay } from './stay.ts';

export type TermsInput = {
  kind: ListingKind;
  stay: Stay;
  guests: number;
  units: number;
  capacity: number;
  price: Money;
  now: string;
};
export type Terms = { stay: Stay; guests: number; units: number; total: Money };

/** The rules a request and a modification share: stay, party size, and the price they come to. */
export const termsOf = ({ kind, stay, guests, units, capacity, price, now }: TermsInput): Terms => {
  const wanted = kind === 'restaurant' ? 'slot' : 'nights';
  if (stay.kind !== wanted) fail('STAY_INVALID', `A ${kind} is booked by ${wanted}`, { kind, stay: stay.kind });
  const valid = validStay(stay, now);
  if (!Number.isInteger(guests) || guests < 1) fail('PARTY_INVALID', 'At least one guest', { guests });
  if (!Number.isInteger(units) || units < 1) fail('PARTY_TOO_LARGE', 'At least one unit', { units });
  if (guests > units * capacity) fail('PARTY_TOO_LARGE', `${units} unit(s) seat at most ${units * capacity}`, { guests, units, capacity });
  return { stay: valid, guests, units, total: times(times(price, stayLength(valid)), units) };
};

import { z } from 'zod';
import { ensure, fail } from '../shared/errors.ts';
import { Money } from '../shared/money.ts';
import { daysBetween, dateOf, isIsoDate, nightsOf } from '../shared/time.ts';
import { Id, Instant, IsoDate } from '../shared/primitives.ts';
import type { UnitType } from './details.ts';

/** How many nights one price change may cover: a year, so that a change stays a small event. */
export const MAX_PRICED_NIGHTS = 366;
/** How far ahead a night may be priced (as far ahead as a stay may start). */
const MAX_PRICED_DAYS_AHEAD = 5 * 366;

/**
 * The nights `from` (inclusive) to `to` (exclusive) of one unit type cost `price` each; `null`
 * gives them back the unit type's base price.
 */
export const SetNightlyPrices = z.object({
  type: z.literal('SetNightlyPrices'),
  data: z.object({ listingId: Id, actorId: Id, now: Instant, unitTypeId: Id, from: IsoDate, to: IsoDate, price: Money.nullable() }),
});
export type SetNightlyPrices = z.infer<typeof SetNightlyPrices>;

export const NightlyPricesSetData = z.object({ listingId: Id, unitTypeId: Id, from: IsoDate, to: IsoDate, price: Money.nullable(), at: Instant });
export type NightlyPricesSetData = z.infer<typeof NightlyPricesSetData>;

/** Per unit type, the nights (ISO dates) whose price differs from the base price. */
export type NightlyPrices = Record<string, Record<string, Money>>;

type Priced = { listingId: string; currency?: string | undefined; prices?: NightlyPrices | undefined };

/** The rules of a price change of a unit type the host owns; `[]` when every night already has that price. */
export const decideNightlyPrices = (listing: Priced & { kind: string }, unitType: UnitType, c: SetNightlyPrices['data']): NightlyPricesSetData[] => {
  if (listing.kind === 'restaurant') fail('PRICES_INVALID', 'A restaurant table has a deposit per booking, not a price per night', { field: 'kind' });
  if (!isIsoDate(c.from) || !isIsoDate(c.to)) fail('PRICES_INVALID', 'from and to must be ISO dates', { field: 'from' });
  const nights = daysBetween(c.from, c.to);
  ensure(nights >= 1, 'PRICES_INVALID', 'to must be after from', { field: 'to' });
  ensure(nights <= MAX_PRICED_NIGHTS, 'PRICES_INVALID', `One change prices at most ${MAX_PRICED_NIGHTS} nights`, { field: 'to', nights });
  const today = dateOf(c.now);
  ensure(c.from >= today, 'PRICES_INVALID', 'A night in the past cannot be priced', { field: 'from', today });
  ensure(daysBetween(today, c.to) <= MAX_PRICED_DAYS_AHEAD, 'PRICES_INVALID', `Nights are priced at most ${MAX_PRICED_DAYS_AHEAD} days ahead`, { field: 'to' });
  if (c.price) {
    ensure(Number.isSafeInteger(c.price.amount) && c.price.amount > 0, 'PRICES_INVALID', 'A price is more than 0 minor units', { field: 'price' });
    const currency = listing.currency ?? unitType.price.currency;
    if (c.price.currency !== currency) fail('CURRENCY_MISMATCH', `Prices of this listing are in ${currency}`, { price: c.price.currency, listing: currency });
  }
  const current = listing.prices?.[unitType.unitTypeId] ?? {};
  const unchanged = nightsOf(c.from, c.to).every((night) =>
    c.price ? current[night]?.amount === c.price.amount && current[night]?.currency === c.price.currency : current[night] === undefined,
  );
  if (unchanged) return [];
  return [{ listingId: listing.listingId, unitTypeId: unitType.unitTypeId, from: c.from, to: c.to, price: c.price, at: c.now }];
};

/** Applies a recorded price change; never throws, and ignores a range no decision could have made. */
export const evolveNightlyPrices = (prices: NightlyPrices | undefined, e: NightlyPricesSetData): NightlyPrices => {
  if (!(daysBetween(e.from, e.to) <= MAX_PRICED_NIGHTS)) return prices ?? {};
  const nights = { ...(prices?.[e.unitTypeId] ?? {}) };
  for (const night of nightsOf(e.from, e.to)) {
    if (e.price) nights[night] = e.price;
    else delete nights[night];
  }
  return { ...prices, [e.unitTypeId]: nights };
};

/**
 * The per-date prices of the nights `checkIn`..`checkOut` of a unit type (a night not in it costs
 * the base price). Walks what the host priced, not the stay, so an absurd stay costs nothing to price.
 */
export const stayPrices = (listing: Priced, unitTypeId: string, checkIn: string, checkOut: string): Record<string, Money> =>
  Object.fromEntries(Object.entries(listing.prices?.[unitTypeId] ?? {}).filter(([night]) => night >= checkIn && night < checkOut));

import { describe, expect, it } from 'vitest';
import * as bookings from '../bookings/index.ts';
import * as calendar from '../calendar/index.ts';
import * as chat from '../chat/index.ts';
import * as commerce from '../commerce/index.ts';
import * as identity from '../identity/index.ts';
import * as listings from '../listings/index.ts';
import type { Decider } from './decider.ts';

/** Every decider of the domain: a stream written by a newer version must stay readable by this one. */
const deciders: Record<string, Decider<unknown, unknown, unknown>> = {
  booking: bookings.bookingDecider,
  calendar: calendar.calendarDecider,
  conversation: chat.conversationDecider,
  cart: commerce.cartDecider,
  order: commerce.orderDecider,
  product: commerce.productDecider,
  skuClaim: commerce.skuClaimDecider,
  stock: commerce.stockDecider,
  wishlist: commerce.wishlistDecider,
  email: identity.emailDecider,
  user: identity.userDecider,
  listing: listings.listingDecider,
} as Record<string, Decider<unknown, unknown, unknown>>;

describe('evolve is total', () => {
  it.each(Object.entries(deciders))('%s: an event type it does not know leaves the state as it is', (_name, decider) => {
    const fromTheFuture = { type: 'SomethingANewerVersionWrites', data: { anything: 1 } };
    expect(decider.evolve(decider.initialState, fromTheFuture)).toBe(decider.initialState);
  });
});

import { describe, expect, it } from 'vitest';
import type { BookingEventOf } from './events.ts';
import { approved, eur, nights, requested } from './fixtures.ts';
import { wantedHold } from './holds.ts';
import type { Stay } from './stay.ts';

const longer: Stay = { kind: 'nights', checkIn: '2026-04-10', checkOut: '2026-04-14' };
const modified = (holdId: string, units = 1): BookingEventOf<'BookingModified'> => ({
  type: 'BookingModified',
  data: {
    bookingId: 'b1',
    unitTypeId: 'ut-1',
    previous: { stay: nights, guests: 2, units: 1, total: eur(30_000), holdId: 'hold-1' },
    stay: longer,
    guests: 2,
    units,
    total: eur(40_000),
    holdId,
    priceDifference: eur(10_000),
    refundDue: eur(0),
    refunds: [],
    captureDue: eur(0),
    confirmed: false,
    at: '2026-03-02T10:00:00.000Z',
  },
});

describe('the hold a booking decision asks for', () => {
  it.each([
    { name: 'a new booking holds its stay', events: [requested({ units: 2 })], hold: { holdId: 'hold-1', stay: nights, units: 2 } },
    {
      name: 'a modification onto a new hold replaces the old',
      events: [modified('hold-2')],
      hold: { holdId: 'hold-2', stay: longer, units: 1, replacing: 'hold-1' },
    },
    { name: 'a modification that keeps its hold asks for none', events: [modified('hold-1')], hold: undefined },
    { name: 'a decision that holds nothing', events: [approved], hold: undefined },
    { name: 'no decision', events: [], hold: undefined },
  ])('$name', ({ events, hold }) => expect(wantedHold(events)).toEqual(hold));
});

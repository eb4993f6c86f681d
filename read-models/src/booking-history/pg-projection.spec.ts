import { expect } from 'vitest';
import { approved, confirmed, hold, paid, requested } from '@stayhub/domain/testing/bookings';
import { describeProjection, recorded } from '../testing/projection-spec.ts';
import { bookingHistoryProjection } from './pg-projection.ts';

const booking = (id: string) => `booking-${id}`;
const cancelled = {
  type: 'BookingCancelled',
  data: { bookingId: 'b1', by: 'guest-1', refund: { amount: 15_000, currency: 'EUR' }, ...hold, at: '2026-03-03T10:00:00.000Z' },
};
const docOf = (rows: Record<string, unknown[]>, table: string) => (rows[table]![0] as { doc: Record<string, unknown> }).doc;

describeProjection('booking history projection', {
  projection: bookingHistoryProjection,
  tables: (target) => [target],
  guardedByRevision: true,
  cases: [
    {
      name: 'a request waits for approval, over the stay from check-in to check-out time',
      when: recorded(booking('b1'), [requested()]),
      then: (rows, [table]) => {
        expect(rows[table!]).toHaveLength(1);
        expect(docOf(rows, table!)).toMatchObject({ status: 'awaiting_approval', start: '2026-04-10T15:00:00.000Z', end: '2026-04-13T11:00:00.000Z' });
      },
    },
    {
      name: 'approved, paid and confirmed, the booking is confirmed and paid in full',
      given: recorded(booking('b1'), [requested(), approved]),
      when: recorded(booking('b1'), [paid(), confirmed()], 2),
      then: (rows, [table]) => {
        expect(docOf(rows, table!)).toMatchObject({ status: 'confirmed', paid: { amount: 30_000, currency: 'EUR' } });
        expect((docOf(rows, table!).timeline as unknown[]).length).toBe(4);
      },
    },
    {
      name: 'a cancelled booking says so',
      given: recorded(booking('b1'), [requested({ instantBook: true }), paid()]),
      when: recorded(booking('b1'), [cancelled], 2),
      then: (rows, [table]) => expect(docOf(rows, table!)).toMatchObject({ status: 'cancelled' }),
    },
    {
      name: 'bookings of two guests are two rows',
      given: recorded(booking('b1'), [requested()]),
      when: recorded(booking('b2'), [requested({ bookingId: 'b2', guestId: 'guest-2' })]),
      then: (rows, [table]) => expect(rows[table!]).toHaveLength(2),
    },
  ],
});

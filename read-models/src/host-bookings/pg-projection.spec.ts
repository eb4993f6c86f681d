import { expect } from 'vitest';
import { approved, completedBooking, confirmed, paid, requested } from '@stayhub/domain/testing/bookings';
import { describeProjection, recorded, type Rows } from '../testing/projection-spec.ts';
import { hostBookingsProjection, hostBookingTables } from './pg-projection.ts';

const eur = (amount: number) => ({ amount, currency: 'EUR' });
const booking = (id: string) => `booking-${id}`;
const ledger = 'payouts-host-1';
const registered = (userId: string, name: string) => ({
  type: 'UserRegistered',
  data: { userId, email: `${userId}@example.com`, name, role: 'guest', at: '2026-02-01T10:00:00.000Z' },
});
const renamed = (userId: string, name: string) => ({ type: 'UserProfileChanged', data: { userId, changes: { name }, at: '2026-02-02T10:00:00.000Z' } });
const listingCreated = {
  type: 'ListingCreated',
  data: {
    listingId: 'listing-1',
    hostId: 'host-1',
    kind: 'rental',
    details: { title: 'Flat by the canal', unitTypes: [{ unitTypeId: 'ut-1', name: 'Whole flat', count: 1, capacity: 4, price: eur(10_000) }] },
    at: '2026-02-01T10:00:00.000Z',
  },
};
const listingRenamed = { type: 'ListingUpdated', data: { listingId: 'listing-1', changes: { title: 'Canal loft' }, at: '2026-02-03T10:00:00.000Z' } };
const accrued = {
  type: 'HostEarningAccrued',
  data: {
    hostId: 'host-1',
    bookingId: 'b1',
    listingId: 'listing-1',
    month: '2026-04',
    gross: eur(30_000),
    fee: eur(3_000),
    net: eur(27_000),
    feeBasisPoints: 1000,
    bookingRevision: 4,
    availableAt: '2026-04-14T11:00:00.000Z',
    at: '2026-04-13T11:00:00.000Z',
  },
};
const adjusted = {
  type: 'HostEarningAdjusted',
  data: {
    hostId: 'host-1',
    bookingId: 'b1',
    adjustmentId: 'b1@6',
    gross: eur(-5_000),
    fee: eur(-500),
    net: eur(-4_500),
    bookingRevision: 6,
    at: '2026-04-20T00:00:00.000Z',
  },
};
const started = {
  type: 'HostPayoutStarted',
  data: { hostId: 'host-1', payoutId: 'po-1', amount: eur(27_000), earnings: ['b1'], adjustments: [], at: '2026-04-15T00:00:00.000Z' },
};
const sent = {
  type: 'HostPayoutSent',
  data: { hostId: 'host-1', payoutId: 'po-1', gatewayPayoutId: 'gw-1', amount: eur(27_000), at: '2026-04-15T00:00:01.000Z' },
};
const issue = {
  type: 'BookingPaymentIssueRaised',
  data: { bookingId: 'b1', taskId: 'capture:b1', operation: 'capture', error: 'card declined', at: '2026-03-01T11:00:00.000Z' },
};

const names = [...recorded('user-guest-1', [registered('guest-1', 'Ana Lima')]), ...recorded('listing-listing-1', [listingCreated])];
type Row = { booking_id: string; status: string; payout_status: string | null; paid_at: string | null; doc: Record<string, any> };
const rowsOf = (rows: Rows, [table]: readonly string[]) => rows[table!] as Row[];

describeProjection('host bookings projection', {
  projection: hostBookingsProjection,
  tables: (target) => Object.values(hostBookingTables(target)),
  guardedByRevision: true,
  cases: [
    {
      name: "a request is a row with the stay and its total; the guest's first name and the listing's names are kept beside it",
      given: names,
      when: recorded(booking('b1'), [requested()]),
      then: (rows, tables) => {
        expect(rowsOf(rows, tables)).toHaveLength(1);
        expect(rowsOf(rows, tables)[0]).toMatchObject({
          status: 'awaiting_approval',
          payout_status: null,
          doc: { total: eur(30_000), stay: { checkIn: '2026-04-10', checkOut: '2026-04-13' } },
        });
        expect(rows[tables[1]!]).toEqual([{ user_id: 'guest-1', doc: { userId: 'guest-1', firstName: 'Ana', revision: 0 } }]);
        expect(rows[tables[2]!]).toEqual([
          { listing_id: 'listing-1', doc: { listingId: 'listing-1', title: 'Flat by the canal', unitTypes: { 'ut-1': 'Whole flat' }, revision: 0 } },
        ]);
      },
    },
    {
      name: 'names follow a rename of the guest and of the listing',
      given: names,
      when: [...recorded('user-guest-1', [renamed('guest-1', 'Anabela Lima')], 1), ...recorded('listing-listing-1', [listingRenamed], 1)],
      then: (rows, tables) => {
        expect((rows[tables[1]!]![0] as Row).doc.firstName).toBe('Anabela');
        expect((rows[tables[2]!]![0] as Row).doc).toMatchObject({ title: 'Canal loft', unitTypes: { 'ut-1': 'Whole flat' } });
      },
    },
    {
      name: 'paid and confirmed, the row has the money paid; a parked capture shows as the payment issue',
      given: recorded(booking('b1'), [requested(), approved]),
      when: recorded(booking('b1'), [paid(), confirmed(), issue], 2),
      then: (rows, tables) =>
        expect(rowsOf(rows, tables)[0]!.doc).toMatchObject({
          status: 'confirmed',
          paid: eur(30_000),
          paymentIssue: { taskId: 'capture:b1', operation: 'capture' },
        }),
    },
    {
      name: "after the stay the host's share is pending, then in a payout, then paid",
      given: [...recorded(booking('b1'), completedBooking), ...recorded(ledger, [accrued])],
      when: recorded(ledger, [started, sent], 1),
      then: (rows, tables) => {
        const [row] = rowsOf(rows, tables);
        expect(row).toMatchObject({ status: 'completed', payout_status: 'paid', doc: { payout: { gross: eur(30_000), fee: eur(3_000), net: eur(27_000) } } });
        expect(row!.paid_at).not.toBeNull();
      },
    },
    {
      name: 'a payout started and not yet sent is in progress',
      given: [...recorded(booking('b1'), completedBooking), ...recorded(ledger, [accrued])],
      when: recorded(ledger, [started], 1),
      then: (rows, tables) => expect(rowsOf(rows, tables)[0]).toMatchObject({ payout_status: 'in_progress', paid_at: null }),
    },
    {
      name: "a refund after the stay nets against the host's share",
      given: [...recorded(booking('b1'), completedBooking), ...recorded(ledger, [accrued, started, sent])],
      when: recorded(ledger, [adjusted], 3),
      then: (rows, tables) =>
        expect(rowsOf(rows, tables)[0]).toMatchObject({ payout_status: 'paid', doc: { payout: { gross: eur(25_000), fee: eur(2_500), net: eur(22_500) } } }),
    },
    {
      name: 'bookings of two hosts are two rows',
      given: recorded(booking('b1'), [requested()]),
      when: recorded(booking('b2'), [requested({ bookingId: 'b2', hostId: 'host-2' })]),
      then: (rows, tables) => expect(rowsOf(rows, tables).map((r) => r.booking_id)).toEqual(['b1', 'b2']),
    },
  ],
});

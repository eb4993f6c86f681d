import { expect } from 'vitest';
import { describeProjection, recorded, type Rows } from '../testing/projection-spec.ts';
import { notificationsProjection, notificationTables } from './pg-projection.ts';

const eur = (amount: number) => ({ amount, currency: 'EUR' });
const stay = { kind: 'nights', checkIn: '2026-05-10', checkOut: '2026-05-12' };
const hold = { holdId: 'b1', unitTypeId: 'ut1', stay };
const listing = recorded('listing-l1', [
  { type: 'ListingCreated', data: { listingId: 'l1', hostId: 'h1', kind: 'rental', details: { title: 'Sea flat' }, at: '2026-04-01T00:00:00.000Z' } },
]);
const booking = 'booking-b1';
const requested = (instantBook = false) => ({
  type: 'BookingRequested',
  data: {
    bookingId: 'b1',
    guestId: 'g1',
    hostId: 'h1',
    listingId: 'l1',
    unitTypeId: 'ut1',
    kind: 'rental',
    stay,
    guests: 2,
    units: 1,
    total: eur(20_000),
    instantBook,
    cancellationPolicy: 'moderate',
    holdId: 'b1',
    ...(instantBook ? {} : { respondBy: '2026-05-02T10:00:00.000Z' }),
    at: '2026-05-01T10:00:00.000Z',
  },
});
const approved = { type: 'BookingApproved', data: { bookingId: 'b1', by: 'h1', at: '2026-05-01T12:00:00.000Z' } };
const confirmed = { type: 'BookingConfirmed', data: { bookingId: 'b1', ...hold, at: '2026-05-01T12:01:00.000Z' } };
const cancelled = (byRole: 'guest' | 'host', at: string) => ({
  type: 'BookingCancelled',
  data: { bookingId: 'b1', by: byRole === 'guest' ? 'g1' : 'h1', byRole, refund: eur(10_000), reason: '', ...hold, at },
});

type Notice = { user_id: string; kind: string; text: string; data: Record<string, unknown>; at: string };
const notices = (rows: Rows, tables: readonly string[]) =>
  (rows[tables[0]!] as Notice[])
    .map((n) => [n.user_id, n.kind, n.at.slice(0, 16)])
    .sort((a, b) => `${a[2]}${a[0]}${a[1]}`.localeCompare(`${b[2]}${b[0]}${b[1]}`));
const textOf = (rows: Rows, tables: readonly string[], kind: string) => (rows[tables[0]!] as Notice[]).find((n) => n.kind === kind)?.text;

describeProjection('notifications projection', {
  projection: notificationsProjection,
  tables: (target) => Object.values(notificationTables(target)),
  guardedByRevision: false,
  cases: [
    {
      name: 'a request tells the host, with the listing, the stay and the response deadline',
      given: listing,
      when: recorded(booking, [requested()]),
      then: (rows, tables) => {
        expect(notices(rows, tables)).toEqual([['h1', 'booking.requested', '2026-05-01T10:00']]);
        expect(textOf(rows, tables, 'booking.requested')).toBe(
          'New booking request for "Sea flat", 2026-05-10 to 2026-05-12 (2 guests, 200.00 EUR): answer by 2026-05-02 10:00 UTC',
        );
        const data = (rows[tables[0]!] as Notice[])[0]!.data;
        expect(data).toMatchObject({ bookingId: 'b1', listingId: 'l1', respondBy: '2026-05-02T10:00:00.000Z' });
        expect(JSON.stringify(rows)).not.toContain('@');
      },
    },
    {
      name: 'approved and confirmed: the guest hears both, the host the confirmation, and a reminder waits for the day before',
      given: [...listing, ...recorded(booking, [requested()])],
      when: recorded(booking, [approved, confirmed], 1),
      then: (rows, tables) => {
        expect(notices(rows, tables)).toEqual([
          ['h1', 'booking.requested', '2026-05-01T10:00'],
          ['g1', 'booking.approved', '2026-05-01T12:00'],
          ['g1', 'booking.confirmed', '2026-05-01T12:01'],
          ['h1', 'booking.confirmed', '2026-05-01T12:01'],
          ['g1', 'booking.reminder', '2026-05-09T15:00'],
        ]);
        expect(textOf(rows, tables, 'booking.reminder')).toBe('Your stay begins tomorrow: "Sea flat", 2026-05-10 to 2026-05-12');
      },
    },
    {
      name: 'an instant booking is told to the host once confirmed; a stay moved moves its reminder',
      given: [...listing, ...recorded(booking, [requested(true), confirmed])],
      when: recorded(
        booking,
        [
          {
            type: 'BookingModified',
            data: {
              bookingId: 'b1',
              unitTypeId: 'ut1',
              stay: { kind: 'nights', checkIn: '2026-05-20', checkOut: '2026-05-22' },
              at: '2026-05-03T00:00:00.000Z',
            },
          },
        ],
        2,
      ),
      then: (rows, tables) => {
        expect(notices(rows, tables)).toEqual([
          ['g1', 'booking.confirmed', '2026-05-01T12:01'],
          ['h1', 'booking.confirmed', '2026-05-01T12:01'],
          ['g1', 'booking.reminder', '2026-05-19T15:00'],
        ]);
      },
    },
    {
      name: 'a stay in Tokyo: the reminder comes 24 hours before 15:00 there, and moves with the stay on its clock',
      given: [...listing, ...recorded(booking, [requested(true), { ...confirmed, data: { ...confirmed.data, timeZone: 'Asia/Tokyo' } }])],
      when: recorded(
        booking,
        [
          {
            type: 'BookingModified',
            data: {
              bookingId: 'b1',
              unitTypeId: 'ut1',
              stay: { kind: 'nights', checkIn: '2026-05-20', checkOut: '2026-05-22' },
              timeZone: 'Asia/Tokyo',
              at: '2026-05-03T00:00:00.000Z',
            },
          },
        ],
        2,
      ),
      then: (rows, tables) => {
        expect(notices(rows, tables).filter(([, kind]) => kind === 'booking.reminder')).toEqual([['g1', 'booking.reminder', '2026-05-19T06:00']]);
      },
    },
    {
      name: 'a restaurant slot is told on the restaurant clock, with its zone',
      given: listing,
      when: recorded(booking, [
        {
          ...requested(),
          data: { ...requested().data, kind: 'restaurant', stay: { kind: 'slot', start: '2026-05-10T11:00:00.000Z', minutes: 120 }, timeZone: 'Asia/Tokyo' },
        },
      ]),
      then: (rows, tables) => {
        expect(textOf(rows, tables, 'booking.requested')).toBe(
          'New booking request for "Sea flat", 2026-05-10 20:00 (Asia/Tokyo) (2 guests, 200.00 EUR): answer by 2026-05-02 10:00 UTC',
        );
        expect((rows[tables[0]!] as Notice[])[0]!.data).toMatchObject({ timeZone: 'Asia/Tokyo' });
      },
    },
    {
      name: 'a guest cancelling tells both and takes the reminder away; a reminder already shown stays',
      given: [...listing, ...recorded(booking, [requested(), approved, confirmed])],
      when: recorded(booking, [cancelled('guest', '2026-05-04T00:00:00.000Z')], 3),
      then: (rows, tables) => {
        const kinds = notices(rows, tables).map(([user, kind]) => `${user} ${kind}`);
        expect(kinds.filter((k) => k.includes('cancelled'))).toEqual(['g1 booking.cancelled', 'h1 booking.cancelled']);
        expect(kinds).not.toContain('g1 booking.reminder');
        expect(textOf(rows, tables, 'booking.cancelled')).toContain('100.00 EUR goes back to the guest');
      },
    },
    {
      name: 'a host cancelling after the reminder showed: the guest hears it, the reminder stays in the inbox',
      given: [...listing, ...recorded(booking, [requested(), approved, confirmed])],
      when: recorded(booking, [cancelled('host', '2026-05-09T20:00:00.000Z')], 3),
      then: (rows, tables) => {
        const kinds = notices(rows, tables).map(([user, kind]) => `${user} ${kind}`);
        expect(kinds.filter((k) => k.includes('cancelled'))).toEqual(['g1 booking.cancelled']);
        expect(kinds).toContain('g1 booking.reminder');
      },
    },
    {
      name: 'declined, payment failed, expired and reviews: each to its party',
      given: [...listing, ...recorded(booking, [requested()])],
      when: recorded(
        booking,
        [
          { type: 'BookingDeclined', data: { bookingId: 'b1', by: 'h1', reason: 'Closed for works', ...hold, at: '2026-05-01T11:00:00.000Z' } },
          { type: 'BookingPaymentFailed', data: { bookingId: 'b1', reason: 'card_declined', ...hold, at: '2026-05-01T11:01:00.000Z' } },
          { type: 'BookingRequestExpired', data: { bookingId: 'b1', ...hold, at: '2026-05-01T11:02:00.000Z' } },
          {
            type: 'GuestReviewedStay',
            data: { bookingId: 'b1', listingId: 'l1', guestId: 'g1', rating: 5, comment: 'Secret', at: '2026-05-13T00:00:00.000Z' },
          },
          { type: 'HostReviewedGuest', data: { bookingId: 'b1', guestId: 'g1', hostId: 'h1', rating: 4, comment: 'Hidden', at: '2026-05-13T01:00:00.000Z' } },
        ],
        1,
      ),
      then: (rows, tables) => {
        expect(notices(rows, tables).slice(1)).toEqual([
          ['g1', 'booking.declined', '2026-05-01T11:00'],
          ['g1', 'booking.payment_failed', '2026-05-01T11:01'],
          ['g1', 'booking.expired', '2026-05-01T11:02'],
          ['h1', 'review.received', '2026-05-13T00:00'],
          ['g1', 'review.received', '2026-05-13T01:00'],
        ]);
        expect(textOf(rows, tables, 'booking.declined')).toContain('Closed for works');
        // double-blind: a notice never tells what the other wrote
        expect(JSON.stringify(rows[tables[0]!])).not.toMatch(/Secret|Hidden/);
      },
    },
    {
      name: 'a payout sent tells its host',
      when: recorded('payouts-h1', [
        { type: 'HostPayoutSent', data: { hostId: 'h1', payoutId: 'p1', gatewayPayoutId: 'po_1', amount: eur(18_000), at: '2026-05-20T00:00:00.000Z' } },
      ]),
      then: (rows, tables) => {
        expect(notices(rows, tables)).toEqual([['h1', 'payout.sent', '2026-05-20T00:00']]);
        expect(textOf(rows, tables, 'payout.sent')).toBe('Payout sent: 180.00 EUR');
      },
    },
    {
      name: 'an order: the shopper hears it confirmed, shipped, delivered; each seller of its lines, once, that it is to ship',
      given: [
        ...recorded('product-p1', [{ type: 'ProductCreated', data: { productId: 'p1', sellerId: 's1', at: '2026-05-01T00:00:00.000Z' } }]),
        ...recorded('product-p2', [{ type: 'ProductCreated', data: { productId: 'p2', sellerId: 's2', at: '2026-05-01T00:00:00.000Z' } }]),
        ...recorded('product-p3', [{ type: 'ProductCreated', data: { productId: 'p3', sellerId: 's1', at: '2026-05-01T00:00:00.000Z' } }]),
        ...recorded('order-o1', [
          {
            type: 'OrderPlaced',
            data: {
              orderId: 'o1',
              userId: 'u1',
              lines: [{ productId: 'p1' }, { productId: 'p2' }, { productId: 'p3' }],
              total: eur(4_500),
              at: '2026-05-02T00:00:00.000Z',
            },
          },
        ]),
      ],
      when: recorded(
        'order-o1',
        [
          { type: 'OrderConfirmed', data: { orderId: 'o1', skus: [], at: '2026-05-02T00:01:00.000Z' } },
          { type: 'OrderShipped', data: { orderId: 'o1', by: 's1', carrier: 'DHL', tracking: 'T1', at: '2026-05-03T00:00:00.000Z' } },
          { type: 'OrderDelivered', data: { orderId: 'o1', at: '2026-05-04T00:00:00.000Z' } },
        ],
        1,
      ),
      then: (rows, tables) => {
        expect(notices(rows, tables)).toEqual([
          ['s1', 'order.to_ship', '2026-05-02T00:01'],
          ['s2', 'order.to_ship', '2026-05-02T00:01'],
          ['u1', 'order.confirmed', '2026-05-02T00:01'],
          ['u1', 'order.shipped', '2026-05-03T00:00'],
          ['u1', 'order.delivered', '2026-05-04T00:00'],
        ]);
        expect(textOf(rows, tables, 'order.shipped')).toBe('Your order has shipped with DHL (tracking T1)');
      },
    },
    {
      name: "a product's creation seen after its order was placed (another topic under Kafka) still finds its seller at confirmation",
      given: recorded('order-o3', [
        { type: 'OrderPlaced', data: { orderId: 'o3', userId: 'u1', lines: [{ productId: 'p7' }], total: eur(100), at: '2026-05-02T00:00:00.000Z' } },
      ]),
      when: [
        ...recorded('product-p7', [{ type: 'ProductCreated', data: { productId: 'p7', sellerId: 's7', at: '2026-05-01T00:00:00.000Z' } }]),
        ...recorded('order-o3', [{ type: 'OrderConfirmed', data: { orderId: 'o3', skus: [], at: '2026-05-02T00:01:00.000Z' } }], 1),
      ],
      then: (rows, tables) => {
        expect(notices(rows, tables)).toEqual([
          ['s7', 'order.to_ship', '2026-05-02T00:01'],
          ['u1', 'order.confirmed', '2026-05-02T00:01'],
        ]);
      },
    },
    {
      name: 'an order that fails or expires tells the shopper',
      given: recorded('order-o2', [
        { type: 'OrderPlaced', data: { orderId: 'o2', userId: 'u1', lines: [{ productId: 'p9' }], total: eur(100), at: '2026-05-02T00:00:00.000Z' } },
      ]),
      when: [
        ...recorded(
          'order-o2',
          [{ type: 'OrderFailed', data: { orderId: 'o2', reason: 'out_of_stock', skusToRelease: [], at: '2026-05-02T00:01:00.000Z' } }],
          1,
        ),
        ...recorded('order-o2', [{ type: 'OrderExpired', data: { orderId: 'o2', skusToRelease: [], at: '2026-05-02T00:20:00.000Z' } }], 2),
      ],
      then: (rows, tables) => {
        expect(notices(rows, tables)).toEqual([
          ['u1', 'order.failed', '2026-05-02T00:01'],
          ['u1', 'order.failed', '2026-05-02T00:20'],
        ]);
        expect(textOf(rows, tables, 'order.failed')).toMatch(/^Your order failed: (out of stock|payment timeout)/);
      },
    },
  ],
});

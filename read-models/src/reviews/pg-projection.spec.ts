import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, inTransaction, type Pool, type RecordedEvent } from '@stayhub/event-sourcing';
import { testDatabaseUrl } from '@stayhub/event-sourcing/testing';
import { reviewsProjection, reviewTables } from './pg-projection.ts';
import { PgReviewReader } from './postgres.ts';
import { applyEvents } from '../projection.ts';
import { describeProjection, recorded as specRecorded } from '../testing/projection-spec.ts';

const recorded = (type: string, data: Record<string, unknown>, streamId: string): RecordedEvent => ({
  eventId: randomUUID(),
  type,
  schemaVersion: 1,
  streamId,
  streamRevision: 0,
  globalPosition: '1',
  occurredAt: '2026-04-20T10:00:00.000Z',
  data,
  metadata: {},
});
const review = (rating: number, comment: string, at: string) => ({ rating, comment, at });
const published = (bookingId: string, guestId: string, stay: ReturnType<typeof review>, host?: ReturnType<typeof review>) =>
  recorded(
    'BookingReviewsPublished',
    {
      bookingId,
      listingId: 'l1',
      hostId: 'h1',
      guestId,
      stayMonth: '2026-04',
      guestReview: stay,
      ...(host ? { hostReview: host } : {}),
      at: '2026-04-20T10:00:00.000Z',
    },
    `booking-${bookingId}`,
  );

describe('reviews projection', () => {
  let pool: Pool;
  const target = 'reviews';
  const apply = (event: RecordedEvent) => inTransaction(pool, (client) => applyEvents(client, reviewsProjection, [event], target));
  const rows = async () => (await pool.query(`SELECT * FROM ${target} ORDER BY booking_id, about`)).rows;
  beforeAll(async () => {
    pool = createPool(await testDatabaseUrl(), 2);
    await inTransaction(pool, (client) => reviewsProjection.migrate(client, target));
  });
  afterAll(async () => {
    await pool?.end();
  });

  it('stores each published review once, the same when an event is delivered twice; a listing shows its stays newest first', async () => {
    const events = [
      recorded('UserRegistered', { userId: 'g1', name: 'Gil Guest', email: 'g1@example.com', role: 'guest', at: '2026-01-01T00:00:00.000Z' }, 'user-g1'),
      published('b1', 'g1', review(4, 'Nice', '2026-04-14T09:00:00.000Z'), review(5, 'Tidy guest', '2026-04-15T09:00:00.000Z')),
      published('b2', 'g1', review(2, 'Noisy', '2026-04-18T09:00:00.000Z')),
    ];
    for (const event of events) {
      await apply(event);
      const once = await rows();
      await apply(event);
      expect(await rows()).toEqual(once);
    }
    const page = await new PgReviewReader(pool).ofListing('l1', { page: 1, pageSize: 1 });
    expect(page).toMatchObject({
      items: [{ rating: 2, comment: 'Noisy', stayMonth: '2026-04', guestFirstName: 'Gil' }],
      hasMore: true,
      rating: { average: 3, count: 2 },
    });
    expect((await rows()).filter((r) => r.about === 'guest')).toHaveLength(1);

    // the host's public profile: what guests wrote about the stays, newest first; the guest's: how many hosts wrote
    const reader = new PgReviewReader(pool);
    expect(await reader.ofProfile('h1', 1)).toEqual({
      asHost: {
        average: 3,
        count: 2,
        recent: [{ rating: 2, comment: 'Noisy', stayMonth: '2026-04', guestFirstName: 'Gil', writtenAt: '2026-04-18T09:00:00.000Z' }],
      },
      asGuest: { count: 0 },
    });
    expect(await reader.ofProfile('g1', 3)).toEqual({ asHost: { average: null, count: 0, recent: [] }, asGuest: { count: 1 } });
  });
});

const publishedData = (bookingId: string, guestId: string, stay: ReturnType<typeof review>, host?: ReturnType<typeof review>) => ({
  bookingId,
  listingId: 'l2',
  hostId: 'h2',
  guestId,
  stayMonth: '2026-05',
  guestReview: stay,
  ...(host ? { hostReview: host } : {}),
  at: '2026-05-20T10:00:00.000Z',
});

describeProjection('reviews projection, batched', {
  projection: reviewsProjection,
  tables: (target) => Object.values(reviewTables(target)),
  guardedByRevision: true,
  cases: [
    {
      name: 'a name and the reviews of two stays in one batch',
      given: specRecorded('user-g2', [
        { type: 'UserRegistered', data: { userId: 'g2', name: 'Gil Guest', email: 'g2@example.com', role: 'guest', at: '2026-01-01T00:00:00.000Z' } },
      ]),
      when: [
        ...specRecorded('booking-b3', [
          {
            type: 'BookingReviewsPublished',
            data: publishedData('b3', 'g2', review(4, 'Nice', '2026-05-14T09:00:00.000Z'), review(5, 'Tidy guest', '2026-05-15T09:00:00.000Z')),
          },
        ]),
        ...specRecorded('booking-b4', [{ type: 'BookingReviewsPublished', data: publishedData('b4', 'g2', review(2, 'Noisy', '2026-05-18T09:00:00.000Z')) }]),
      ],
      then: (rows, [reviews, names, requests]) => {
        expect(rows[names!]).toEqual([{ user_id: 'g2', first_name: 'Gil' }]);
        expect(rows[requests!]).toEqual([]);
        expect(
          rows[reviews!]!.map((r) => {
            const { booking_id, about, rating } = r as { booking_id: string; about: string; rating: number };
            return [booking_id, about, rating];
          }).sort(),
        ).toEqual([
          ['b3', 'guest', 5],
          ['b3', 'stay', 4],
          ['b4', 'stay', 2],
        ]);
      },
    },
    {
      name: 'a request makes its host one who may read what hosts wrote about the guest, once',
      when: [
        ...specRecorded('booking-b5', [
          { type: 'BookingRequested', data: { bookingId: 'b5', guestId: 'g3', hostId: 'h3', listingId: 'l3', at: '2026-05-01T10:00:00.000Z' } },
        ]),
        ...specRecorded('booking-b6', [
          { type: 'BookingRequested', data: { bookingId: 'b6', guestId: 'g3', hostId: 'h3', listingId: 'l3', at: '2026-05-02T10:00:00.000Z' } },
        ]),
      ],
      then: (rows, [, , requests]) => {
        expect(rows[requests!]).toEqual([{ host_id: 'h3', guest_id: 'g3' }]);
      },
    },
  ],
});

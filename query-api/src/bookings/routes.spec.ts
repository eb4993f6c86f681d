import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BookingListQuery, BookingView, ListingView } from '@stayhub/read-models';
import { expectRefusedRead, position, queryApiSpec, type QueryApiSpec, type RefusedRead } from '../testing/http-spec.ts';

const money = (amount: number) => ({ amount, currency: 'EUR' });
const booking = (bookingId: string, guestId: string, hostId: string, start: string): BookingView => ({
  bookingId,
  guestId,
  hostId,
  listingId: 'l-1',
  unitTypeId: 'l-1.flat',
  kind: 'rental',
  stay: { kind: 'nights', checkIn: start.slice(0, 10), checkOut: '2030-04-12' },
  start,
  end: '2030-04-12T10:00:00.000Z',
  guests: 2,
  units: 1,
  total: money(20_000),
  paid: money(20_000),
  refunded: money(0),
  status: 'confirmed',
  timeline: [{ type: 'BookingRequested', at: '2030-03-01T09:00:00.000Z' }],
  createdAt: '2030-03-01T09:00:00.000Z',
  updatedAt: '2030-03-01T09:00:00.000Z',
});

describe('booking query routes', () => {
  // given: the booking history read model holds these documents, and the listing is in Lisbon
  const documents = [booking('b-1', 'guest-1', 'host-1', '2030-04-10T14:00:00.000Z'), booking('b-2', 'guest-1', 'host-1', '2030-05-10T14:00:00.000Z')];
  const asked: BookingListQuery[] = [];
  let api: QueryApiSpec;
  let guest: string;
  let host: string;
  let stranger: string;
  let admin: string;
  beforeAll(async () => {
    api = await queryApiSpec({
      bookings: {
        get: async (id) => documents.find((b) => b.bookingId === id),
        byGuest: async (guestId, query) => {
          asked.push(query);
          return { items: documents.filter((b) => b.guestId === guestId), page: query.page, pageSize: query.pageSize, hasMore: false };
        },
      },
      listings: {
        get: async (id) => (id === 'l-1' ? ({ listingId: 'l-1', details: { location: { timeZone: 'Europe/Lisbon' } } } as unknown as ListingView) : undefined),
      },
    });
    guest = await api.tokenFor('guest', 'guest-1');
    host = await api.tokenFor('host', 'host-1');
    stranger = await api.tokenFor('guest', 'guest-9');
    admin = await api.tokenFor('admin', 'ops-1');
  });
  afterAll(() => api?.close());

  it.each([
    ['its guest', () => guest],
    ['its host', () => host],
    ['an operator', () => admin],
  ])("shows a booking to %s, with its start and end on the listing's wall clock", async (_who, token) => {
    const reply = await api.get('/bookings/b-1', token());
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body).toMatchObject({ bookingId: 'b-1', status: 'confirmed', stale: false, local: { timeZone: 'Europe/Lisbon', start: '2030-04-10T15:00' } });
  });

  it("lists the caller's own bookings as a guest, passing scope and paging to the read model", async () => {
    const reply = await api.get('/me/bookings?scope=current&pageSize=5', guest);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body.items.map((b: BookingView) => b.bookingId)).toEqual(['b-1', 'b-2']);
    expect(asked.at(-1)).toMatchObject({ scope: 'current', page: 1, pageSize: 5 });
  });

  it('waits for a consistency token; one the read model has not reached makes a missing booking a 503 to retry, not a 404', async () => {
    expect((await api.get(`/bookings/b-1?after=${position(9)}`, guest)).body.stale).toBe(false);
    api.consistency.head = position(20);
    const behind = await api.get(`/bookings/b-new?after=${position(15)}`, guest);
    expect(behind.status).toBe(503);
    expect(behind.headers.get('retry-after')).toBe('1');
    const listed = await api.get(`/me/bookings?after=${position(15)}`, guest);
    expect(listed.headers.get('x-read-model-stale')).toBe('true');
    expect(listed.body.stale).toBe(true);
  });

  describe('refusals', () => {
    const cases: RefusedRead[] = [
      { name: 'no token', path: '/bookings/b-1', token: () => undefined, status: 401 },
      { name: "someone else's booking looks missing", path: '/bookings/b-1', token: () => stranger, status: 404 },
      { name: 'a booking that does not exist', path: '/bookings/b-none', status: 404 },
      { name: 'an unknown scope', path: '/me/bookings?scope=future', status: 400, fields: ['scope'] },
      { name: 'a page size past 100', path: '/me/bookings?pageSize=101', status: 400, fields: ['pageSize'] },
      { name: 'an unknown query parameter', path: '/me/bookings?sort=price', status: 400, fields: ['sort'] },
      { name: 'a consistency token that is none', path: '/bookings/b-1?after=yesterday', status: 400, fields: ['after'] },
      { name: 'a consistency token beyond every write', path: `/bookings/b-1?after=${position(999)}`, status: 400, fields: ['after'] },
      { name: 'a guest listing host bookings', path: '/host/bookings', status: 403 },
      { name: 'an unknown host booking status', path: '/host/bookings?status=confirmed,lost', token: () => host, status: 400, fields: ['status.1'] },
    ];
    it.each(cases)('$name: $status', (refusal) => expectRefusedRead(api, refusal, guest));
  });
});

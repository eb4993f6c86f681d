import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calendar, listings, money } from '@stayhub/domain';
import { commandApiSpec, problemOf, type CommandApiSpec } from '../testing/http-spec.ts';

const at = '2030-03-01T09:00:00.000Z';
const details = {
  title: 'Sunny flat by the river',
  description: 'Two rooms, balcony over the Tagus.',
  photos: ['https://img.example.com/flat-1.jpg'],
  location: { lat: 38.72, lon: -9.14, city: 'Lisbon', country: 'PT', timeZone: 'Europe/Lisbon' },
  currency: 'EUR',
  unitTypes: [{ unitTypeId: 'flat', name: 'Whole flat', count: 1, capacity: 4, price: money(12_000, 'EUR') }],
};

describe('listing routes', () => {
  let api: CommandApiSpec;
  let host: string;
  let hostToken: string;
  let otherHost: string;
  let guest: string;
  beforeAll(async () => {
    api = await commandApiSpec();
    host = 'host-1';
    hostToken = await api.tokenFor('host', host);
    otherHost = await api.tokenFor('host', 'host-2');
    guest = await api.tokenFor('guest', 'guest-1');
  });
  afterAll(() => api?.close());

  /** A listing of `host` as events: created with `details` (unit types scoped to it) and, unless a draft, published. */
  const givenListing = async (listingId: string, state: 'draft' | 'published' = 'published', with_: listings.ListingDetails = details) => {
    const scoped = { ...with_, unitTypes: with_.unitTypes?.map((u) => ({ ...u, unitTypeId: `${listingId}.${u.unitTypeId}` })) };
    const data = { listingId, actorId: host, now: at };
    await api.givenDecided(listings.listingStreamId(listingId), listings.listingDecider, [
      { type: 'CreateListing', data: { ...data, kind: 'rental', details: scoped } },
      ...(state === 'published' ? [{ type: 'PublishListing' as const, data }] : []),
    ]);
  };

  it('creates a draft for a host: 201 with Location, ETag and a consistency token; ListingCreated on the listing stream', async () => {
    const reply = await api.request('POST', '/listings', { token: hostToken, body: { kind: 'rental', details: { title: 'Loft' } } });
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    const { listingId } = reply.body;
    expect(reply.body).toMatchObject({ status: 'draft', revision: 0, consistencyToken: expect.any(String) });
    expect(reply.headers.get('location')).toBe(`/listings/${listingId}`);
    expect(reply.headers.get('etag')).toBe('"0"');
    expect(await api.appended()).toEqual([
      {
        streamId: `listing-${listingId}`,
        type: 'ListingCreated',
        data: expect.objectContaining({ listingId, hostId: host, kind: 'rental', details: expect.objectContaining({ title: 'Loft' }) }),
      },
    ]);
  });

  it('scopes unit type ids to the listing, so calendar streams of two listings never meet', async () => {
    const reply = await api.request('POST', '/listings', { token: hostToken, body: { kind: 'rental', details } });
    const [created] = await api.appended();
    expect((created!.data as { details: listings.ListingDetails }).details.unitTypes![0]!.unitTypeId).toBe(`${reply.body.listingId}.flat`);
  });

  describe('refusals change nothing', () => {
    const cases: {
      name: string;
      method: 'POST' | 'PUT';
      path: string;
      token?: () => string;
      body?: unknown;
      headers?: Record<string, string>;
      status: number;
      fields?: string[];
      code?: string;
    }[] = [
      { name: 'no token', method: 'POST', path: '/listings', body: { kind: 'rental' }, status: 401 },
      { name: 'a guest creating', method: 'POST', path: '/listings', token: () => guest, body: { kind: 'rental' }, status: 403 },
      { name: 'an unknown kind', method: 'POST', path: '/listings', token: () => hostToken, body: { kind: 'castle' }, status: 400, fields: ['kind'] },
      {
        name: 'an unknown field',
        method: 'POST',
        path: '/listings',
        token: () => hostToken,
        body: { kind: 'rental', colour: 'red' },
        status: 400,
        fields: ['colour'],
      },
      {
        name: 'a unit type id with a slash',
        method: 'POST',
        path: '/listings',
        token: () => hostToken,
        body: { kind: 'rental', details: { ...details, unitTypes: [{ ...details.unitTypes[0], unitTypeId: 'a/b' }] } },
        status: 400,
        fields: ['details.unitTypes.0.unitTypeId'],
      },
      { name: 'a bad id in the path', method: 'PUT', path: '/listings/a.b', token: () => hostToken, body: { title: 'x' }, status: 400, fields: ['id'] },
      {
        name: "another host's listing",
        method: 'PUT',
        path: '/listings/l-pub',
        token: () => otherHost,
        body: { title: 'Mine now' },
        status: 403,
        code: 'NOT_LISTING_OWNER',
      },
      {
        name: 'a listing that does not exist',
        method: 'PUT',
        path: '/listings/l-none',
        token: () => hostToken,
        body: { title: 'x' },
        status: 404,
        code: 'LISTING_NOT_FOUND',
      },
      {
        name: 'a stale If-Match',
        method: 'PUT',
        path: '/listings/l-pub',
        token: () => hostToken,
        body: { title: 'x' },
        headers: { 'if-match': '"0"' },
        status: 412,
      },
      {
        name: 'an If-Match that is no ETag',
        method: 'PUT',
        path: '/listings/l-pub',
        token: () => hostToken,
        body: { title: 'x' },
        headers: { 'if-match': 'yesterday' },
        status: 400,
        fields: ['if-match'],
      },
      {
        name: 'publishing an incomplete draft',
        method: 'POST',
        path: '/listings/l-draft/publish',
        token: () => hostToken,
        status: 422,
        code: 'LISTING_INCOMPLETE',
      },
      { name: 'unlisting a draft', method: 'POST', path: '/listings/l-draft/unlist', token: () => hostToken, status: 422, code: 'LISTING_NOT_PUBLISHED' },
      {
        name: 'prices whose to is before from',
        method: 'PUT',
        path: '/listings/l-pub/prices',
        token: () => hostToken,
        body: { unitTypeId: 'flat', from: '2030-04-10', to: '2030-04-01', price: null },
        status: 400,
        fields: ['to'],
      },
      {
        name: 'a block of nights and slots',
        method: 'POST',
        path: '/listings/l-pub/blocks',
        token: () => hostToken,
        body: { unitTypeId: 'flat', from: '2030-04-01', to: '2030-04-03', slots: ['2030-04-01T19:00:00Z'] },
        status: 400,
      },
      {
        name: "a block on another host's listing",
        method: 'POST',
        path: '/listings/l-pub/blocks',
        token: () => otherHost,
        body: { unitTypeId: 'flat', from: '2030-04-01', to: '2030-04-03' },
        status: 403,
      },
      {
        name: 'a block of an unknown unit type',
        method: 'POST',
        path: '/listings/l-pub/blocks',
        token: () => hostToken,
        body: { unitTypeId: 'suite', from: '2030-04-01', to: '2030-04-03' },
        status: 404,
        code: 'UNIT_TYPE_NOT_FOUND',
      },
      {
        name: 'lifting a block not in force',
        method: 'POST',
        path: '/listings/l-pub/blocks/b-none/lift',
        token: () => hostToken,
        body: { unitTypeId: 'flat', from: '2030-04-01', to: '2030-04-03' },
        status: 404,
      },
    ];
    beforeAll(async () => {
      await givenListing('l-pub');
      await givenListing('l-draft', 'draft', { title: 'Half done' });
      await api.given('listing-l-pub', [{ type: 'ListingUpdated', data: { listingId: 'l-pub', changes: { title: 'Renamed' }, at } }]);
    });
    it.each(cases)('$name: $status', async ({ method, path, token, body, headers, status, fields, code }) => {
      const reply = await api.request(method, path, {
        ...(token ? { token: token() } : {}),
        ...(body !== undefined ? { body } : {}),
        ...(headers ? { headers } : {}),
      });
      const problem = problemOf(reply);
      expect(problem.status, JSON.stringify(reply.body)).toBe(status);
      expect(problem.type).toBe('application/problem+json');
      for (const field of fields ?? []) expect(problem.fields).toContain(field);
      if (code) expect(problem.code).toBe(code);
      expect(await api.appended()).toEqual([]);
    });
  });

  it('saves a step with the right If-Match and answers the next ETag', async () => {
    await givenListing('l-edit', 'draft', { title: 'Draft' });
    const reply = await api.request('PUT', '/listings/l-edit', { token: hostToken, body: { description: 'Now with a view' }, headers: { 'if-match': '"0"' } });
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.headers.get('etag')).toBe('"1"');
    expect(await api.appended()).toEqual([
      { streamId: 'listing-l-edit', type: 'ListingUpdated', data: expect.objectContaining({ changes: { description: 'Now with a view' } }) },
    ]);
  });

  it('publishes a complete draft', async () => {
    await givenListing('l-ready', 'draft');
    const reply = await api.request('POST', '/listings/l-ready/publish', { token: hostToken });
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body).toMatchObject({ listingId: 'l-ready', status: 'published' });
    expect((await api.appended()).map((e) => e.type)).toEqual(['ListingPublished']);
  });

  it('blocks nights across two months in one append, on each month of the calendar, and lifts them', async () => {
    await givenListing('l-block');
    const reply = await api.request('POST', '/listings/l-block/blocks', {
      token: hostToken,
      body: { unitTypeId: 'flat', from: '2030-04-29', to: '2030-05-02' },
    });
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    const unitTypeId = 'l-block.flat';
    expect(reply.body).toMatchObject({ unitTypeId, keys: ['2030-04-29', '2030-04-30', '2030-05-01'] });
    const appended = await api.appended();
    expect(appended.map((e) => [e.streamId, e.type])).toEqual([
      [calendar.calendarStreamId(unitTypeId, '2030-04'), 'NightsBlocked'],
      [calendar.calendarStreamId(unitTypeId, '2030-05'), 'NightsBlocked'],
    ]);
    expect(appended[0]!.data).toMatchObject({ keys: ['2030-04-29', '2030-04-30'], units: 1 });

    const lifted = await api.request('POST', `/listings/l-block/blocks/${reply.body.blockId}/lift`, {
      token: hostToken,
      body: { unitTypeId: 'flat', from: '2030-04-29', to: '2030-05-02' },
    });
    expect(lifted.status, JSON.stringify(lifted.body)).toBe(200);
    expect((await api.appended()).map((e) => e.type)).toEqual(['NightsUnblocked', 'NightsUnblocked']);
  });

  it('refuses to block nights that bookings already hold: 409, and no month is blocked', async () => {
    await givenListing('l-full');
    const unitTypeId = 'l-full.flat';
    await api.givenDecided(calendar.calendarStreamId(unitTypeId, '2030-06'), calendar.calendarDecider, [
      {
        type: 'PlaceHold',
        data: { holdId: 'h1', bookingId: 'b1', keys: ['2030-06-10'], units: 1, capacity: 1, expiresAt: '2030-06-01T00:00:00.000Z', now: at },
      },
    ]);
    const reply = await api.request('POST', '/listings/l-full/blocks', {
      token: hostToken,
      body: { unitTypeId: 'flat', from: '2030-05-31', to: '2030-06-11' },
    });
    expect(problemOf(reply)).toMatchObject({ status: 409, type: 'application/problem+json', code: 'NIGHTS_UNAVAILABLE' });
    expect(await api.appended()).toEqual([]);
  });
});

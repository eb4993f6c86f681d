import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ListingView } from '@stayhub/read-models';
import { expectRefusedRead, queryApiSpec, type QueryApiSpec, type RefusedRead } from '../testing/http-spec.ts';

describe('calendar block query route', () => {
  // given: listing l-1 of host-1 has a block of two nights and a block of one restaurant slot
  const blocks = [
    { blockId: 'bk-1', unitTypeId: 'l-1.flat', keys: ['2030-04-29', '2030-04-30'], units: 1, blockedBy: 'host-1', blockedAt: '2030-03-01T09:00:00.000Z' },
    { blockId: 'bk-2', unitTypeId: 'l-1.flat', keys: ['2030-04-29T19:00:00.000Z'], units: 1, blockedBy: 'host-1', blockedAt: '2030-03-01T09:00:00.000Z' },
  ];
  let api: QueryApiSpec;
  let host: string;
  beforeAll(async () => {
    api = await queryApiSpec({
      listings: { get: async (id) => (id === 'l-1' ? ({ listingId: 'l-1', hostId: 'host-1', status: 'published' } as unknown as ListingView) : undefined) },
      calendarBlocks: { ofListing: async () => blocks as never },
    });
    host = await api.tokenFor('host', 'host-1');
  });
  afterAll(() => api?.close());

  it('shows the host the blocks in force, a block of nights with from and to (exclusive)', async () => {
    const reply = await api.get('/listings/l-1/blocks', host);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body.items).toMatchObject([
      { blockId: 'bk-1', from: '2030-04-29', to: '2030-05-01' },
      { blockId: 'bk-2', from: null, to: null },
    ]);
  });

  describe('refusals', () => {
    let other: string;
    beforeAll(async () => {
      other = await api.tokenFor('host', 'host-2');
    });
    const cases: RefusedRead[] = [
      { name: 'no token', path: '/listings/l-1/blocks', token: () => undefined, status: 401 },
      { name: "another host's calendar looks missing", path: '/listings/l-1/blocks', token: () => other, status: 404 },
      { name: 'a listing that does not exist', path: '/listings/l-none/blocks', status: 404 },
      { name: 'an unknown query parameter', path: '/listings/l-1/blocks?month=2030-04', status: 400, fields: ['month'] },
    ];
    it.each(cases)('$name: $status', (refusal) => expectRefusedRead(api, refusal, host));
  });
});

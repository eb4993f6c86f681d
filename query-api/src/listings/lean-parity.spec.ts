import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AvailabilityDay, ListingView } from '@stayhub/read-models';
import { position, queryApiSpec, type QueryApiSpec } from '../testing/http-spec.ts';

const listing = (listingId: string, status: string): ListingView =>
  ({
    listingId,
    hostId: 'host-1',
    kind: 'rental',
    status,
    details: { title: 'Flat – «vue mer»', location: { timeZone: 'Europe/Lisbon' } },
    rating: 4.5,
    ratingCount: 2,
    updatedAt: '2030-02-01T10:00:00.000Z',
  }) as unknown as ListingView;

const documents = [listing('l-pub', 'published'), listing('l-draft', 'draft')];
const readers = {
  listings: {
    get: async (id: string) => documents.find((l) => l.listingId === id),
    availability: async (id: string, keys: string[]) =>
      documents.some((l) => l.listingId === id)
        ? keys.map((key) => ({ key, unitTypes: [{ unitTypeId: `${id}.flat`, count: 1, free: 1 }] }) as AvailabilityDay)
        : undefined,
  },
};

type Answer = { status: number; headers: Record<string, string>; body: string };

/** Status, headers but `Date`, and body as sent; the rate limit's seconds to reset left out (each app's window began a moment apart). */
const answerOf = async (api: QueryApiSpec, path: string, init: { method?: string; headers?: Record<string, string> } = {}): Promise<Answer> => {
  const response = await fetch(`${api.base}${path}`, { method: init.method ?? 'GET', headers: { 'x-correlation-id': 'parity-1', ...init.headers } });
  const headers = Object.fromEntries([...response.headers].filter(([name]) => name !== 'date'));
  if (headers.ratelimit) headers.ratelimit = headers.ratelimit.replace(/t=\d+/, 't=…');
  return { status: response.status, headers, body: await response.text() };
};

describe('the hot reads by id: the lean dispatch answers as express does', () => {
  // given: the same readers behind the query API with the lean dispatch and without it (every request through express's router)
  let lean: QueryApiSpec;
  let express: QueryApiSpec;
  let host: string;
  beforeAll(async () => {
    lean = await queryApiSpec(readers, { rateLimit: { windowMs: 3_600_000, perAddress: 1000 } });
    express = await queryApiSpec(readers, { lean: false, rateLimit: { windowMs: 3_600_000, perAddress: 1000 } });
    host = await lean.tokenFor('host', 'host-1');
  });
  afterAll(async () => {
    await lean?.close();
    await express?.close();
  });

  const same = async (path: string, init: { method?: string; headers?: Record<string, string> } = {}) => {
    const [a, b] = [await answerOf(lean, path, init), await answerOf(express, path, init)];
    expect(a).toEqual(b);
    return a;
  };

  it('a published listing', async () => {
    const answer = await same('/listings/l-pub');
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ ...documents[0], stale: false });
    expect(answer.headers.etag).toMatch(/^W\/"/);
  });

  it('a 304 to If-None-Match with the ETag, and a 200 to another', async () => {
    const { headers } = await same('/listings/l-pub');
    // As a browser revalidates (fetch would otherwise add `Cache-Control: no-cache`, an end-to-end reload).
    const revalidate = (etag: string) => ({ headers: { 'if-none-match': etag, 'cache-control': 'max-age=0' } });
    expect(await same('/listings/l-pub', revalidate(headers.etag!))).toMatchObject({ status: 304, body: '' });
    expect((await same('/listings/l-pub', { method: 'HEAD', ...revalidate(headers.etag!) })).status).toBe(304);
    expect((await same('/listings/l-pub', revalidate('W/"0-other"'))).status).toBe(200);
    expect((await same('/listings/l-pub/availability?from=2030-04-10&to=2030-04-12', revalidate(headers.etag!))).status).toBe(200);
  });

  it('a 404 problem+json for a listing not there, and for a draft asked anonymously', async () => {
    expect((await same('/listings/l-none')).headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect((await same('/listings/l-draft')).status).toBe(404);
  });

  it('a 400 naming an unknown query parameter', async () => {
    const answer = await same('/listings/l-pub?colour=blue');
    expect(answer.status).toBe(400);
    expect(answer.body).toContain('colour');
  });

  it('HEAD: the headers of the GET without a body', async () => {
    const answer = await same('/listings/l-pub', { method: 'HEAD' });
    expect([answer.status, answer.body, answer.headers['content-length']]).toEqual([200, '', expect.stringMatching(/^\d+$/)]);
  });

  it('a host reading its own unpublished listing, and a bad token', async () => {
    expect((await same('/listings/l-draft', { headers: { authorization: `Bearer ${host}` } })).headers['cache-control']).toBe('private, no-cache');
    expect((await same('/listings/l-pub', { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
  });

  it('a read with a consistency token, a cross-origin read, an encoded id', async () => {
    expect((await same(`/listings/l-pub?after=${position(9)}`)).status).toBe(200);
    expect((await same('/listings/l-pub', { headers: { origin: 'https://example.com' } })).headers['access-control-allow-origin']).toBeDefined();
    expect((await same('/listings/l%2Dpub')).status).toBe(200);
    expect((await same('/listings/l-pub/')).status).toBe(404);
  });

  it('availability: nights, a 400 and a 404', async () => {
    const answer = await same('/listings/l-pub/availability?from=2030-04-10&to=2030-04-12');
    expect(JSON.parse(answer.body).days).toHaveLength(2);
    expect((await same('/listings/l-pub/availability?from=2030-04-12&to=2030-04-10')).status).toBe(400);
    expect((await same('/listings/l-none/availability?from=2030-04-10&to=2030-04-12')).status).toBe(404);
  });

  it('the rate limit: the same 429 once an address is over it', async () => {
    const [tight, tightExpress] = [
      await queryApiSpec(readers, { rateLimit: { windowMs: 3_600_000, perAddress: 2 } }),
      await queryApiSpec(readers, { lean: false, rateLimit: { windowMs: 3_600_000, perAddress: 2 } }),
    ];
    try {
      for (const expected of [200, 200, 429]) {
        const [a, b] = [await answerOf(tight, '/listings/l-pub'), await answerOf(tightExpress, '/listings/l-pub')];
        expect(a).toEqual(b);
        expect(a.status).toBe(expected);
      }
    } finally {
      await tight.close();
      await tightExpress.close();
    }
  });
});

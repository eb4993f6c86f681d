import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './harness.ts';
import { publishedListing, register, waitUntil } from './fixtures.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ workflows: 'manual' });
});
afterAll(async () => {
  await stack?.stop();
});

describe('GET /host/listings', () => {
  it("lists the host's own drafts, published and unlisted listings, with what a draft misses", async () => {
    const host = await register(stack, 'host');
    const other = await register(stack, 'host');
    const draft = await stack.command.post('/listings', { kind: 'hotel', details: { title: 'Half-written hotel' } }, { token: host.token });
    expect(draft.status, JSON.stringify(draft.body)).toBe(201);
    const { listingId: live } = await publishedListing(stack, host, 'rental', { title: 'Live flat' });
    const { listingId: gone } = await publishedListing(stack, host, 'rental', { title: 'Old flat' });
    const unlisted = await stack.command.post(`/listings/${gone}/unlist`, {}, { token: host.token });
    expect(unlisted.status).toBe(200);
    await publishedListing(stack, other, 'rental', { title: 'Not mine' });

    const all = await waitUntil(
      () => stack.query.get(`/host/listings?after=${unlisted.body.consistencyToken}`, { token: host.token }),
      (r) => r.body?.items?.length === 3,
    );
    expect(all.status).toBe(200);
    const byId = new Map(all.body.items.map((l: { listingId: string }) => [l.listingId, l]));
    expect(byId.get(draft.body.listingId)).toMatchObject({
      status: 'draft',
      title: 'Half-written hotel',
      complete: false,
      missing: expect.arrayContaining(['description', 'photos', 'unitTypes']),
    });
    expect(byId.get(live)).toMatchObject({
      status: 'published',
      title: 'Live flat',
      complete: true,
      missing: [],
      minPrice: 12_000,
      currency: 'EUR',
      city: 'Lisbon',
    });
    expect(byId.get(gone)).toMatchObject({ status: 'unlisted', title: 'Old flat' });

    const drafts = await stack.query.get('/host/listings?status=draft', { token: host.token });
    expect(drafts.body.items.map((l: { listingId: string }) => l.listingId)).toEqual([draft.body.listingId]);
    const paged = await stack.query.get('/host/listings?pageSize=2', { token: host.token });
    expect(paged.body).toMatchObject({ page: 1, pageSize: 2, hasMore: true });
    expect(paged.body.items).toHaveLength(2);
  });

  it('answers only hosts; a bad status or an unknown parameter is a 400 problem', async () => {
    const guest = await register(stack, 'guest');
    const host = await register(stack, 'host');
    expect((await stack.query.get('/host/listings', { token: guest.token })).status).toBe(403);
    expect((await stack.query.get('/host/listings')).status).toBe(401);
    for (const path of ['/host/listings?status=deleted', '/host/listings?hostId=someone']) {
      const bad = await stack.query.get(path, { token: host.token });
      expect(bad.status, path).toBe(400);
      expect(bad.headers.get('content-type')).toContain('application/problem+json');
    }
    expect((await stack.query.get('/host/listings', { token: host.token })).body).toMatchObject({ items: [], hasMore: false });
  });
});

describe('GET /host/listings/:id', () => {
  it('gives the host every saved detail of a draft with its revision as the ETag an edit sends back; a stale If-Match is a 412', async () => {
    const host = await register(stack, 'host');
    const other = await register(stack, 'host');
    const created = await stack.command.post(
      '/listings',
      { kind: 'hotel', details: { title: 'Harbour hotel', description: 'Twelve rooms' } },
      { token: host.token },
    );
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const { listingId } = created.body;
    const edited = await stack.command.put(
      `/listings/${listingId}`,
      { amenities: ['wifi'] },
      { token: host.token, headers: { 'if-match': created.headers.get('etag')! } },
    );
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);

    const read = await stack.query.get(`/host/listings/${listingId}?after=${edited.body.consistencyToken}`, { token: host.token });
    expect(read.status, JSON.stringify(read.body)).toBe(200);
    expect(read.body).toMatchObject({
      listingId,
      status: 'draft',
      kind: 'hotel',
      revision: edited.body.revision,
      details: { title: 'Harbour hotel', description: 'Twelve rooms', amenities: ['wifi'] },
    });
    expect(read.headers.get('etag')).toBe(edited.headers.get('etag'));

    // A second browser saved meanwhile: the first one's edit on the older revision is refused, nothing changes.
    const stale = await stack.command.put(
      `/listings/${listingId}`,
      { title: 'Old tab' },
      { token: host.token, headers: { 'if-match': created.headers.get('etag')! } },
    );
    expect(stale.status).toBe(412);
    expect(stale.headers.get('content-type')).toContain('application/problem+json');
    expect(stale.body).toMatchObject({ currentRevision: edited.body.revision });
    const after = await stack.query.get(`/host/listings/${listingId}`, { token: host.token });
    expect(after.body.details.title).toBe('Harbour hotel');

    expect((await stack.query.get(`/host/listings/${listingId}`, { token: other.token })).status).toBe(404);
    expect((await stack.query.get(`/host/listings/${listingId}?hostId=x`, { token: host.token })).status).toBe(400);
  });
});

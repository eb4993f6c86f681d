import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './harness.ts';
import { day, listingDetails, publishedListing, register, waitUntil } from './fixtures.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

/** Events a user's requests appended (workflows of earlier specs append theirs meanwhile). */
const eventCount = async (actor: string) =>
  (await stack.pool.query("SELECT count(*)::int AS n FROM es_events WHERE metadata->>'actor' = $1", [actor])).rows[0].n as number;
const isProblem = (reply: { headers: Headers; body: any }, status: number) => {
  expect(reply.headers.get('content-type')).toContain('application/problem+json');
  expect(reply.body.status).toBe(status);
  expect(typeof reply.body.title).toBe('string');
};

describe('HTTP conventions', () => {
  it('X-Correlation-Id: echoed in the answer and stored in the metadata of the events the request appended; one is made up when absent', async () => {
    const host = await register(stack, 'host');
    const correlationOf = async (listingId: string) =>
      (
        await stack.pool.query("SELECT DISTINCT metadata->>'correlationId' AS id FROM es_events WHERE type = 'ListingCreated' AND data->>'listingId' = $1", [
          listingId,
        ])
      ).rows;
    const given = await stack.command.post(
      '/listings',
      { kind: 'rental', details: { title: 'Correlated loft' } },
      { token: host.token, headers: { 'X-Correlation-Id': 'support-ticket-77' } },
    );
    expect(given.status).toBe(201);
    expect(given.headers.get('x-correlation-id')).toBe('support-ticket-77');
    expect(await correlationOf(given.body.listingId)).toEqual([{ id: 'support-ticket-77' }]);

    const made = await stack.command.post('/listings', { kind: 'rental', details: { title: 'Uncorrelated loft' } }, { token: host.token });
    const madeId = made.headers.get('x-correlation-id');
    expect(madeId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await correlationOf(made.body.listingId)).toEqual([{ id: madeId }]);
  });

  it('Idempotency-Key: a retry returns the first response; the key with another body is 422', async () => {
    const host = await register(stack, 'host');
    const guest = await register(stack, 'guest');
    const { listingId } = await publishedListing(stack, host);
    const body = { listingId, checkIn: day(stack, 3), checkOut: day(stack, 4), guests: 1, paymentMethod: 'tok_visa' };
    const headers = { 'Idempotency-Key': 'book-once-123' };
    const first = await stack.command.post('/bookings', body, { token: guest.token, headers });
    const retry = await stack.command.post('/bookings', body, { token: guest.token, headers });
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    // The workflow appends payment events meanwhile; what the retry must not add is a hold or a booking.
    const { rows } = await stack.pool.query(
      `SELECT count(*) FILTER (WHERE type = 'BookingRequested')::int AS requested, count(*) FILTER (WHERE type = 'HoldPlaced')::int AS held
         FROM es_events WHERE data->>'listingId' = $1 OR stream_id LIKE $2`,
      [listingId, `calendar-${listingId}.%`],
    );
    expect(rows[0]).toEqual({ requested: 1, held: 1 });

    const reused = await stack.command.post('/bookings', { ...body, guests: 2 }, { token: guest.token, headers });
    expect(reused.status).toBe(422);
    isProblem(reused, 422);
  });

  /** Bookings stored for a guest, by id (each counted with its holds). */
  const bookingsOf = async (guestId: string) =>
    (
      await stack.pool.query<{ booking: string; holds: number }>(
        `SELECT e.data->>'bookingId' AS booking,
                (SELECT count(*)::int FROM es_events h WHERE h.type = 'HoldPlaced' AND h.data->>'holdId' = e.data->>'bookingId') AS holds
           FROM es_events e WHERE e.type = 'BookingRequested' AND e.data->>'guestId' = $1`,
        [guestId],
      )
    ).rows;

  it('Idempotency-Key: a client that gives up after 5-30 ms and retries books once per key, and gets that booking', async () => {
    const host = await register(stack, 'host');
    const guest = await register(stack, 'guest');
    const { listingId } = await publishedListing(stack, host, 'hotel', {
      unitTypes: [{ unitTypeId: 'room', name: 'Room', count: 50, capacity: 2, price: { amount: 9_000, currency: 'EUR' } }],
    });
    const keys = Array.from({ length: 12 }, (_, i) => `abort-then-retry-${i}-${guest.userId}`);
    const body = { listingId, checkIn: day(stack, 20), checkOut: day(stack, 22), guests: 1, paymentMethod: 'tok_visa' };
    const answers = await Promise.all(
      keys.map(async (key, i) => {
        const headers = { 'content-type': 'application/json', authorization: `Bearer ${guest.token}`, 'idempotency-key': key };
        await fetch(`${stack.commandUrl()}/bookings`, {
          method: 'POST',
          headers,
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(5 + ((i * 7) % 26)),
        }).catch(() => undefined);
        for (;;) {
          const retry = await stack.command.post('/bookings', body, { token: guest.token, headers: { 'Idempotency-Key': key } });
          if (retry.status !== 409) return retry;
          await new Promise((r) => setTimeout(r, 50));
        }
      }),
    );
    expect(answers.map((a) => a.status)).toEqual(keys.map(() => 201));
    const stored = await bookingsOf(guest.userId);
    expect(stored).toHaveLength(keys.length);
    expect(stored.every((b) => b.holds === 1)).toBe(true);
    expect(new Set(answers.map((a) => a.body.bookingId))).toEqual(new Set(stored.map((b) => b.booking)));
  });

  it('Idempotency-Key: the scope is the route pattern; another spelling of the path (/bookings/) is no route and books nothing', async () => {
    const host = await register(stack, 'host');
    const guest = await register(stack, 'guest');
    const { listingId } = await publishedListing(stack, host);
    const body = { listingId, checkIn: day(stack, 8), checkOut: day(stack, 9), guests: 1, paymentMethod: 'tok_visa' };
    const headers = { 'Idempotency-Key': 'one-route-two-spellings' };
    const first = await stack.command.post('/bookings', body, { token: guest.token, headers });
    const slash = await stack.command.post('/bookings/', body, { token: guest.token, headers });
    const again = await stack.command.post('/bookings', body, { token: guest.token, headers });
    expect([first.status, slash.status, again.status]).toEqual([201, 404, 201]);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await bookingsOf(guest.userId)).toHaveLength(1);
  });

  it('Idempotency-Key: a refused booking records nothing, so its retry is decided again', async () => {
    const host = await register(stack, 'host');
    const guest = await register(stack, 'guest');
    const { listingId } = await publishedListing(stack, host);
    const headers = { 'Idempotency-Key': 'refused-then-valid' };
    const past = await stack.command.post(
      '/bookings',
      { listingId, checkIn: day(stack, -3), checkOut: day(stack, -1), guests: 1, paymentMethod: 'tok_visa' },
      { token: guest.token, headers },
    );
    expect(past.status).toBe(422);
    const again = await stack.command.post(
      '/bookings',
      { listingId, checkIn: day(stack, -3), checkOut: day(stack, -1), guests: 1, paymentMethod: 'tok_visa' },
      { token: guest.token, headers },
    );
    expect(again.status).toBe(422);
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    expect(await bookingsOf(guest.userId)).toHaveLength(0);
  });

  it.each([
    ['not JSON', '{"listingId": '],
    ['wrong types', { listingId: 42, checkIn: 'soon', guests: 'two' }],
    ['check-out before check-in', { listingId: 'x', checkIn: '2031-01-05', checkOut: '2031-01-01', guests: 1, paymentMethod: 'tok_visa' }],
    ['negative party', { listingId: 'x', checkIn: '2031-01-01', checkOut: '2031-01-05', guests: -3, paymentMethod: 'tok_visa' }],
    [
      'both dates and slot',
      { listingId: 'x', checkIn: '2031-01-01', checkOut: '2031-01-05', slot: '2031-01-01T19:00:00Z', guests: 1, paymentMethod: 'tok_visa' },
    ],
  ])('bad input (%s) is a 400 problem and stores nothing', async (_name, body) => {
    const guest = await register(stack, 'guest');
    const before = await eventCount(guest.userId);
    const reply = await stack.command.post('/bookings', body, { token: guest.token });
    expect(reply.status).toBe(400);
    isProblem(reply, 400);
    expect(await eventCount(guest.userId)).toBe(before);
  });

  it('a booking for dates in the past or an unknown listing is refused with the rule that was broken', async () => {
    const host = await register(stack, 'host');
    const guest = await register(stack, 'guest');
    const { listingId } = await publishedListing(stack, host);
    const past = await stack.command.post(
      '/bookings',
      { listingId, checkIn: day(stack, -3), checkOut: day(stack, -1), guests: 1, paymentMethod: 'tok_visa' },
      { token: guest.token },
    );
    expect(past.status).toBe(422);
    expect(past.body.code).toBe('STAY_IN_PAST');
    const crowd = await stack.command.post(
      '/bookings',
      { listingId, checkIn: day(stack, 3), checkOut: day(stack, 5), guests: 9, paymentMethod: 'tok_visa' },
      { token: guest.token },
    );
    expect(crowd.status).toBe(422);
    const missing = await stack.command.post(
      '/bookings',
      { listingId: 'nope', checkIn: day(stack, 3), checkOut: day(stack, 5), guests: 1, paymentMethod: 'tok_visa' },
      { token: guest.token },
    );
    expect(missing.status).toBe(404);
    isProblem(missing, 404);
    const own = await stack.command.post(
      '/bookings',
      { listingId, checkIn: day(stack, 3), checkOut: day(stack, 5), guests: 1, paymentMethod: 'tok_visa' },
      { token: host.token },
    );
    expect(own.status).toBe(422);
    expect(own.body.code).toBe('CANNOT_BOOK_OWN_LISTING');
  });

  it('auth: no token is 401, a guest cannot create listings (403), a bad token is 401', async () => {
    const guest = await register(stack, 'guest');
    isProblem(await stack.command.post('/listings', { kind: 'rental' }), 401);
    isProblem(await stack.command.post('/listings', { kind: 'rental' }, { token: guest.token }), 403);
    isProblem(await stack.command.post('/listings', { kind: 'rental' }, { token: `${guest.token}x` }), 401);
    const wrong = await stack.command.post('/auth/login', { email: guest.email, password: 'not the password' });
    isProblem(wrong, 401);
  });

  it('a listing draft is saved step by step, publish names what is missing, If-Match guards edits', async () => {
    const host = await register(stack, 'host');
    const draft = await stack.command.post('/listings', { kind: 'rental', details: { title: 'Half-written' } }, { token: host.token });
    expect(draft.status).toBe(201);
    const id = draft.body.listingId;
    const early = await stack.command.post(`/listings/${id}/publish`, {}, { token: host.token });
    expect(early.status).toBe(422);
    expect(early.body.details.missing).toEqual(expect.arrayContaining(['description', 'photos', 'location']));

    const { title: _title, ...rest } = listingDetails();
    const saved = await stack.command.put(`/listings/${id}`, rest, { token: host.token, headers: { 'If-Match': draft.headers.get('etag')! } });
    expect(saved.status).toBe(200);
    const stale = await stack.command.put(
      `/listings/${id}`,
      { title: 'Lost update' },
      { token: host.token, headers: { 'If-Match': draft.headers.get('etag')! } },
    );
    expect(stale.status).toBe(412);
    isProblem(stale, 412);
    const other = await register(stack, 'host', 'other-host');
    expect((await stack.command.put(`/listings/${id}`, { title: 'Mine now' }, { token: other.token })).status).toBe(403);
    expect((await stack.command.post(`/listings/${id}/publish`, {}, { token: host.token })).status).toBe(200);
  });

  it('serves the OpenAPI documents generated from the schemas, with a browsable page', async () => {
    const command = await stack.command.get('/openapi.json');
    expect(command.body.openapi).toBe('3.1.0');
    expect(Object.keys(command.body.paths)).toEqual(expect.arrayContaining(['/auth/register', '/listings/{id}', '/bookings', '/bookings/{id}/approve']));
    expect(command.body.paths['/bookings'].post.requestBody.content['application/json'].schema.properties.guests.type).toBe('integer');
    // What each route really answers and takes: statuses, headers, who may call it.
    expect(Object.keys(command.body.paths['/bookings'].post.responses)).toEqual(['201', '4XX', '5XX']);
    expect(Object.keys(command.body.paths['/auth/register'].post.responses)).toEqual(['202', '4XX', '5XX']);
    expect(command.body.paths['/auth/login'].post.security).toEqual([]);
    expect(command.body.paths['/bookings'].post.security).toEqual([{ bearer: [] }]);
    expect(command.body.paths['/bookings'].post.parameters.map((p: { name: string }) => p.name)).toContain('Idempotency-Key');
    expect(command.body.paths['/listings/{id}'].put.parameters.map((p: { name: string }) => p.name)).toContain('if-match');
    expect(command.body.paths['/bookings'].post.requestBody.content['application/json'].schema.additionalProperties).toBe(false);
    const query = await stack.query.get('/openapi.json');
    expect(Object.keys(query.body.paths)).toEqual(expect.arrayContaining(['/listings/search', '/me/bookings', '/host/bookings']));
    const availability = query.body.paths['/listings/{id}/availability'].get.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`);
    expect(availability).toEqual(expect.arrayContaining(['path:id', 'query:from', 'query:to', 'query:slots', 'header:X-Consistency-Token']));
    expect(query.body.paths['/listings/search'].get.parameters.find((p: { name: string }) => p.name === 'pageSize').schema).toMatchObject({
      type: 'integer',
      maximum: 100,
    });
    expect((await stack.command.get('/docs/')).status).toBe(200);
    expect((await stack.command.get('/health')).body.status).toBe('ok');
    expect((await stack.query.get('/metrics')).status).toBe(401);
  });

  it('a guest changes the dates of a confirmed stay, overlapping the old nights, and can cancel it', async () => {
    const host = await register(stack, 'host');
    const guest = await register(stack, 'guest');
    const { listingId } = await publishedListing(stack, host, 'rental', { title: 'Movable flat' });
    const booked = await stack.command.post(
      '/bookings',
      { listingId, checkIn: day(stack, 20), checkOut: day(stack, 23), guests: 1, paymentMethod: 'tok_visa' },
      { token: guest.token },
    );
    const bookingPath = `/bookings/${booked.body.bookingId}`;
    await waitUntil(
      async () => (await stack.query.get(bookingPath, { token: guest.token })).body,
      (b) => b.status === 'confirmed',
    );
    const moved = await stack.command.patch(bookingPath, { checkIn: day(stack, 21), checkOut: day(stack, 25) }, { token: guest.token });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect(moved.body.stay).toEqual({ kind: 'nights', checkIn: day(stack, 21), checkOut: day(stack, 25) });
    const other = await register(stack, 'guest', 'other-guest');
    expect((await stack.command.patch(`/bookings/${booked.body.bookingId}`, { guests: 2 }, { token: other.token })).status).toBe(404);
    const after = await stack.query.get(`/listings/${listingId}/availability?from=${day(stack, 20)}&to=${day(stack, 25)}&after=${moved.body.consistencyToken}`);
    expect(after.status).toBe(200);

    // The fourth night is charged as a second payment; cancelling 20 days ahead (flexible) gives both back.
    await waitUntil(
      async () => (await stack.query.get(bookingPath, { token: guest.token })).body,
      (b) => b.paid?.amount === 4 * 12_000,
    );
    const cancelled = await stack.command.post(`${bookingPath}/cancel`, { reason: 'plans changed' }, { token: guest.token });
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    const view = await waitUntil(
      async () => (await stack.query.get(bookingPath, { token: guest.token })).body,
      (b) => b.refunded?.amount === 4 * 12_000,
    );
    expect(view).toMatchObject({ status: 'cancelled', total: { amount: 48_000 }, paid: { amount: 48_000 }, refunded: { amount: 48_000 } });
  });
});

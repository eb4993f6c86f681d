import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Reply, type Stack } from '../harness.ts';
import { SimulatedMailServer } from '@stayhub/notifications/testing';
import { day, listingDetails, login, publishedListing, register, waitUntil } from '../fixtures.ts';

/*
 * Findings of an outside review, one test each: paths that dodge limits, fields that are silently
 * dropped, text the database cannot store, forged tokens, and what the public may read.
 */
const ADMIN_EMAIL = 'ops@hardening.test';
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ workflows: 'manual', settings: { ADMIN_EMAILS: ADMIN_EMAIL, RATE_LIMIT_AUTH_PER_IP: 40 } });
});
afterAll(async () => {
  await stack?.stop();
});

const eventCount = async () => (await stack.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM es_events')).rows[0]!.n;
const problem = (reply: Reply, status: number) => {
  expect(reply.status, JSON.stringify(reply.body)).toBe(status);
  expect(reply.headers.get('content-type')).toContain('application/problem+json');
  return reply.body as { detail: string; errors?: { path: string; code: string }[] };
};

describe('routing is exact', () => {
  it('a path in other case or with a trailing slash is no route: 404, nothing stored, no limit dodged', async () => {
    const guest = await register(stack, 'guest');
    const host = await register(stack, 'host');
    const { listingId } = await publishedListing(stack, host);
    const before = await eventCount();
    const body = { listingId, checkIn: day(stack, 5), checkOut: day(stack, 6), guests: 1, paymentMethod: 'tok_visa' };
    problem(await stack.command.post('/bookings/', body, { token: guest.token }), 404);
    problem(await stack.command.post('/Bookings', body, { token: guest.token }), 404);
    problem(await stack.command.post('/AUTH/login', { email: guest.email, password: 'correct horse battery' }), 404);
    problem(await stack.query.get(`/LISTINGS/${listingId}`), 404);
    problem(await stack.query.get(`/listings/${listingId}/`), 404);
    expect(await eventCount()).toBe(before);
  });

  it('the auth limiter counts every call of the auth routes from one address', async () => {
    const tight = await startStack({ workflows: 'manual', settings: { RATE_LIMIT_AUTH_PER_IP: 3 } });
    try {
      const attempt = (path: string) => tight.command.post(path, { email: 'nobody@example.com', password: 'wrong password here' });
      expect((await attempt('/auth/login')).status).toBe(401);
      expect((await attempt('/AUTH/login')).status).toBe(404);
      expect((await attempt('/auth/login/')).status).toBe(404);
      expect((await attempt('/auth/login')).status).toBe(401);
      expect((await attempt('/auth/login')).status).toBe(401);
      expect((await attempt('/auth/login')).status).toBe(429);
    } finally {
      await tight.stop();
    }
  });
});

describe('strict input', () => {
  it('an unknown body field, at the top or nested, is a 400 naming it', async () => {
    const host = await register(stack, 'host');
    const before = await eventCount();
    const top = problem(await stack.command.post('/listings', { kind: 'rental', isAdmin: true }, { token: host.token }), 400);
    expect(top.detail).toContain('isAdmin');
    expect(top.errors).toEqual([expect.objectContaining({ path: 'isAdmin', code: 'unrecognized_keys' })]);
    const nested = problem(await stack.command.post('/listings', { kind: 'rental', details: { title: 'Flat', priceOverride: 1 } }, { token: host.token }), 400);
    expect(nested.detail).toContain('details.priceOverride');
    const deeper = problem(
      await stack.command.post(
        '/listings',
        { kind: 'rental', details: listingDetails({ location: { ...listingDetails().location, floor: 3 } }) },
        { token: host.token },
      ),
      400,
    );
    expect(deeper.detail).toContain('details.location.floor');
    // A route that takes no body takes no fields either.
    const { listingId } = await publishedListing(stack, host);
    expect(problem(await stack.command.post(`/listings/${listingId}/unlist`, { force: true }, { token: host.token }), 400).detail).toContain('force');
    expect(await eventCount()).toBe(before + 2);
  });

  it('an unknown query parameter is a 400 naming it, on every API', async () => {
    const guest = await register(stack, 'guest');
    expect(problem(await stack.query.get('/listings/search?q=flat&limit=5'), 400).detail).toContain('limit');
    expect(problem(await stack.query.get('/me/bookings?scope=all&userId=someone', { token: guest.token }), 400).detail).toContain('userId');
    expect(problem(await stack.query.get('/products/search?q=tv&colour=red'), 400).detail).toContain('colour');
    // Product attributes are open-ended by design: attr.<name> is a parameter, checked on its own.
    expect((await stack.query.get('/products/search?q=tv&attr.colour=red')).status).toBe(200);
    expect(problem(await stack.command.post('/auth/login?debug=1', { email: guest.email, password: 'correct horse battery' }), 400).detail).toContain('debug');
  });

  it('integers in query strings are decimal: 0x10, 1e1 and blanks are refused', async () => {
    for (const value of ['0x10', '1e1', '%2010', '', '1.0', '+5']) {
      const body = problem(await stack.query.get(`/listings/search?pageSize=${value}`), 400);
      expect(body.errors?.[0]?.path).toBe('pageSize');
    }
    expect((await stack.query.get('/listings/search?pageSize=16')).status).toBe(200);
  });

  it('a NUL character or an unpaired surrogate is a 400 wherever it is sent, and stores nothing', async () => {
    const host = await register(stack, 'host');
    const before = await eventCount();
    const raw = (path: string, json: string) => stack.command.call('POST', path, { token: host.token, body: json });
    problem(await raw('/listings', '{"kind":"rental","details":{"title":"Flat\\u0000"}}'), 400);
    problem(await raw('/listings', '{"kind":"rental","details":{"title":"Flat \\ud800"}}'), 400);
    problem(await raw('/listings', '{"kind":"rental","details":{"title":"Flat","amenities":["\\udfff wifi"]}}'), 400);
    problem(await raw('/listings', '{"kind":"rental","details\\u0000":{}}'), 400);
    problem(await stack.command.put('/listings/abc%00def', { title: 'x' }, { token: host.token }), 400);
    problem(await stack.query.get('/listings/search?q=flat%00'), 400);
    problem(await stack.query.get('/listings/abc%00'), 400);
    // A surrogate pair (an emoji) is fine.
    expect((await raw('/listings', '{"kind":"rental","details":{"title":"Flat \\ud83c\\udfe0"}}')).status).toBe(201);
    expect(await eventCount()).toBe(before + 1);
  });
});

describe('tokens and metadata', () => {
  it('a JWT without an expiry is refused, even when its signature is right', async () => {
    const guest = await register(stack, 'guest');
    const forever = await new SignJWT({ role: 'guest', email: guest.email })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(guest.userId)
      .setIssuer('stayhub')
      .setIssuedAt()
      .sign(new TextEncoder().encode('test-secret-test-secret-test-secret-0123456789'));
    problem(await stack.query.get('/me/bookings', { token: forever }), 401);
    expect((await stack.query.get('/me/bookings', { token: guest.token })).status).toBe(200);
  });

  it('X-Correlation-Id and traceparent are checked and bounded before events carry them', async () => {
    const host = await register(stack, 'host');
    const before = await eventCount();
    const create = (headers: Record<string, string>) => stack.command.post('/listings', { kind: 'rental' }, { token: host.token, headers });
    expect(problem(await create({ 'X-Correlation-Id': 'x'.repeat(129) }), 400).detail).toContain('x-correlation-id');
    problem(await create({ 'X-Correlation-Id': 'two words' }), 400);
    problem(await create({ traceparent: 'not-a-trace' }), 400);
    problem(await create({ traceparent: '' }), 400);
    // Without a token the answer is 401 first, whatever else is wrong.
    problem(await stack.command.post('/listings', { kind: 'rental' }, { headers: { traceparent: 'not-a-trace' } }), 401);
    expect(await eventCount()).toBe(before);
    // Not even a replay of a stored answer skips the check.
    expect((await create({ 'Idempotency-Key': 'replayed-key' })).status).toBe(201);
    problem(await create({ 'Idempotency-Key': 'replayed-key', traceparent: '' }), 400);
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const created = await create({ 'X-Correlation-Id': 'checkout-42', traceparent });
    expect(created.status).toBe(201);
    const { rows } = await stack.pool.query('SELECT metadata FROM es_events WHERE stream_id = $1', [`listing-${created.body.listingId}`]);
    expect(rows[0].metadata).toMatchObject({ correlationId: 'checkout-42', traceparent });
  });

  it('a consistency token beyond the newest write is a 400 at once, in the query or the header', async () => {
    const guest = await register(stack, 'guest');
    const forged = `${'9'.repeat(20)}-${'9'.repeat(20)}`;
    expect(problem(await stack.query.get(`/me/bookings?after=${forged}`, { token: guest.token }), 400).detail).toContain('consistency token');
    problem(await stack.query.get('/listings/search', { headers: { 'X-Consistency-Token': forged } }), 400);
    const host = await register(stack, 'host');
    const { consistencyToken } = await publishedListing(stack, host);
    expect((await stack.query.get(`/listings/search?after=${consistencyToken}`)).status).toBe(200);
  });
});

describe('accounts', () => {
  it('registration answers the same for a taken email, and the mail tells the owner what happened', async () => {
    const mail = new SimulatedMailServer();
    const own = await startStack({ workflows: 'auto', notifier: mail });
    try {
      const email = 'ada@accounts.test';
      const first = await own.command.post('/auth/register', { email, password: 'correct horse battery', name: 'Ada', role: 'host' });
      const second = await own.command.post('/auth/register', { email: 'ADA@accounts.test', password: 'attacker password', name: 'Mallory' });
      expect(second.status).toBe(first.status);
      expect(first.status).toBe(202);
      expect(second.body).toEqual(first.body);
      expect(second.headers.get('location')).toBe(first.headers.get('location'));
      const mails = await waitUntil(
        async () => mail.to(email),
        (sent) => sent.length === 2,
      );
      expect(mails.map((m) => m.template).sort()).toEqual(['account.exists', 'account.welcome']);
      expect(JSON.stringify(mails.find((m) => m.template === 'account.exists')!.data)).not.toContain('Mallory');
      // The owner's account is untouched; the second password opens nothing.
      expect((await own.command.post('/auth/login', { email, password: 'correct horse battery' })).body.role).toBe('host');
      problem(await own.command.post('/auth/login', { email, password: 'attacker password' }), 401);
    } finally {
      await own.stop();
    }
  });
});

describe('operators only', () => {
  it('/metrics needs an admin token on both APIs', async () => {
    const guest = await register(stack, 'guest');
    expect((await stack.command.post('/auth/register', { email: ADMIN_EMAIL, password: 'correct horse battery', name: 'Ops' })).status).toBeLessThan(300);
    const admin = await login(stack, { email: ADMIN_EMAIL });
    for (const api of [stack.command, stack.query]) {
      problem(await api.get('/metrics'), 401);
      problem(await api.get('/metrics', { token: guest.token }), 403);
      const metrics = await api.get('/metrics', { token: admin });
      expect(metrics.status).toBe(200);
      expect(metrics.body).toContain('http_request_duration_seconds');
    }
  });
});

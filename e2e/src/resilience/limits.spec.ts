import { afterAll, describe, expect, it } from 'vitest';
import type { SecuritySettings } from '@stayhub/platform-kit';
import { startStack, type Stack } from '../harness.ts';
import { day, publishedListing, register } from '../fixtures.ts';

const stacks: Stack[] = [];
afterAll(async () => {
  await Promise.all(stacks.map((stack) => stack.stop()));
});
const tight = async (settings: Partial<SecuritySettings>) => {
  const stack = await startStack({ workflows: 'manual', settings });
  stacks.push(stack);
  return stack;
};
const eventCount = async (stack: Stack) => (await stack.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM es_events')).rows[0]!.n;
const tooMany = (reply: { status: number; headers: Headers; body: any }) => {
  expect(reply.status, JSON.stringify(reply.body)).toBe(429);
  expect(reply.headers.get('content-type')).toContain('application/problem+json');
  expect(Number(reply.headers.get('retry-after'))).toBeGreaterThan(0);
  return reply.body as { detail: string };
};

describe('rate limits', () => {
  it('POST /bookings: per user, then per client address; a refused request stores nothing', async () => {
    const stack = await tight({ RATE_LIMIT_BOOKINGS_PER_USER: 3, RATE_LIMIT_BOOKINGS_PER_IP: 6 });
    const host = await register(stack, 'host');
    const first = await register(stack, 'guest');
    const second = await register(stack, 'guest');
    const { listingId } = await publishedListing(stack, host);
    const book = (guest: { token: string }, n: number) =>
      stack.command.post(
        '/bookings',
        { listingId, checkIn: day(stack, 10 + 2 * n), checkOut: day(stack, 11 + 2 * n), guests: 1, paymentMethod: 'tok_visa' },
        { token: guest.token },
      );

    for (let n = 0; n < 3; n++) expect((await book(first, n)).status).toBe(201);
    const before = await eventCount(stack);
    const limited = await book(first, 3);
    expect(tooMany(limited).detail).toContain('bookings-per-user');
    expect(limited.headers.get('ratelimit-policy')).toContain('q=3');
    expect(await eventCount(stack)).toBe(before);

    // Another user from the same address still books, until the address has used its share.
    expect((await book(second, 4)).status).toBe(201);
    expect((await book(second, 5)).status).toBe(201);
    expect(tooMany(await book(second, 6)).detail).toContain('bookings-per-address');
    // Other routes are not limited.
    expect((await stack.command.post('/listings', { kind: 'rental' }, { token: host.token })).status).toBe(201);
  });

  it('/auth/*: per client address; wrong passwords for one email from one address wait longer each time, and no account is locked', async () => {
    const stack = await tight({ RATE_LIMIT_AUTH_PER_IP: 9, LOGIN_MAX_FAILURES: 2, LOGIN_FAILURE_WINDOW_SECONDS: 600 });
    const victim = await register(stack, 'guest');
    const login = (password: string, email = victim.email) => stack.command.post('/auth/login', { email, password });
    for (let attempt = 0; attempt < 3; attempt++) expect((await login('wrong password guess')).status).toBe(401);
    // The third failure costs a second's wait for this email from here, whatever the spelling or password.
    const waiting = tooMany(await login('correct horse battery', ` ${victim.email.toUpperCase()} `.trim()));
    expect(waiting.detail).toContain('failed logins');
    stack.clock.advance(1_000);
    expect((await login('wrong password again')).status).toBe(401);
    expect(tooMany(await stack.command.post('/auth/login', { email: victim.email, password: 'correct horse battery' })).detail).toContain('failed logins');
    // Waiting it out, the owner logs in: nothing was locked.
    stack.clock.advance(2_000);
    expect((await login('correct horse battery')).status).toBe(200);
    // Nine /auth calls from this address (sign-up is register + log-in): the tenth is refused whatever it is.
    expect(
      tooMany(await stack.command.post('/auth/register', { email: 'late@example.com', password: 'correct horse battery', name: 'Late' })).detail,
    ).toContain('auth-per-address');
  });
});

describe('HTTP hardening', () => {
  it('CORS answers only the configured origins; security headers on both APIs', async () => {
    const stack = await tight({ CORS_ORIGINS: 'https://app.stayhub.test, https://admin.stayhub.test' });
    for (const api of [stack.command, stack.query]) {
      const allowed = await api.get('/health', { headers: { origin: 'https://admin.stayhub.test' } });
      expect(allowed.headers.get('access-control-allow-origin')).toBe('https://admin.stayhub.test');
      const other = await api.get('/health', { headers: { origin: 'https://evil.example' } });
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
      const preflight = await api.call('OPTIONS', '/listings/search', {
        headers: { origin: 'https://app.stayhub.test', 'access-control-request-method': 'POST' },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.stayhub.test');

      // A caller that is no browser page on another origin gets no CORS headers, only Vary: Origin.
      const direct = await api.get('/health');
      expect([...direct.headers.keys()].filter((name) => name.startsWith('access-control-'))).toEqual([]);
      expect(direct.headers.get('vary')).toContain('Origin');
      expect(allowed.headers.get('access-control-expose-headers')).toContain('X-Consistency-Token');

      // Security headers on every answer, with or without Origin, success or problem.
      const problem = await api.get('/no-such-route');
      expect(problem.status).toBe(404);
      for (const answer of [allowed, direct, problem]) {
        expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
        expect(answer.headers.get('strict-transport-security')).toContain('max-age=');
        expect(answer.headers.get('x-frame-options')).toBe('SAMEORIGIN');
        expect(answer.headers.get('x-powered-by')).toBeNull();
      }
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY } from '@stayhub/event-sourcing';
import { startStack, type Stack } from './harness.ts';
import { day, login, publishedListing, register, waitUntil } from './fixtures.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ workflows: 'manual' });
});
afterAll(async () => {
  await stack?.stop();
});

const reviewsOf = async (listingId: string, after?: string) => (await stack.query.get(`/listings/${listingId}/reviews${after ? `?after=${after}` : ''}`)).body;

/** A one-night stay booked and over: its host, guest, listing and the path its reviews are posted to. */
const afterAStay = async (names: { host?: string; guest: string }, title: string) => {
  const host = await register(stack, 'host', names.host);
  const guest = await register(stack, 'guest', names.guest);
  const { listingId } = await publishedListing(stack, host, 'rental', { title });
  const booked = await stack.command.post(
    '/bookings',
    { listingId, checkIn: day(stack, 2), checkOut: day(stack, 3), guests: 1, paymentMethod: 'tok_visa' },
    { token: guest.token },
  );
  await stack.runDueTasks();
  stack.clock.advance(4 * DAY);
  await stack.runDueTasks();
  return { host, guest, listingId, path: `/bookings/${booked.body.bookingId}/reviews` };
};

describe('double-blind reviews', () => {
  it('neither review shows until both are in; then both, with the guest first name and the listing rating', async () => {
    const host = await register(stack, 'host', 'Hana');
    const guest = await register(stack, 'guest', 'Gil');
    const { listingId } = await publishedListing(stack, host, 'rental', { title: 'Reviewed flat' });
    const booked = await stack.command.post(
      '/bookings',
      { listingId, checkIn: day(stack, 2), checkOut: day(stack, 4), guests: 1, paymentMethod: 'tok_visa' },
      { token: guest.token },
    );
    expect(booked.status).toBe(201);
    await stack.runDueTasks();
    stack.clock.advance(5 * DAY);
    await stack.runDueTasks();
    const path = `/bookings/${booked.body.bookingId}/reviews`;

    const first = await stack.command.post(path, { rating: 4, comment: 'Bright and quiet' }, { token: await login(stack, guest) });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(await reviewsOf(listingId, first.body.consistencyToken)).toMatchObject({ items: [], rating: { average: null, count: 0 } });

    const second = await stack.command.post(path, { rating: 5, comment: 'A tidy guest' }, { token: await login(stack, host) });
    expect(second.status, JSON.stringify(second.body)).toBe(201);
    const shown = await waitUntil(
      () => reviewsOf(listingId, second.body.consistencyToken),
      (r) => r.items?.length === 1,
    );
    expect(shown).toMatchObject({
      items: [{ rating: 4, comment: 'Bright and quiet', stayMonth: day(stack, -3).slice(0, 7), guestFirstName: 'Gil' }],
      rating: { average: 4, count: 1 },
    });

    // both public profiles show them: the host's with what the guest wrote, the guest's with how many hosts wrote
    const hostProfile = await stack.query.get(`/users/${host.userId}?after=${second.body.consistencyToken}`);
    expect(hostProfile.status).toBe(200);
    expect(hostProfile.body).toMatchObject({
      firstName: 'Hana',
      reviews: { asHost: { average: 4, count: 1, recent: [{ rating: 4, comment: 'Bright and quiet', guestFirstName: 'Gil' }] }, asGuest: { count: 0 } },
    });
    const guestProfile = await stack.query.get(`/users/${guest.userId}?after=${second.body.consistencyToken}`);
    expect(guestProfile.body).toMatchObject({ firstName: 'Gil', reviews: { asHost: { average: null, count: 0, recent: [] }, asGuest: { count: 1 } } });
    expect(JSON.stringify(guestProfile.body)).not.toContain('A tidy guest');
  });

  it('what hosts wrote about a guest: for the guest and for hosts with a request from them, never for others', async () => {
    const { host, guest, path } = await afterAStay({ host: 'Hugo', guest: 'Gwen' }, 'Guest-reviewed flat');
    expect((await stack.command.post(path, { rating: 5, comment: 'Lovely' }, { token: await login(stack, guest) })).status).toBe(201);
    const second = await stack.command.post(path, { rating: 4, comment: 'Quiet and tidy' }, { token: await login(stack, host) });
    expect(second.status).toBe(201);

    const about = `/users/${guest.userId}/reviews`;
    const hostToken = await login(stack, host);
    const seen = await waitUntil(
      () => stack.query.get(about, { token: hostToken }),
      (r) => r.body?.items?.length === 1,
    );
    expect(seen.body).toMatchObject({ items: [{ rating: 4, comment: 'Quiet and tidy', hostFirstName: 'Hugo' }], rating: { average: 4, count: 1 } });
    expect((await stack.query.get(about, { token: await login(stack, guest) })).status).toBe(200);

    const stranger = await register(stack, 'host', 'Sam');
    const refused = await stack.query.get(about, { token: stranger.token });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect((await stack.query.get(about)).status).toBe(401);
    // once the guest asks the stranger for a stay, the stranger may read it before answering
    const { listingId: other } = await publishedListing(stack, stranger, 'rental', { title: 'Request-only flat', instantBook: false });
    const request = await stack.command.post(
      '/bookings',
      { listingId: other, checkIn: day(stack, 10), checkOut: day(stack, 11), guests: 1, paymentMethod: 'tok_visa' },
      { token: await login(stack, guest) },
    );
    expect(request.status).toBe(201);
    const allowed = await waitUntil(
      () => stack.query.get(`${about}?after=${request.body.consistencyToken}`, { token: stranger.token }),
      (r) => r.status === 200,
    );
    expect(allowed.body.items).toHaveLength(1);
  });

  it('a lone review shows once the 14-day window closes; later reviews are refused', async () => {
    const { host, guest, listingId, path } = await afterAStay({ guest: 'Lou' }, 'Quiet flat');
    expect((await stack.command.post(path, { rating: 3, comment: 'Fine' }, { token: await login(stack, guest) })).status).toBe(201);

    stack.clock.advance(15 * DAY);
    await stack.runDueTasks();
    const late = await stack.command.post(path, { rating: 1 }, { token: await login(stack, host) });
    expect(late.status).toBe(422);
    expect(late.body.code).toBe('REVIEW_NOT_ALLOWED');
    const shown = await waitUntil(
      () => reviewsOf(listingId),
      (r) => r.items?.length === 1,
    );
    expect(shown.items[0]).toMatchObject({ rating: 3, comment: 'Fine', guestFirstName: 'Lou' });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bookings, calendar, monthOf } from '@stayhub/domain';
import { HOUR, MINUTE } from '@stayhub/event-sourcing';
import { startStack, type Stack } from './harness.ts';
import { day, login, publishedListing, register } from './fixtures.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ workflows: 'manual' });
});
afterAll(async () => {
  await stack?.stop();
});

const statusOf = async (bookingId: string) => (await stack.side.deps.processor.load(bookings.bookingStreamId(bookingId), bookings.bookingDecider)).state.status;

describe('durable deadlines (the clock is moved, the runner restarted)', () => {
  it('a request the host does not answer expires after 24 h and frees its nights', async () => {
    const host = await register(stack, 'host');
    const guest = await register(stack, 'guest');
    const { listingId } = await publishedListing(stack, host, 'rental', { instantBook: false, title: 'Slow host house' });
    const stay = { listingId, checkIn: day(stack, 50), checkOut: day(stack, 52), guests: 1, paymentMethod: 'tok_visa' };
    const requested = await stack.command.post('/bookings', stay, { token: guest.token });
    expect(requested.status).toBe(201);

    await stack.runDueTasks();
    stack.clock.advance(23 * HOUR);
    await stack.runDueTasks();
    expect(await statusOf(requested.body.bookingId)).toBe('awaiting_approval');
    const again = await stack.command.post('/bookings', stay, { token: await login(stack, guest) });
    expect(again.status, JSON.stringify(again.body)).toBe(409);

    stack.clock.advance(1 * HOUR + MINUTE);
    await stack.runDueTasks();
    expect(await statusOf(requested.body.bookingId)).toBe('request_expired');
    await stack.runDueTasks();
    expect((await stack.command.post('/bookings', stay, { token: await login(stack, guest) })).status).toBe(201);
  });

  it('a hold that no booking follows is released when it expires; a hold its booking owns is not', async () => {
    const host = await register(stack, 'host');
    const guest = await register(stack, 'guest');
    const { listingId } = await publishedListing(stack, host, 'rental', { instantBook: false, title: 'Orphan test house' });
    const unitTypeId = `${listingId}.flat`;
    const nights = [day(stack, 60)];
    const streamId = calendar.calendarStreamId(unitTypeId, monthOf(nights[0]!));
    // A crash between the hold and the booking: the hold is all there is.
    await stack.side.deps.processor.handle(streamId, calendar.calendarDecider, {
      type: 'PlaceHold',
      data: {
        holdId: 'crashed',
        bookingId: 'never-written',
        keys: nights,
        units: 1,
        capacity: 1,
        expiresAt: new Date(stack.clock.now().getTime() + 15 * MINUTE).toISOString(),
        now: stack.clock.now().toISOString(),
      },
    });
    const ownedNight = day(stack, 61);
    const owned = await stack.command.post(
      '/bookings',
      { listingId, checkIn: ownedNight, checkOut: day(stack, 62), guests: 1, paymentMethod: 'tok_visa' },
      { token: guest.token },
    );
    expect(owned.status).toBe(201);
    const blocked = await stack.command.post(
      '/bookings',
      { listingId, checkIn: nights[0], checkOut: day(stack, 61), guests: 1, paymentMethod: 'tok_visa' },
      { token: guest.token },
    );
    expect(blocked.status).toBe(409);

    await stack.runDueTasks();
    await stack.stopWorkflows(); // a restart of the runner in between changes nothing: tasks are rows
    stack.clock.advance(16 * MINUTE);
    await stack.runDueTasks();

    const { state } = await stack.side.deps.processor.load(streamId, calendar.calendarDecider);
    expect(calendar.holdOf(state, 'crashed')?.status).toBe('released');
    // The owned night may fall in the next month (then in another calendar stream), whatever today is.
    const ownedMonth = await stack.side.deps.processor.load(calendar.calendarStreamId(unitTypeId, monthOf(ownedNight)), calendar.calendarDecider);
    expect(calendar.holdOf(ownedMonth.state, owned.body.bookingId)?.status).toBe('held');
    expect(await statusOf(owned.body.bookingId)).toBe('awaiting_approval');
  });

  it('a confirmed stay completes after check-out; cancelling before pays the refund the policy gives', async () => {
    const host = await register(stack, 'host');
    const guest = await register(stack, 'guest');
    const { listingId } = await publishedListing(stack, host, 'rental', { title: 'Flexible flat', cancellationPolicy: 'flexible' });
    const kept = await stack.command.post(
      '/bookings',
      { listingId, checkIn: day(stack, 5), checkOut: day(stack, 7), guests: 1, paymentMethod: 'tok_visa' },
      { token: guest.token },
    );
    const cancelled = await stack.command.post(
      '/bookings',
      { listingId, checkIn: day(stack, 10), checkOut: day(stack, 12), guests: 1, paymentMethod: 'tok_visa' },
      { token: guest.token },
    );
    await stack.runDueTasks();
    expect(await statusOf(kept.body.bookingId)).toBe('confirmed');

    const cancel = await stack.command.post(`/bookings/${cancelled.body.bookingId}/cancel`, { reason: 'plans changed' }, { token: guest.token });
    expect(cancel.status).toBe(200);
    await stack.runDueTasks();
    const { state } = await stack.side.deps.processor.load(bookings.bookingStreamId(cancelled.body.bookingId), bookings.bookingDecider);
    expect(state).toMatchObject({ status: 'cancelled', refunded: { amount: 24_000, currency: 'EUR' } });

    stack.clock.advance(8 * 24 * HOUR);
    await stack.runDueTasks();
    const { rows } = await stack.pool.query('SELECT task_id, last_error, due_at, done_at FROM workflow_tasks WHERE last_error IS NOT NULL');
    expect(rows).toEqual([]);
    expect(await statusOf(kept.body.bookingId)).toBe('completed');
    // Eight days on, the old token has expired: log in again.
    expect((await stack.command.post(`/bookings/${kept.body.bookingId}/reviews`, { rating: 5 }, { token: guest.token })).status).toBe(401);
    const review = await stack.command.post(`/bookings/${kept.body.bookingId}/reviews`, { rating: 5, comment: 'Lovely' }, { token: await login(stack, guest) });
    expect(review.status).toBe(201);
  });
});

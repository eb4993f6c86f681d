import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bookings } from '@stayhub/domain';
import { MINUTE } from '@stayhub/event-sourcing';
import { SimulatedMailServer } from '@stayhub/notifications/testing';
import { startStack, type Stack } from '../harness.ts';
import { day, publishedListing, register } from '../fixtures.ts';
import { mailTasks, runDueTasksSettled } from './settle.ts';

let mail: SimulatedMailServer;
let stack: Stack;
beforeAll(async () => {
  mail = new SimulatedMailServer();
  stack = await startStack({ notifier: mail, workflows: 'manual' });
});
afterAll(async () => {
  await stack?.stop();
});

const statusOf = async (bookingId: string) => (await stack.side.deps.processor.load(bookings.bookingStreamId(bookingId), bookings.bookingDecider)).state.status;
describe('mail server down', () => {
  it('delays the mails and nothing else; each goes out once when the server is back', async () => {
    mail.down();
    const host = await register(stack, 'host');
    const guest = await register(stack, 'guest');
    const { listingId } = await publishedListing(stack, host, 'rental', { title: 'Quiet mail flat' });
    const { listingId: requestOnly } = await publishedListing(stack, host, 'rental', { title: 'Ask first flat', instantBook: false });
    const stay = (from: number, id = listingId) => ({
      listingId: id,
      checkIn: day(stack, from),
      checkOut: day(stack, from + 2),
      guests: 1,
      paymentMethod: 'tok_visa',
    });

    // Booking, paying, cancelling and declining all work while mail is down.
    const kept = await stack.command.post('/bookings', stay(10), { token: guest.token });
    const cancelled = await stack.command.post('/bookings', stay(20), { token: guest.token });
    const declined = await stack.command.post('/bookings', stay(10, requestOnly), { token: guest.token });
    expect([kept.status, cancelled.status, declined.status]).toEqual([201, 201, 201]);
    await runDueTasksSettled(stack);
    await runDueTasksSettled(stack);
    expect((await stack.command.post(`/bookings/${cancelled.body.bookingId}/cancel`, { reason: 'plans changed' }, { token: guest.token })).status).toBe(200);
    expect((await stack.command.post(`/bookings/${declined.body.bookingId}/decline`, { reason: 'closed for works' }, { token: host.token })).status).toBe(200);
    for (let round = 0; round < 3; round++) {
      await runDueTasksSettled(stack);
      stack.clock.advance(MINUTE);
    }
    expect(await statusOf(kept.body.bookingId)).toBe('confirmed');
    expect(await statusOf(cancelled.body.bookingId)).toBe('cancelled');
    expect(await statusOf(declined.body.bookingId)).toBe('declined');
    expect(mail.outbox()).toEqual([]);
    // Eight booking mails (the request to its host among them), and the welcome of each of the two new users.
    expect(mail.attempts).toBeGreaterThanOrEqual(10);
    expect((await mailTasks(stack)).pending).toBe(10);

    mail.up();
    for (let round = 0; round < 4; round++) {
      stack.clock.advance(2 * MINUTE);
      await runDueTasksSettled(stack);
    }
    expect(await mailTasks(stack)).toMatchObject({ pending: 0, parked: 0 });
    const sent = (to: string) =>
      mail
        .to(to)
        .filter((m) => m.template.startsWith('booking.'))
        .map(
          (m) =>
            `${m.template} ${m.data.bookingId === kept.body.bookingId ? 'kept' : m.data.bookingId === cancelled.body.bookingId ? 'cancelled' : 'declined'}`,
        )
        .sort();
    expect(sent(guest.email)).toEqual(['booking.cancelled cancelled', 'booking.confirmed cancelled', 'booking.confirmed kept', 'booking.declined declined']);
    expect(sent(host.email)).toEqual(['booking.cancelled cancelled', 'booking.confirmed cancelled', 'booking.confirmed kept', 'booking.requested declined']);
    expect(new Set(mail.outbox().map((m) => m.idempotencyKey)).size).toBe(10);
    expect([guest.email, host.email].map((to) => mail.to(to).filter((m) => m.template === 'account.welcome').length)).toEqual([1, 1]);
    const refund = mail.to(guest.email).find((m) => m.template === 'booking.cancelled')!.data;
    expect(refund).toMatchObject({ byRole: 'guest', reason: 'plans changed', role: 'guest' });

    // Redelivered events and repeated runs send nothing more.
    await runDueTasksSettled(stack);
    expect(mail.outbox()).toHaveLength(10);
  });
});

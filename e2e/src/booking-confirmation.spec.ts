import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bookings, calendar } from '@stayhub/domain';
import { startStack, type Stack } from './harness.ts';
import { day, publishedListing, register } from './fixtures.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ workflows: 'manual' });
});
afterAll(async () => {
  await stack?.stop();
});

const bookingOf = async (bookingId: string) => (await stack.side.deps.processor.load(bookings.bookingStreamId(bookingId), bookings.bookingDecider)).state;
const eventsOf = async (streamId: string) => (await stack.side.deps.eventStore.readStream(streamId)).events;
const taskRows = async (bookingId: string) =>
  (
    await stack.pool.query<{ task_id: string; last_error: string | null }>("SELECT task_id, last_error FROM workflow_tasks WHERE task->>'bookingId' = $1", [
      bookingId,
    ])
  ).rows;

/** An instant booking over two months (so its hold lives on two calendar streams), not yet paid. */
const instantBooking = async (month: number) => {
  const host = await register(stack, 'host');
  const guest = await register(stack, 'guest');
  const { listingId } = await publishedListing(stack, host, 'rental', { title: `Corner flat ${month}` });
  const booked = await stack.command.post(
    '/bookings',
    { listingId, checkIn: day(stack, 30 * month - 2), checkOut: day(stack, 30 * month + 3), guests: 1, paymentMethod: 'tok_visa' },
    { token: guest.token },
  );
  expect(booked.status, JSON.stringify(booked.body)).toBe(201);
  const booking = await bookingOf(booked.body.bookingId);
  if (booking.status === 'none') throw new Error('no booking');
  const months = calendar.calendarParts(booking.unitTypeId, bookings.stayKeys(booking.stay)).map((p) => p.streamId);
  return { bookingId: booking.bookingId, holdId: booking.holdId, months };
};

describe("an instant booking's payment and its hold's confirmation", () => {
  it('are one append: the capture confirms the booking and its hold on every month, and no task is left to confirm it', async () => {
    const { bookingId, holdId, months } = await instantBooking(2);
    expect(months.length).toBe(2);

    await stack.runDueTasks();

    expect(await bookingOf(bookingId)).toMatchObject({ status: 'confirmed', paid: { amount: expect.any(Number) } });
    const confirmed = (await eventsOf(bookings.bookingStreamId(bookingId))).find((e) => e.type === 'BookingConfirmed')!;
    expect(confirmed.data).toMatchObject({ holdConfirmed: true });
    for (const month of months) {
      const held = (await eventsOf(month)).filter((e) => e.type === 'HoldConfirmed');
      expect(held.map((e) => (e.data as { holdId: string }).holdId)).toEqual([holdId]);
      // written by the same command as the booking's confirmation (one append, one transaction)
      expect(held[0]!.metadata.causationId).toBe(confirmed.metadata.causationId);
    }
    await stack.runDueTasks();
    expect((await taskRows(bookingId)).map((t) => t.task_id)).not.toContain(`confirm-hold:${bookingId}:${holdId}`);
  });

  it('a hold released before the payment does not hold the payment back: it is recorded alone, and the confirmation task meets the released hold as before', async () => {
    const { bookingId, holdId, months } = await instantBooking(3);
    await stack.side.deps.processor.handleAll(
      months.map((streamId) => ({
        streamId,
        decider: calendar.calendarDecider,
        command: { type: 'ReleaseHold', data: { holdId, reason: 'orphaned', now: stack.clock.now().toISOString() } },
      })),
      { actor: 'spec' },
    );

    await stack.runDueTasks();

    expect(await bookingOf(bookingId)).toMatchObject({ status: 'confirmed' });
    const confirmed = (await eventsOf(bookings.bookingStreamId(bookingId))).find((e) => e.type === 'BookingConfirmed')!;
    expect(confirmed.data).not.toHaveProperty('holdConfirmed');
    for (const month of months) expect((await eventsOf(month)).map((e) => e.type)).not.toContain('HoldConfirmed');
    await stack.runDueTasks();
    const task = (await taskRows(bookingId)).find((t) => t.task_id === `confirm-hold:${bookingId}:${holdId}`);
    expect(task?.last_error).toMatch(/released/);
  });
});

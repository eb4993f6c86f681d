import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { bookings, calendar, commerce, identity, listings, payouts } from '@stayhub/domain';
import { WorkflowRunner } from '@stayhub/event-sourcing';
import { pgProjections, projectionStatus } from '@stayhub/projectors';
import { waitUntil } from '../fixtures.ts';
import { startStack, type Stack } from '../harness.ts';
import { arbitraryOf } from './schema-arbitrary.ts';

/** Every event union of the domain, with the stream its events are stored on. */
const unions: [stream: (id: string) => string, schema: z.ZodType<{ type: string; data: unknown }>][] = [
  [(id) => `booking-${id}`, bookings.BookingEvent],
  [(id) => `calendar-${id}-2031-01`, calendar.CalendarEvent],
  [(id) => `cart-${id}`, commerce.CartEvent],
  [(id) => `order-${id}`, commerce.OrderEvent],
  [(id) => `product-${id}`, commerce.ProductEvent],
  [(id) => `stock-${id}`, commerce.StockEvent],
  [(id) => `wishlist-${id}`, commerce.WishlistEvent],
  [(id) => `email-${id}`, identity.EmailEvent],
  [(id) => `user-${id}`, identity.UserEvent],
  [(id) => `listing-${id}`, listings.ListingEvent],
  [(id) => `payouts-${id}`, payouts.PayoutEvent],
];
const storedEvent = fc.oneof(...unions.map(([stream, schema]) => arbitraryOf(schema).map((event) => ({ stream: stream(randomUUID()), event }))));

/**
 * One event every run starts with: a confirmed restaurant booking whose slot lasts the largest
 * integer of minutes. The schema allows it; its stay has no end a Date can hold.
 */
const endlessSlot = () => {
  const [confirmed] = fc.sample(
    arbitraryOf(bookings.BookingEvent).filter((e) => e.type === 'BookingConfirmed'),
    { numRuns: 1, seed: 1 },
  );
  const event = bookings.BookingEvent.parse({
    ...confirmed,
    data: { ...confirmed!.data, stay: { kind: 'slot', start: '2031-01-01T19:00:00.000Z', minutes: Number.MAX_SAFE_INTEGER } },
  });
  return { stream: `booking-${randomUUID()}`, event };
};

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ workflows: 'manual' });
});
afterAll(async () => {
  await stack?.stop();
});

/** Stores an event as the event store would keep it; one PostgreSQL cannot hold (a NUL, a lone surrogate) was never stored. */
const store = async ({ stream, event }: { stream: string; event: { type: string; data: unknown } }): Promise<boolean> =>
  stack.side.deps.eventStore.append(stream, [{ eventId: randomUUID(), type: event.type, data: event.data, metadata: { actor: 'property-test' } }], 'any').then(
    () => true,
    (error: unknown) => {
      if (/unicode|surrogate|\\u0000|0x00|invalid input syntax/i.test(String(error))) return false;
      throw error;
    },
  );

describe('stored events of every type with extreme but schema-valid values', () => {
  it('every workflow and every projection handles or parks each of them, and moves on to the head', async () => {
    const seenTypes = new Set<string>();
    await fc.assert(
      fc.asyncProperty(fc.array(storedEvent, { minLength: 1, maxLength: 8 }), async (events) => {
        for (const event of events) if (await store(event)) seenTypes.add(event.event.type);
        const head = await stack.side.deps.eventStore.headPosition();

        await stack.side.workflows.catchUp();
        const health = await WorkflowRunner.health(stack.pool, stack.clock.now(), { eventStore: stack.side.deps.eventStore });
        expect(health.subscriptions.map((s) => s.workflow).sort()).toEqual(['bookings', 'checkout', 'notifications', 'payouts']);
        for (const s of health.subscriptions)
          expect({ workflow: s.workflow, position: s.position >= head, stuck: s.stuck }).toEqual({ workflow: s.workflow, position: true, stuck: false });

        const names = pgProjections.map((p) => p.name);
        await waitUntil(
          () => projectionStatus(stack.pool, names),
          (all) => all.every((p) => p.position >= head),
          30_000,
        );
      }),
      { numRuns: 40, seed: 9, endOnFailure: true, examples: [[[endlessSlot()]]] },
    );
    // The union covers every event type at least once over the run (on average, each run stores a handful).
    expect(seenTypes.size).toBeGreaterThan(25);
    // What could not be handled is listed with its reason, to be retried after a fix.
    for (const parked of await WorkflowRunner.listParked(stack.pool)) expect(parked.error).not.toBe('');
  });
});

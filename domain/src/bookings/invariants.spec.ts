import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../shared/errors.ts';
import { bookingDecider } from './booking.ts';
import type { BookingCommand } from './commands.ts';
import { BookingEvent } from './events.ts';
import { eur, request } from './fixtures.ts';
import { isActive, netPaid, type BookingState } from './state.ts';
import type { Stay } from './stay.ts';
import { bookingReactions, Reaction } from './workflow.ts';

// Random command sequences against one booking: whatever happens, money and status stay sane.
const START = Date.parse('2026-03-01T10:00:00.000Z');
const actor = fc.constantFrom('guest-1', 'host-1', 'someone');
const stays: Stay[] = [
  { kind: 'nights', checkIn: '2026-04-10', checkOut: '2026-04-13' },
  { kind: 'nights', checkIn: '2026-04-10', checkOut: '2026-04-11' },
  { kind: 'nights', checkIn: '2026-04-08', checkOut: '2026-04-15' },
];
type Step = (bookingId: string, now: string) => BookingCommand;
const step: fc.Arbitrary<Step> = fc.oneof(
  actor.map(
    (actorId): Step =>
      (bookingId, now) => ({ type: 'ApproveBooking', data: { bookingId, now, actorId } }),
  ),
  actor.map(
    (actorId): Step =>
      (bookingId, now) => ({ type: 'DeclineBooking', data: { bookingId, now, actorId } }),
  ),
  fc.constant<Step>((bookingId, now) => ({ type: 'ExpireBookingRequest', data: { bookingId, now } })),
  fc.tuple(fc.constantFrom('p1', 'p2', 'p3'), fc.constantFrom(30_000, 10_000, 5_000)).map(
    ([paymentId, amount]): Step =>
      (bookingId, now) => ({ type: 'RecordPaymentCaptured', data: { bookingId, now, paymentId, amount: eur(amount) } }),
  ),
  fc.constant<Step>((bookingId, now) => ({ type: 'RecordPaymentFailed', data: { bookingId, now, reason: 'declined' } })),
  actor.map(
    (actorId): Step =>
      (bookingId, now) => ({ type: 'CancelBooking', data: { bookingId, now, actorId } }),
  ),
  fc.tuple(actor, fc.constantFrom(...stays), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 2 }), fc.string({ minLength: 1, maxLength: 3 })).map(
    ([actorId, stay, guests, units, hold]): Step =>
      (bookingId, now) => ({
        type: 'ModifyBooking',
        data: {
          bookingId,
          now,
          actorId,
          stay,
          guests,
          units,
          unitType: { name: 'Flat', count: 2, capacity: 3, price: eur(10_000) },
          newHoldId: `hold-${hold}`,
        },
      }),
  ),
  fc.tuple(fc.constantFrom('r1', 'r2'), fc.constantFrom('p1', 'p2', 'p3'), fc.integer({ min: 1, max: 30_000 })).map(
    ([refundId, paymentId, amount]): Step =>
      (bookingId, now) => ({ type: 'RecordRefund', data: { bookingId, now, refundId, paymentId, amount: eur(amount) } }),
  ),
  fc.constant<Step>((bookingId, now) => ({ type: 'CompleteBooking', data: { bookingId, now } })),
  fc.tuple(actor, fc.integer({ min: 0, max: 6 })).map(
    ([actorId, rating]): Step =>
      (bookingId, now) => ({ type: 'ReviewStay', data: { bookingId, now, actorId, rating, comment: '' } }),
  ),
);
const timedSteps = fc.array(fc.tuple(step, fc.integer({ min: 0, max: 60 * 24 * 60 })), { maxLength: 25 });
const terminal = ['declined', 'request_expired', 'payment_failed', 'cancelled'];
const settings = { hostResponseHours: 24, holdTtlMinutes: 15 };

describe('booking invariants', () => {
  it('keeps money and status consistent under any sequence of commands', () => {
    fc.assert(
      fc.property(fc.boolean(), timedSteps, (instantBook, steps) => {
        const first = request({ listing: { ...request().data.listing, instantBook } });
        let state: BookingState = bookingDecider.evolve(bookingDecider.initialState, bookingDecider.decide(first, bookingDecider.initialState)[0]!);
        const minutes = steps.map(([, m]) => m).sort((a, b) => a - b);
        steps.forEach(([make], i) => {
          const now = new Date(START + minutes[i]! * 60_000).toISOString();
          let events: BookingEvent[] = [];
          try {
            events = bookingDecider.decide(make('b1', now), state);
          } catch (error) {
            expect(error).toBeInstanceOf(DomainError);
            return;
          }
          const before = state;
          for (const event of events) {
            expect(BookingEvent.parse(event)).toEqual(event);
            for (const reaction of bookingReactions({ ...event, streamId: 'booking-b1' }, settings)) Reaction.parse(reaction);
            if (event.type === 'BookingCancelled' && before.status !== 'none') expect(event.data.refund.amount).toBeLessThanOrEqual(netPaid(before).amount);
            if (event.type === 'BookingCancelled' || event.type === 'BookingModified') {
              const due = event.type === 'BookingCancelled' ? event.data.refund : event.data.refundDue;
              // every cent going back is placed on a payment, each payment at most what it still holds
              expect((event.data.refunds ?? []).reduce((s, p) => s + p.amount.amount, 0)).toBe(due.amount);
            }
            state = bookingDecider.evolve(state, event);
          }
          if (state.status === 'none') throw new Error('booking vanished');
          expect(state.credited.amount).toBeLessThanOrEqual(state.paid.amount);
          for (const payment of state.payments) expect(payment.credited).toBeLessThanOrEqual(payment.amount);
          if (terminal.includes(before.status) || before.status === 'completed') expect(state.status).toBe(before.status);
          if (state.status === 'confirmed') expect(state.paymentIds.length).toBeGreaterThan(0);
          if (!isActive(before)) expect(events.every((e) => e.type !== 'BookingModified' && e.type !== 'BookingPaid')).toBe(true);
        });
      }),
      { numRuns: 500 },
    );
  });
});

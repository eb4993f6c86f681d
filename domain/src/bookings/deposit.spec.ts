import { describe, expect, it } from 'vitest';
import { fold } from '../shared/decider.ts';
import { specFor, type SpecCase } from '../shared/spec.ts';
import { bookingDecider } from './booking.ts';
import type { BookingCommand } from './commands.ts';
import type { BookingEvent } from './events.ts';
import { completedBooking, confirmed, eur, paid, requested } from './fixtures.ts';
import { netPaid, type Booking } from './state.ts';
import type { Stay } from './stay.ts';
import { bookingReactions } from './workflow.ts';

const spec = specFor(bookingDecider);
type Case = SpecCase<BookingCommand, BookingEvent>;

const START = '2026-04-10T19:00:00.000Z';
const DURING = '2026-04-10T20:00:00.000Z';
const slot: Stay = { kind: 'slot', start: START, minutes: 90 };
const tableConfirmed = (at = '2026-03-01T10:00:00.000Z'): BookingEvent => ({
  type: 'BookingConfirmed',
  data: { bookingId: 'b1', holdId: 'hold-1', unitTypeId: 'ut-1', stay: slot, at },
});
const booked = [requested({ kind: 'restaurant', stay: slot, total: eur(2_000), instantBook: true, guests: 2 }), paid('pay-1', 2_000), tableConfirmed()];
const completedTable = [...booked, { type: 'BookingCompleted', data: { bookingId: 'b1', payout: eur(2_000), at: '2026-04-10T20:30:00.000Z' } } as BookingEvent];

/** `null`: the deadline, nobody's hand. */
const settle = (now = DURING, actorId: string | null = 'host-1'): BookingCommand => ({
  type: 'SettleDeposit',
  data: { bookingId: 'b1', now, ...(actorId ? { actorId } : {}) },
});
const noShow = (now = DURING, actorId = 'host-1'): BookingCommand => ({ type: 'MarkNoShow', data: { bookingId: 'b1', now, actorId } });
const settled = (now = DURING, by: string | null = 'host-1'): BookingEvent => ({
  type: 'BookingDepositSettled',
  data: { bookingId: 'b1', ...(by ? { by } : {}), refund: eur(2_000), refunds: [{ paymentId: 'pay-1', amount: eur(2_000) }], at: now },
});
const markedNoShow: BookingEvent = { type: 'BookingNoShowMarked', data: { bookingId: 'b1', by: 'host-1', kept: eur(2_000), at: DURING } };

describe('restaurant table deposits', () => {
  it.each<Case>([
    { name: 'the vendor marks the bill settled: the deposit goes back', given: booked, when: settle(), then: [settled()] },
    { name: 'also after the slot ended', given: completedTable, when: settle('2026-04-11T09:00:00.000Z'), then: [settled('2026-04-11T09:00:00.000Z')] },
    { name: 'a no-show keeps the deposit', given: booked, when: noShow(), then: [markedNoShow] },
    { name: 'a no-show is marked from the slot start, not before', given: booked, when: noShow('2026-04-10T18:59:00.000Z'), throws: 'DEPOSIT_NOT_ALLOWED' },
    { name: 'settled once', given: [...booked, settled()], when: settle(), throws: 'BOOKING_STATE', details: { deposit: 'settled' } },
    { name: 'not settled after a no-show', given: [...booked, markedNoShow], when: settle(), throws: 'BOOKING_STATE', details: { deposit: 'no_show' } },
    { name: 'only the vendor', given: booked, when: noShow(DURING, 'guest-1'), throws: 'NOT_BOOKING_HOST' },
    { name: 'only a restaurant booking', given: completedBooking, when: settle('2026-04-14T09:00:00.000Z'), throws: 'DEPOSIT_NOT_ALLOWED' },
    { name: 'only a confirmed table', given: [booked[0]!], when: noShow(), throws: 'BOOKING_STATE' },
    {
      name: 'unmarked after the deadline: settled by nobody',
      given: completedTable,
      when: settle('2026-04-11T20:30:00.000Z', null),
      then: [settled('2026-04-11T20:30:00.000Z', null)],
    },
    {
      name: 'the deadline changes nothing once the vendor marked it',
      given: [...completedTable, markedNoShow],
      when: settle('2026-04-11T20:30:00.000Z', null),
      then: [],
    },
    { name: 'the deadline changes nothing on a cancelled or other booking', given: completedBooking, when: settle('2026-04-14T09:00:00.000Z', null), then: [] },
  ])('$name', spec.run);

  it('settled, the guest keeps nothing paid and the deposit is refunded once; a no-show keeps it', () => {
    const back = fold(bookingDecider, [...booked, settled()]) as Booking;
    expect(netPaid(back)).toEqual(eur(0));
    expect(bookingReactions(settled(), { hostResponseHours: 24, holdTtlMinutes: 15 }).map((r) => r.taskId)).toEqual(['refund:b1:settled:pay-1']);
    expect(netPaid(fold(bookingDecider, [...booked, markedNoShow]) as Booking)).toEqual(eur(2_000));
  });

  it('a confirmed table schedules the automatic settlement after its slot, by the configured hours', () => {
    const reactions = bookingReactions(tableConfirmed(START), { hostResponseHours: 24, holdTtlMinutes: 15, depositRefundHours: 6 });
    expect(reactions.find((r) => r.task.type === 'SettleUnmarkedDeposit')).toEqual({
      taskId: 'settle-deposit:b1:hold-1',
      dueAt: '2026-04-11T02:30:00.000Z',
      task: { type: 'SettleUnmarkedDeposit', bookingId: 'b1' },
    });
    expect(bookingReactions(confirmed(), { hostResponseHours: 24, holdTtlMinutes: 15 }).some((r) => r.task.type === 'SettleUnmarkedDeposit')).toBe(false);
  });
});

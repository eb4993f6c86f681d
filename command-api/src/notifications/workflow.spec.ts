import { describe, expect, it } from 'vitest';
import type { RecordedEvent } from '@stayhub/event-sourcing';
import { notificationReactions } from './workflow.ts';

const hold = { holdId: 'b1', unitTypeId: 'l1.flat', stay: { kind: 'nights', checkIn: '2031-01-01', checkOut: '2031-01-03' } };
const recorded = (type: string, data: Record<string, unknown>, eventId = 'e1'): RecordedEvent => ({
  eventId,
  type,
  schemaVersion: 1,
  streamId: 'booking-b1',
  streamRevision: 3,
  globalPosition: '1',
  occurredAt: '2030-12-01T10:00:00.000Z',
  data,
  metadata: {},
});

describe('notification reactions', () => {
  it.each([
    ['BookingConfirmed', { bookingId: 'b1', ...hold, at: '2030-12-01T10:00:00.000Z' }, ['guest', 'host'], 'booking.confirmed'],
    [
      'BookingCancelled',
      { bookingId: 'b1', by: 'g1', byRole: 'guest', refund: { amount: 100, currency: 'EUR' }, reason: 'plans', ...hold, at: '2030-12-01T10:00:00.000Z' },
      ['guest', 'host'],
      'booking.cancelled',
    ],
    ['BookingDeclined', { bookingId: 'b1', by: 'h1', reason: 'busy', ...hold, at: '2030-12-01T10:00:00.000Z' }, ['guest'], 'booking.declined'],
    [
      'BookingRequested',
      {
        bookingId: 'b1',
        guestId: 'g1',
        hostId: 'h1',
        listingId: 'l1',
        unitTypeId: 'l1.flat',
        kind: 'rental',
        stay: hold.stay,
        guests: 2,
        units: 1,
        total: { amount: 100, currency: 'EUR' },
        instantBook: false,
        cancellationPolicy: 'moderate',
        holdId: 'b1',
        respondBy: '2030-12-02T10:00:00.000Z',
        at: '2030-12-01T10:00:00.000Z',
      },
      ['host'],
      'booking.requested',
    ],
    ['BookingPaymentFailed', { bookingId: 'b1', reason: 'card_declined', ...hold, at: '2030-12-01T10:00:00.000Z' }, ['guest'], 'booking.payment_failed'],
  ])('%s mails %j, due when it happened', (type, data, recipients, template) => {
    const reactions = notificationReactions(recorded(type, data));
    const tasks = reactions.map((r) => (r.task.type === 'SendBookingMail' ? r.task : undefined));
    expect(tasks.map((t) => t?.recipient)).toEqual(recipients);
    expect(reactions.every((r, i) => tasks[i]?.template === template && r.dueAt === data.at && tasks[i]?.bookingId === 'b1')).toBe(true);
  });

  it('keys each mail by event and recipient, so a redelivered event schedules nothing new', () => {
    const event = recorded('BookingConfirmed', { bookingId: 'b1', ...hold, at: '2030-12-01T10:00:00.000Z' }, 'evt-7');
    expect(notificationReactions(event).map((r) => r.taskId)).toEqual(['mail:evt-7:guest', 'mail:evt-7:host']);
    expect(notificationReactions(event)).toEqual(notificationReactions(event));
  });

  it('tells the cancellation its refund and who cancelled', () => {
    const [mail] = notificationReactions(
      recorded('BookingCancelled', {
        bookingId: 'b1',
        by: 'h1',
        byRole: 'host',
        refund: { amount: 0, currency: 'EUR' },
        reason: 'flood',
        ...hold,
        at: '2030-12-01T10:00:00.000Z',
      }),
    );
    expect(mail!.task.type === 'SendBookingMail' && mail!.task.details).toEqual({ byRole: 'host', refund: { amount: 0, currency: 'EUR' }, reason: 'flood' });
  });

  it('tells the host the deadline to answer a request, and mails nothing for an instant booking until it is confirmed', () => {
    const request = (instantBook: boolean) =>
      recorded('BookingRequested', {
        bookingId: 'b1',
        guestId: 'g1',
        hostId: 'h1',
        listingId: 'l1',
        unitTypeId: 'l1.flat',
        kind: 'rental',
        stay: hold.stay,
        guests: 2,
        units: 1,
        total: { amount: 100, currency: 'EUR' },
        instantBook,
        cancellationPolicy: 'moderate',
        holdId: 'b1',
        ...(instantBook ? {} : { respondBy: '2030-12-02T10:00:00.000Z' }),
        at: '2030-12-01T10:00:00.000Z',
      });
    const [mail] = notificationReactions(request(false));
    expect(mail!.task.type === 'SendBookingMail' && mail!.task.details).toEqual({ guests: 2, respondBy: '2030-12-02T10:00:00.000Z' });
    expect(notificationReactions(request(true))).toEqual([]);
  });

  it('ignores every other event', () => {
    expect(
      notificationReactions(
        recorded('BookingPaid', { bookingId: 'b1', paymentId: 'p1', amount: { amount: 1, currency: 'EUR' }, at: '2030-12-01T10:00:00.000Z' }),
      ),
    ).toEqual([]);
    expect(notificationReactions(recorded('UserRenamed', {}))).toEqual([]);
  });

  it('answers every registration with a mail, once per event', () => {
    const event = recorded(
      'UserRegistered',
      { userId: 'u1', email: 'ada@example.com', name: 'Ada', role: 'guest', passwordHash: 'h', at: '2030-12-01T10:00:00.000Z' },
      'evt-9',
    );
    expect(notificationReactions(event)).toEqual([
      {
        taskId: 'mail:evt-9:registration',
        dueAt: '2030-12-01T10:00:00.000Z',
        task: { type: 'SendRegistrationMail', userId: 'u1', at: '2030-12-01T10:00:00.000Z' },
      },
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { renderMail } from './render.ts';

const nights = { kind: 'nights', checkIn: '2031-01-01', checkOut: '2031-01-03' };
const eur = (amount: number) => ({ amount, currency: 'EUR' });

describe('mail templates', () => {
  it.each([
    {
      template: 'booking.requested',
      data: { name: 'Hana', bookingId: 'b1', stay: nights, guests: 2, total: eur(34_000), respondBy: '2030-12-02T10:00:00.000Z' },
      subject: 'New booking request',
      text: 'Hello Hana,\n\nBooking b1 (2031-01-01 to 2031-01-03) is requested for 2 guests, total 340.00 EUR.\nApprove or decline it by 2030-12-02 10:00 UTC; unanswered, it expires then.\n',
    },
    {
      template: 'booking.payment_failed',
      data: { name: 'Gil', bookingId: 'b1', stay: nights, reason: 'card_declined' },
      subject: 'Your payment did not go through',
      text: 'Hello Gil,\n\nthe payment for booking b1 (2031-01-01 to 2031-01-03) failed (card declined), so it is not confirmed and its dates are free again.\n',
    },
    {
      template: 'booking.confirmed',
      data: {
        name: 'Gil',
        bookingId: 'b2',
        stay: { kind: 'slot', start: '2031-01-01T11:00:00.000Z', minutes: 120 },
        timeZone: 'Asia/Tokyo',
        total: eur(1_500),
      },
      subject: 'Your booking is confirmed',
      text: 'Hello Gil,\n\nBooking b2 (2031-01-01 20:00 (Asia/Tokyo)) is confirmed, total 15.00 EUR.\n',
    },
    {
      template: 'booking.confirmed',
      data: { bookingId: 'b3', stay: { kind: 'slot', start: '2031-01-01T11:00:00.000Z', minutes: 120 } },
      subject: 'Your booking is confirmed',
      text: 'Hello,\n\nBooking b3 (2031-01-01 11:00 UTC) is confirmed.\n',
    },
  ])('$template: $subject', ({ template, data, subject, text }) => {
    expect(renderMail({ template, data })).toEqual({ subject, text });
  });
});

import { hash } from 'node:crypto';
import { bookings, localDateTime } from '@stayhub/domain';

/** What a notice is about; the web app may pick an icon or a link by it. */
export const noticeKinds = [
  'booking.requested',
  'booking.approved',
  'booking.declined',
  'booking.expired',
  'booking.confirmed',
  'booking.cancelled',
  'booking.payment_failed',
  'booking.reminder',
  'payout.sent',
  'review.received',
  'order.confirmed',
  'order.shipped',
  'order.delivered',
  'order.failed',
  'order.to_ship',
] as const;
export type NoticeKind = (typeof noticeKinds)[number];

type Amount = { amount: number; currency: string };
export type NoticeStay = bookings.Stay;

/** The facts a notice tells: ids to link to, and what a person reads. No e-mail address, no secret. */
export type NoticeData = {
  bookingId?: string;
  listingId?: string;
  listingTitle?: string | null;
  stay?: NoticeStay;
  /** The listing's time zone: a slot is told on its clock. */
  timeZone?: string;
  guests?: number;
  total?: Amount;
  respondBy?: string | null;
  refund?: Amount;
  byRole?: 'guest' | 'host';
  reason?: string;
  payoutId?: string;
  amount?: Amount;
  orderId?: string;
  carrier?: string;
  tracking?: string;
};

/** A stable, opaque id: the same source (an event and its recipient) always gives the same notice. */
// One-shot `hash`: no Hash object per id (a replay makes one per notice and per booking's reminder).
export const noticeId = (source: string): string => `n_${hash('sha256', source, 'base64url').slice(0, 22)}`;

const money = (m: Amount): string => `${(m.amount / 100).toFixed(2)} ${m.currency}`;
const instant = (at: string): string => `${at.slice(0, 16).replace('T', ' ')} UTC`;
const onClock = (at: string, timeZone: string | undefined): string =>
  timeZone ? `${localDateTime(at, timeZone).replace('T', ' ')} (${timeZone})` : instant(at);
const when = (stay: NoticeStay, timeZone: string | undefined): string =>
  stay.kind === 'nights' ? `${stay.checkIn} to ${stay.checkOut}` : onClock(stay.start, timeZone);
const what = (d: NoticeData): string => `${d.listingTitle ? `"${d.listingTitle}"` : 'your booking'}${d.stay ? `, ${when(d.stay, d.timeZone)}` : ''}`;

/** The sentence a person reads in the inbox. */
export const noticeText = (kind: NoticeKind, d: NoticeData): string => {
  switch (kind) {
    case 'booking.requested':
      return `New booking request for ${what(d)} (${d.guests ?? 1} guest${d.guests === 1 ? '' : 's'}${d.total ? `, ${money(d.total)}` : ''})${d.respondBy ? `: answer by ${instant(d.respondBy)}` : ''}`;
    case 'booking.approved':
      return `Your request for ${what(d)} was approved; the payment is being taken`;
    case 'booking.declined':
      return `Your request for ${what(d)} was declined${d.reason ? `: ${d.reason}` : ''}`;
    case 'booking.expired':
      return `Your request for ${what(d)} expired: the host did not answer in time`;
    case 'booking.confirmed':
      return `Booking confirmed: ${what(d)}`;
    case 'booking.cancelled':
      return `Booking cancelled by the ${d.byRole ?? 'guest'}: ${what(d)}${d.refund && d.refund.amount > 0 ? `; ${money(d.refund)} goes back to the guest` : ''}`;
    case 'booking.payment_failed':
      return `The payment for ${what(d)} failed${d.reason ? ` (${d.reason})` : ''}; the booking is not confirmed`;
    case 'booking.reminder':
      return `Your stay begins tomorrow: ${what(d)}`;
    case 'payout.sent':
      return `Payout sent: ${d.amount ? money(d.amount) : ''}`.trim();
    case 'review.received':
      return `You received a review for ${what(d)}: write yours to read it (both show once both are in)`;
    case 'order.confirmed':
      return `Order confirmed: ${d.total ? money(d.total) : 'paid'}`;
    case 'order.shipped':
      return `Your order has shipped${d.carrier ? ` with ${d.carrier}` : ''}${d.tracking ? ` (tracking ${d.tracking})` : ''}`;
    case 'order.delivered':
      return 'Your order was delivered';
    case 'order.failed':
      return `Your order failed${d.reason ? `: ${d.reason.replaceAll('_', ' ')}` : ''}; nothing was charged`;
    case 'order.to_ship':
      return 'New order to ship';
    default:
      return assertKind(kind);
  }
};

const assertKind = (kind: never): never => {
  throw new Error(`Unknown notice kind ${String(kind)}`);
};

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * When the reminder of a stay shows: the day before it begins (24 hours before check-in on the
 * listing's clock, or before the slot), or at once when the booking is confirmed later than that.
 */
export const reminderAt = (stay: NoticeStay, timeZone: string | undefined, confirmedAt: string): string => {
  const start = Date.parse(bookings.stayStart(stay, timeZone));
  return new Date(Math.max(start - DAY_MS, Date.parse(confirmedAt))).toISOString();
};

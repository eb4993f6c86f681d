import { localDateTime } from '@stayhub/domain';
import type { Notification } from './port.ts';

export type RenderedMail = { subject: string; text: string };

type Amount = { amount: number; currency: string };
type Stay = { kind: 'nights'; checkIn: string; checkOut: string } | { kind: 'slot'; start: string; minutes: number };

const money = (m: unknown): string => {
  const amount = m as Amount | undefined;
  return amount && typeof amount.amount === 'number' ? `${(amount.amount / 100).toFixed(2)} ${amount.currency}` : '';
};
const str = (value: unknown): string => (typeof value === 'string' ? value : '');
/** An instant on the listing's clock when the mail names its zone, else in UTC. */
const timeOf = (instant: string, timeZone: string): string => {
  if (!timeZone) return `${instant.slice(0, 16).replace('T', ' ')} UTC`;
  try {
    return `${localDateTime(instant, timeZone).replace('T', ' ')} (${timeZone})`;
  } catch {
    return `${instant.slice(0, 16).replace('T', ' ')} UTC`;
  }
};
const stayOf = (s: unknown, timeZone: string): string => {
  const stay = s as Stay | undefined;
  if (!stay) return '';
  return stay.kind === 'nights' ? `${stay.checkIn} to ${stay.checkOut}` : timeOf(stay.start, timeZone);
};

/**
 * A template and its data as the subject and plain-text body a person reads. Every channel renders
 * the same way, so the log line of the embedded default shows exactly what SMTP would send.
 */
export const renderMail = ({ template, data }: Pick<Notification, 'template' | 'data'>): RenderedMail => {
  const hello = data.name ? `Hello ${str(data.name)},\n\n` : 'Hello,\n\n';
  const booking = `Booking ${str(data.bookingId)}${data.stay ? ` (${stayOf(data.stay, str(data.timeZone))})` : ''}`;
  switch (template) {
    case 'booking.requested': {
      const guests = typeof data.guests === 'number' ? data.guests : 1;
      return {
        subject: 'New booking request',
        text: `${hello}${booking} is requested for ${guests} guest${guests === 1 ? '' : 's'}${data.total ? `, total ${money(data.total)}` : ''}.${data.respondBy ? `\nApprove or decline it by ${timeOf(str(data.respondBy), '')}; unanswered, it expires then.` : ''}\n`,
      };
    }
    case 'booking.payment_failed':
      return {
        subject: 'Your payment did not go through',
        text: `${hello}the payment for ${booking.charAt(0).toLowerCase()}${booking.slice(1)} failed${data.reason ? ` (${str(data.reason).replaceAll('_', ' ')})` : ''}, so it is not confirmed and its dates are free again.\n`,
      };
    case 'booking.confirmed':
      return { subject: 'Your booking is confirmed', text: `${hello}${booking} is confirmed${data.total ? `, total ${money(data.total)}` : ''}.\n` };
    case 'booking.cancelled':
      return {
        subject: 'Your booking was cancelled',
        text: `${hello}${booking} was cancelled by the ${str(data.byRole) || 'guest'}${data.reason ? ` (${str(data.reason)})` : ''}.${money(data.refund) ? `\nRefund to the guest: ${money(data.refund)}.` : ''}\n`,
      };
    case 'booking.declined':
      return {
        subject: 'Your booking request was declined',
        text: `${hello}${booking} was declined by the host${data.reason ? `: ${str(data.reason)}` : ''}.\n`,
      };
    case 'account.welcome':
      return { subject: 'Welcome to StayHub', text: `${hello}your ${str(data.role) || 'guest'} account is ready.\n` };
    case 'account.exists':
      return {
        subject: 'Someone tried to register with your address',
        text: `Hello,\n\nsomeone tried to register a StayHub account with this address at ${str(data.attemptedAt)}. You already have one: log in, or ignore this mail.\n`,
      };
    case 'chat.message':
      return { subject: `New message from ${str(data.from) || 'someone'}`, text: `${hello}${str(data.from) || 'Someone'} wrote: ${str(data.preview)}\n` };
    default:
      // a template without its own words still tells everything it carries
      return {
        subject: template,
        text: `${hello}${Object.entries(data)
          .map(([key, value]) => `${key}: ${JSON.stringify(value)}`)
          .join('\n')}\n`,
      };
  }
};

import type { Notification } from './port.ts';

export type RenderedMail = { subject: string; text: string };

type Amount = { amount: number; currency: string };
type Stay = { kind: 'nights'; checkIn: string; checkOut: string } | { kind: 'slot'; start: string; minutes: number };

const money = (m: unknown): string => {
  const amount = m as Amount | undefined;
  return amount && typeof amount.amount === 'number' ? `${(amount.amount / 100).toFixed(2)} ${amount.currency}` : '';
};
const stayOf = (s: unknown): string => {
  const stay = s as Stay | undefined;
  if (!stay) return '';
  return stay.kind === 'nights' ? `${stay.checkIn} to ${stay.checkOut}` : `${stay.start.slice(0, 16).replace('T', ' ')} UTC`;
};
const str = (value: unknown): string => (typeof value === 'string' ? value : '');

/**
 * A template and its data as the subject and plain-text body a person reads. Every channel renders
 * the same way, so the log line of the embedded default shows exactly what SMTP would send.
 */
export const renderMail = ({ template, data }: Pick<Notification, 'template' | 'data'>): RenderedMail => {
  const hello = data.name ? `Hello ${str(data.name)},\n\n` : 'Hello,\n\n';
  const booking = `Booking ${str(data.bookingId)}${data.stay ? ` (${stayOf(data.stay)})` : ''}`;
  switch (template) {
    case 'booking.confirmed':
      return { subject: 'Your booking is confirmed', text: `${hello}${booking} is confirmed${data.total ? `, total ${money(data.total)}` : ''}.\n` };
    case 'booking.cancelled':
      return {
        subject: 'Your booking was cancelled',
        text: `${hello}${booking} was cancelled by the ${str(data.byRole) || 'guest'}${data.reason ? ` (${str(data.reason)})` : ''}.${money(data.refund) ? `\nRefund to the guest: ${money(data.refund)}.` : ''}\n`,
      };
    case 'booking.declined':
      return { subject: 'Your booking request was declined', text: `${hello}${booking} was declined by the host${data.reason ? `: ${str(data.reason)}` : ''}.\n` };
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
      return { subject: template, text: `${hello}${Object.entries(data).map(([key, value]) => `${key}: ${JSON.stringify(value)}`).join('\n')}\n` };
  }
};

import { z } from 'zod';
import { daysBetween } from '@stayhub/domain';

/** How far from today a date in a request may lie: enough for history views and bookings years ahead. */
const DATE_WINDOW = { pastDays: 2 * 366, futureDays: 5 * 366 } as const;

const today = () => new Date().toISOString().slice(0, 10);

/**
 * An ISO date (yyyy-mm-dd) within `DATE_WINDOW` of today by the server's clock, so that no range a
 * client sends can be astronomically long; lengths are then measured with `daysBetween` (arithmetic),
 * never by listing the days.
 */
export const NearIsoDate = z.iso.date().refine(
  (date) => {
    const fromToday = daysBetween(today(), date);
    return fromToday >= -DATE_WINDOW.pastDays && fromToday <= DATE_WINDOW.futureDays;
  },
  { message: `must lie between ${DATE_WINDOW.pastDays} days before and ${DATE_WINDOW.futureDays} days after today` },
);

export { daysBetween };

import { z } from 'zod';
import { daysBetween } from '@stayhub/domain';

/** How far from today a date in a request may lie: enough for history views and bookings years ahead. */
const DATE_WINDOW = { pastDays: 2 * 366, futureDays: 5 * 366 } as const;

const DAY_MS = 86_400_000;
/** Today's UTC date, worked out again only when the clock leaves the day it was worked out for (two date fields per request ask). */
let known = { date: '', from: 0 };
const today = (): string => {
  const now = Date.now();
  if (now < known.from || now >= known.from + DAY_MS) known = { date: new Date(now).toISOString().slice(0, 10), from: now - (now % DAY_MS) };
  return known.date;
};

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

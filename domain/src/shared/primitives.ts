import { z } from 'zod';
import { isIsoDate } from './time.ts';

/** An id (a UUID, or a key a host chose, scoped by what owns it). */
export const Id = z.string().min(1).max(200);
/** One instant, as an ISO 8601 date-time with its offset (the domain writes `toISOString()`, in UTC). */
export const Instant = z.iso.datetime({ offset: true });
/** A calendar date `yyyy-mm-dd` (a night of a stay, in the listing's time zone). */
export const IsoDate = z.string().refine(isIsoDate, 'expected an ISO date yyyy-mm-dd');

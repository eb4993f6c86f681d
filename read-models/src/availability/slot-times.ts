import { listings } from '@stayhub/domain';

/** One slot asked of a listing: the instant it is (its calendar key), its wall-clock time there, and whether the listing serves it. */
export type SlotTime = { key: string; local: string; timeZone: string; open: boolean };

/**
 * The slots asked of a listing, each an instant with an offset or a wall-clock time
 * (`2030-05-01T19:30`) read in the listing's time zone. A slot is open only on the grid of the
 * listing's opening hours there (a listing that takes no slots has none open). A wall-clock time
 * the clocks skip that day names no slot: it comes back in `missing`.
 */
export const slotTimes = (details: Record<string, unknown>, asked: readonly string[]): { slots: SlotTime[]; missing: string[] } => {
  const timeZone = (details.location as { timeZone?: string } | undefined)?.timeZone ?? 'UTC';
  const hours = listings.Slots.safeParse(details.slots);
  const slots: SlotTime[] = [];
  const missing: string[] = [];
  for (const slot of asked) {
    const key = listings.hasOffset(slot) ? new Date(slot).toISOString() : listings.instantOfLocal(slot, timeZone);
    if (key === undefined) missing.push(slot);
    else slots.push({ key, local: listings.localDateTime(key, timeZone), timeZone, open: hours.success && listings.slotIsOpen(hours.data, timeZone, key) });
  }
  return { slots, missing };
};

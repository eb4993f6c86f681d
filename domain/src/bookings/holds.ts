import type { BookingEvent } from './events.ts';
import type { Stay } from './stay.ts';

/** A hold a booking asks the calendar for: its nights or slot, how many units, and the hold it replaces. */
export type WantedHold = { holdId: string; stay: Stay; units: number; replacing?: string };

/**
 * The hold a booking decision asks for: a new booking's, or the new one of a modification that
 * needs other nights, another slot or other units; none when the decision keeps the hold it has.
 */
export const wantedHold = (events: readonly BookingEvent[]): WantedHold | undefined => {
  for (const event of events) {
    if (event.type === 'BookingRequested') return { holdId: event.data.holdId, stay: event.data.stay, units: event.data.units };
    if (event.type === 'BookingModified' && event.data.holdId !== event.data.previous.holdId) {
      const { holdId, stay, units, previous } = event.data;
      return { holdId, stay, units, replacing: previous.holdId };
    }
  }
  return undefined;
};

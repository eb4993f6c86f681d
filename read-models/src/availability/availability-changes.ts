import type { RecordedEvent } from '@stayhub/event-sourcing';
import type { AvailabilityChange, AvailabilityUpdate } from './port.ts';

export type { AvailabilityChange } from './port.ts';

export const availabilityHandles = new Set(['HoldPlaced', 'HoldReleased', 'NightsBlocked', 'NightsUnblocked']);

/** `calendar-{unitTypeId}-{yyyy-mm}` → unitTypeId (which may itself contain dashes). */
export const unitTypeOfCalendar = (streamId: string): string => streamId.slice('calendar-'.length, -'-yyyy-mm'.length);

const signOf = (type: string): number =>
  type === 'HoldPlaced' || type === 'NightsBlocked' ? 1 : type === 'HoldReleased' || type === 'NightsUnblocked' ? -1 : 0;

/** Pure: what an event does to availability. Confirming a hold changes nothing: the units stay taken. */
export const availabilityChanges = (event: RecordedEvent): AvailabilityChange[] => {
  if (!event.streamId.startsWith('calendar-')) return [];
  const sign = signOf(event.type);
  if (sign === 0) return [];
  const data = event.data as { keys?: unknown; units?: unknown };
  // A malformed event must fail here (and be parked), never reach a store as NaN.
  if (!Array.isArray(data.keys) || !data.keys.every((k) => typeof k === 'string') || !Number.isSafeInteger(data.units)) {
    throw new Error(`${event.type} ${event.eventId}: keys (strings) and units (an integer) expected`);
  }
  const unitTypeId = unitTypeOfCalendar(event.streamId);
  return (data.keys as string[]).map((key) => ({ unitTypeId, key, delta: sign * (data.units as number) }));
};

/** The event's changes with the stream position that lets a store apply them at most once. */
export const availabilityUpdate = (event: RecordedEvent): AvailabilityUpdate => ({
  streamId: event.streamId,
  streamRevision: event.streamRevision,
  changes: availabilityChanges(event),
});

import type { RecordedEvent } from '@stayhub/infra';

/** Units taken (positive) or given back (negative) on one night or slot of one unit type. */
export type AvailabilityChange = { unitTypeId: string; key: string; delta: number };

export const availabilityHandles = new Set(['HoldPlaced', 'HoldReleased', 'NightsBlocked', 'NightsUnblocked']);

/** `calendar-{unitTypeId}-{yyyy-mm}` → unitTypeId (which may itself contain dashes). */
export const unitTypeOfCalendar = (streamId: string): string => streamId.slice('calendar-'.length, -'-yyyy-mm'.length);

/** Pure: what an event does to availability. Confirming a hold changes nothing: the units stay taken. */
export const availabilityChanges = (event: RecordedEvent): AvailabilityChange[] => {
  if (!event.streamId.startsWith('calendar-')) return [];
  const data = event.data as { keys: string[]; units: number };
  const unitTypeId = unitTypeOfCalendar(event.streamId);
  const sign = event.type === 'HoldPlaced' || event.type === 'NightsBlocked' ? 1 : event.type === 'HoldReleased' || event.type === 'NightsUnblocked' ? -1 : 0;
  if (sign === 0) return [];
  return data.keys.map((key) => ({ unitTypeId, key, delta: sign * data.units }));
};

import { bookings, calendar } from '@stayhub/domain';
import type { EventMetadata, Step } from '@stayhub/infra';
import type { CommandDeps } from '../shared/deps.ts';

type Stay = bookings.Stay;

/** A stay's nights (or slot) split into the month-long calendar streams that hold them. */
const calendarParts = (unitTypeId: string, stay: Stay) => calendar.calendarParts(unitTypeId, bookings.stayKeys(stay));

const onCalendar = (streamId: string, command: calendar.CalendarCommand): Step => ({ streamId, decider: calendar.calendarDecider, command });

/**
 * The holds of a stay, one step per calendar month it touches, to be appended in one atomic append
 * with the booking's own event: if any month is full, nothing is held and nothing is booked.
 */
export const holdSteps = (
  deps: CommandDeps,
  hold: { unitTypeId: string; capacity: number; holdId: string; bookingId: string; stay: Stay; units: number; replacing?: string },
): Step[] => {
  const now = deps.clock.now();
  const expiresAt = new Date(now.getTime() + deps.settings.HOLD_TTL_MINUTES * 60_000).toISOString();
  return calendarParts(hold.unitTypeId, hold.stay).map((part) =>
    onCalendar(part.streamId, {
      type: 'PlaceHold',
      data: {
        holdId: hold.holdId,
        bookingId: hold.bookingId,
        keys: part.keys,
        units: hold.units,
        capacity: hold.capacity,
        expiresAt,
        now: now.toISOString(),
        withBooking: true,
        ...(hold.replacing ? { replacing: hold.replacing } : {}),
      },
    }),
  );
};

export const releaseSteps = (deps: CommandDeps, hold: { unitTypeId: string; holdId: string; stay: Stay; reason: calendar.ReleaseReason }): Step[] =>
  calendarParts(hold.unitTypeId, hold.stay).map((part) =>
    onCalendar(part.streamId, { type: 'ReleaseHold', data: { holdId: hold.holdId, reason: hold.reason, now: deps.clock.now().toISOString() } }),
  );

/** Releases a stay's hold on every month at once. */
export const releaseStay = async (
  deps: CommandDeps,
  hold: { unitTypeId: string; holdId: string; stay: Stay; reason: calendar.ReleaseReason },
  metadata: EventMetadata,
): Promise<void> => {
  await deps.processor.handleAll(releaseSteps(deps, hold), metadata);
};

/** Confirms a stay's hold on every month at once. */
export const confirmStay = async (deps: CommandDeps, hold: { unitTypeId: string; holdId: string; stay: Stay }, metadata: EventMetadata): Promise<void> => {
  await deps.processor.handleAll(
    calendarParts(hold.unitTypeId, hold.stay).map((part) => onCalendar(part.streamId, { type: 'ConfirmHold', data: { holdId: hold.holdId, now: deps.clock.now().toISOString() } })),
    metadata,
  );
};

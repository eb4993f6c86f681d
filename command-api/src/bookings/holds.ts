import { bookings, calendar } from '@stayhub/domain';
import type { EventMetadata, Handled, Step } from '@stayhub/event-sourcing';
import type { CommandDeps } from '../shared/deps.ts';

type Stay = bookings.Stay;

/** A stay's nights (or slot) split into the month-long calendar streams that hold them. */
const calendarParts = (unitTypeId: string, stay: Stay) => calendar.calendarParts(unitTypeId, bookings.stayKeys(stay));

const onCalendar = (streamId: string, command: calendar.CalendarCommand | ((earlier: Handled<any, any>[]) => calendar.CalendarCommand | undefined)): Step => ({
  streamId,
  decider: calendar.calendarDecider,
  command,
});

/**
 * The hold a booking decision asks for, one step per calendar month of `stay`, to be appended in one
 * atomic append with the booking's own event: if any month is full, nothing is held and nothing is
 * booked. `wanted` reads the hold (its id, units, the hold it replaces) from what the steps before
 * decided; none, and these steps do nothing.
 */
export const holdSteps = (
  deps: CommandDeps,
  hold: { unitTypeId: string; capacity: number; bookingId: string; stay: Stay },
  wanted: (earlier: Handled<any, any>[]) => bookings.WantedHold | undefined,
): Step[] => {
  const now = deps.clock.now();
  const expiresAt = new Date(now.getTime() + deps.settings.HOLD_TTL_MINUTES * 60_000).toISOString();
  return calendarParts(hold.unitTypeId, hold.stay).map((part) =>
    onCalendar(part.streamId, (earlier) => {
      const decided = wanted(earlier);
      if (!decided) return undefined;
      return {
        type: 'PlaceHold',
        data: {
          holdId: decided.holdId,
          bookingId: hold.bookingId,
          keys: part.keys,
          units: decided.units,
          capacity: hold.capacity,
          expiresAt,
          now: now.toISOString(),
          withBooking: true,
          ...(decided.replacing ? { replacing: decided.replacing } : {}),
        },
      };
    }),
  );
};

/** Releases a hold on every month of its stay; `when`, only if the steps before decided so. */
export const releaseSteps = (
  deps: CommandDeps,
  hold: { unitTypeId: string; holdId: string; stay: Stay; reason: calendar.ReleaseReason },
  when: (earlier: Handled<any, any>[]) => boolean = () => true,
): Step[] =>
  calendarParts(hold.unitTypeId, hold.stay).map((part) =>
    onCalendar(part.streamId, (earlier) =>
      when(earlier) ? { type: 'ReleaseHold', data: { holdId: hold.holdId, reason: hold.reason, now: deps.clock.now().toISOString() } } : undefined,
    ),
  );

/** Releases a stay's hold on every month at once. */
export const releaseStay = async (
  deps: CommandDeps,
  hold: { unitTypeId: string; holdId: string; stay: Stay; reason: calendar.ReleaseReason },
  metadata: EventMetadata,
): Promise<void> => {
  await deps.processor.handleAll(releaseSteps(deps, hold), metadata);
};

/** Confirms a hold on every month of its stay; `when`, only if the steps before decided so. */
export const confirmSteps = (
  deps: CommandDeps,
  hold: { unitTypeId: string; holdId: string; stay: Stay },
  when: (earlier: Handled<any, any>[]) => boolean = () => true,
): Step[] =>
  calendarParts(hold.unitTypeId, hold.stay).map((part) =>
    onCalendar(part.streamId, (earlier) =>
      when(earlier) ? { type: 'ConfirmHold', data: { holdId: hold.holdId, now: deps.clock.now().toISOString() } } : undefined,
    ),
  );

/** Confirms a stay's hold on every month at once. */
export const confirmStay = async (deps: CommandDeps, hold: { unitTypeId: string; holdId: string; stay: Stay }, metadata: EventMetadata): Promise<void> => {
  await deps.processor.handleAll(confirmSteps(deps, hold), metadata);
};

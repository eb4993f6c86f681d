import { bookings, calendar } from '@stayhub/domain';
import type { EventMetadata } from '@stayhub/infra';
import type { CommandDeps } from '../shared/deps.ts';

type Stay = bookings.Stay;

/** A stay's keys split into the month-long calendar streams that hold them. */
export const calendarParts = (unitTypeId: string, stay: Stay) =>
  calendar.partitionByMonth(bookings.stayKeys(stay)).map((part) => ({ ...part, streamId: calendar.calendarStreamId(unitTypeId, part.month) }));

/**
 * Holds a stay on every calendar stream it touches, in month order. If a later month is full the
 * earlier holds are released before the error goes back: a refused booking leaves nothing held.
 */
export const holdStay = async (
  deps: CommandDeps,
  hold: { unitTypeId: string; capacity: number; holdId: string; bookingId: string; stay: Stay; units: number; replacing?: string },
  metadata: EventMetadata,
): Promise<string> => {
  const now = deps.clock.now();
  const expiresAt = new Date(now.getTime() + deps.settings.HOLD_TTL_MINUTES * 60_000).toISOString();
  const placed: string[] = [];
  let position = '';
  try {
    for (const part of calendarParts(hold.unitTypeId, hold.stay)) {
      const handled = await deps.processor.handle(
        part.streamId,
        calendar.calendarDecider,
        {
          type: 'PlaceHold',
          data: {
            holdId: hold.holdId,
            bookingId: hold.bookingId,
            keys: part.keys,
            units: hold.units,
            capacity: hold.capacity,
            expiresAt,
            now: now.toISOString(),
            ...(hold.replacing ? { replacing: hold.replacing } : {}),
          },
        },
        metadata,
      );
      placed.push(part.streamId);
      position = handled.position || position;
    }
    return position;
  } catch (error) {
    await Promise.all(
      placed.map((streamId) =>
        deps.processor.handle(streamId, calendar.calendarDecider, { type: 'ReleaseHold', data: { holdId: hold.holdId, reason: 'orphaned', now: now.toISOString() } }, metadata),
      ),
    );
    throw error;
  }
};

export const releaseStay = async (
  deps: CommandDeps,
  hold: { unitTypeId: string; holdId: string; stay: Stay; reason: calendar.ReleaseReason },
  metadata: EventMetadata,
): Promise<void> => {
  for (const part of calendarParts(hold.unitTypeId, hold.stay)) {
    await deps.processor.handle(
      part.streamId,
      calendar.calendarDecider,
      { type: 'ReleaseHold', data: { holdId: hold.holdId, reason: hold.reason, now: deps.clock.now().toISOString() } },
      metadata,
    );
  }
};

export const confirmStay = async (deps: CommandDeps, hold: { unitTypeId: string; holdId: string; stay: Stay }, metadata: EventMetadata): Promise<void> => {
  for (const part of calendarParts(hold.unitTypeId, hold.stay)) {
    await deps.processor.handle(part.streamId, calendar.calendarDecider, { type: 'ConfirmHold', data: { holdId: hold.holdId, now: deps.clock.now().toISOString() } }, metadata);
  }
};

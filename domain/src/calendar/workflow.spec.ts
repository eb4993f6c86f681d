import { describe, expect, it } from 'vitest';
import { calendarReactions } from './workflow.ts';

describe('calendar reactions', () => {
  it('checks a placed hold for an owner when it expires', () => {
    const event = {
      type: 'HoldPlaced',
      streamId: 'calendar-l1.room-2026-07',
      data: { holdId: 'h1', bookingId: 'b1', keys: ['2026-07-10'], units: 1, expiresAt: '2026-07-01T10:15:00.000Z', at: '2026-07-01T10:00:00.000Z' },
    };
    expect(calendarReactions(event)).toEqual([
      {
        taskId: 'orphaned-hold:calendar-l1.room-2026-07:h1',
        dueAt: '2026-07-01T10:15:00.000Z',
        task: { type: 'ReleaseOrphanedHold', calendarStreamId: 'calendar-l1.room-2026-07', holdId: 'h1', bookingId: 'b1' },
      },
    ]);
  });

  it('sets no deadline for a hold stored in one append with its booking (it cannot be orphaned)', () => {
    const event = {
      type: 'HoldPlaced',
      streamId: 'calendar-l1.room-2026-07',
      data: {
        holdId: 'h1',
        bookingId: 'b1',
        keys: ['2026-07-10'],
        units: 1,
        expiresAt: '2026-07-01T10:15:00.000Z',
        at: '2026-07-01T10:00:00.000Z',
        withBooking: true,
      },
    };
    expect(calendarReactions(event)).toEqual([]);
  });

  it.each(['HoldConfirmed', 'HoldReleased', 'NightsBlocked', 'NightsUnblocked'])('ignores %s', (type) => {
    expect(calendarReactions({ type, streamId: 'calendar-x-2026-07', data: {} })).toEqual([]);
  });
});

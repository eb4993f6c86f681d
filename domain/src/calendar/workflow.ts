/**
 * A hold that no booking follows (the process died between the hold and the booking) is
 * released when it expires. The task checks the booking first: a booking that exists owns
 * its hold and releases it through its own workflow. A hold stored in one atomic append with
 * its booking (`withBooking`, every hold placed since holds and bookings are appended together)
 * cannot be orphaned and gets no deadline; the deadline remains for holds stored before.
 */
export type CalendarTask = { type: 'ReleaseOrphanedHold'; calendarStreamId: string; holdId: string; bookingId: string };

export type CalendarReaction = { taskId: string; dueAt: string; task: CalendarTask };

export const calendarReactions = (event: { type: string; data: unknown; streamId: string }): CalendarReaction[] => {
  if (event.type !== 'HoldPlaced') return [];
  const { holdId, bookingId, expiresAt, withBooking } = event.data as { holdId: string; bookingId: string; expiresAt: string; withBooking?: true };
  if (withBooking) return [];
  return [
    {
      taskId: `orphaned-hold:${event.streamId}:${holdId}`,
      dueAt: expiresAt,
      task: { type: 'ReleaseOrphanedHold', calendarStreamId: event.streamId, holdId, bookingId },
    },
  ];
};

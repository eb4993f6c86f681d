/**
 * A hold that no booking follows (the process died between the hold and the booking) is
 * released when it expires. The task checks the booking first: a booking that exists owns
 * its hold and releases it through its own workflow.
 */
export type CalendarTask = { type: 'ReleaseOrphanedHold'; calendarStreamId: string; holdId: string; bookingId: string };

export type CalendarReaction = { taskId: string; dueAt: string; task: CalendarTask };

export const calendarReactions = (event: { type: string; data: unknown; streamId: string }): CalendarReaction[] => {
  if (event.type !== 'HoldPlaced') return [];
  const { holdId, bookingId, expiresAt } = event.data as { holdId: string; bookingId: string; expiresAt: string };
  return [
    {
      taskId: `orphaned-hold:${event.streamId}:${holdId}`,
      dueAt: expiresAt,
      task: { type: 'ReleaseOrphanedHold', calendarStreamId: event.streamId, holdId, bookingId },
    },
  ];
};

import { randomUUID } from 'node:crypto';
import type { RecordedEvent } from '@stayhub/event-sourcing';

/**
 * A log of events for specs that feed projections by hand: each call records the next event of a
 * stream, with the stream's next revision and the log's next global position.
 */
export const recordedEvents = () => {
  let position = 0;
  const revisions = new Map<string, number>();
  return (streamId: string, type: string, data: Record<string, unknown>): RecordedEvent => {
    const streamRevision = (revisions.get(streamId) ?? -1) + 1;
    revisions.set(streamId, streamRevision);
    return {
      eventId: randomUUID(),
      type,
      schemaVersion: 1,
      streamId,
      streamRevision,
      globalPosition: String(++position).padStart(10, '0'),
      occurredAt: '2030-01-01T00:00:00.000Z',
      data,
      metadata: {},
    };
  };
};

import { inEventsSpan, type RecordedEvent } from '@stayhub/event-sourcing';
import type { RunnerLog } from './log.ts';

/** At most this many correlation ids on one log line. */
const MAX_IDS = 20;

/** The correlation ids of a batch's events, each once (the first `MAX_IDS`). */
export const correlationIdsOf = (events: readonly RecordedEvent[]): string[] => {
  const ids = new Set<string>();
  for (const event of events) {
    if (ids.size >= MAX_IDS) break;
    if (typeof event.metadata.correlationId === 'string') ids.add(event.metadata.correlationId);
  }
  return [...ids];
};

/**
 * Applies a batch to one projection in a `projection <name>` span that continues the traces of its
 * events (linked to each when they come from several) and names their correlation ids, then logs at debug level which requests'
 * events it applied (their correlation ids). From Kafka, `traceparents` are the messages' headers:
 * the span then continues through the relay that published them.
 */
export const tracedApply = async (
  projection: string,
  events: readonly RecordedEvent[],
  log: RunnerLog,
  apply: () => Promise<void>,
  traceparents?: readonly (string | undefined)[],
): Promise<void> => {
  const correlationIds = correlationIdsOf(events);
  await inEventsSpan(`projection ${projection}`, events, { 'stayhub.projection': projection, 'stayhub.correlation_ids': correlationIds }, apply, traceparents);
  log('applied', { projection, events: events.length, correlationIds }, 'debug');
};

import type { EventStore, EventToAppend, StreamAppend } from '../event-store/port.ts';
import { overriding } from '../event-store/decorate.ts';
import { inSpan, tracingOn, withTraceparent } from './spans.ts';

const stamped = (events: EventToAppend[]): EventToAppend[] =>
  events.map((event) => {
    const metadata = withTraceparent(event.metadata);
    return metadata === event.metadata ? event : { ...event, metadata };
  });

const stampedAll = (appends: StreamAppend[]): StreamAppend[] => appends.map((append) => ({ ...append, events: stamped(append.events) }));

const counts = (groups: StreamAppend[][]) => ({
  'stayhub.commands': groups.length,
  'stayhub.appends': groups.reduce((sum, group) => sum + group.length, 0),
  'stayhub.events': groups.reduce((sum, group) => sum + group.reduce((n, append) => n + append.events.length, 0), 0),
});

/**
 * The store with each append in an `eventstore append` span, and each appended event's metadata
 * given the active `traceparent` when it has none (the events a workflow task appends continue the
 * task's trace). The store itself when tracing is off.
 */
export const tracedEventStore = <S extends EventStore>(store: S): S => {
  if (!tracingOn()) return store;
  return overriding(store, {
    append: (streamId, events, expected) =>
      inSpan('eventstore append', { 'stayhub.stream': streamId, 'stayhub.events': events.length }, () => store.append(streamId, stamped(events), expected)),
    appendMultiple: (appends) => inSpan('eventstore append', counts([appends]), () => store.appendMultiple(stampedAll(appends))),
    appendBatch: (groups) => inSpan('eventstore append', counts(groups), () => store.appendBatch(groups.map(stampedAll))),
  });
};

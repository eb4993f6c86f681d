import type { RecordedEvent } from '@stayhub/event-sourcing';
import type { AvailabilityStore, AvailabilityUpdate } from './port.ts';
import type { ExternalProjection } from '../projection.ts';
import { availabilityHandles, availabilityUpdate } from './availability-changes.ts';
import { AVAILABILITY } from './pg-projection.ts';

/**
 * The availability projection over an `AvailabilityStore` (Redis at scale): each calendar event is
 * applied atomically and at most once (the store ignores a stream revision it already has), so
 * the checkpoint kept in PostgreSQL after the store accepted a batch makes it effectively once.
 */
export const availabilityStoreProjection = (store: AvailabilityStore): ExternalProjection => ({
  name: AVAILABILITY,
  handles: availabilityHandles,
  prepare: (target) => store.prepare(target),
  async applyBatch(events: RecordedEvent[], target, park) {
    const updates: AvailabilityUpdate[] = [];
    for (const event of events) {
      try {
        updates.push(availabilityUpdate(event));
      } catch (error) {
        await park(event, error);
      }
    }
    await store.apply(target, updates);
  },
  drop: (target) => store.drop(target),
});

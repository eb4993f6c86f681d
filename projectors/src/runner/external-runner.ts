import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool } from 'pg';
import type { EventStore, RecordedEvent } from '@stayhub/event-sourcing';
import {
  advanceCheckpoints,
  announceCheckpoints,
  changesOf,
  parkEvent,
  readCheckpoint,
  resetCheckpoint,
  type ExternalProjection,
  type Park,
} from '@stayhub/read-models';
import { liveTarget, registerProjections, type RunnerLog } from './pg-runner.ts';
import { tracedApply } from './traced.ts';

/** Registers the projections' live targets and checkpoint rows, as `migrateProjector` does for PostgreSQL ones. */
export const migrateExternalProjections = (pool: Pool, projections: readonly ExternalProjection[]): Promise<void> =>
  registerProjections(
    pool,
    projections.map((p) => ({ name: p.name })),
  );

const parker =
  (pool: Pool, projection: ExternalProjection, log: RunnerLog): Park =>
  async (event, error) => {
    log('event parked', { projection: projection.name, eventId: event.eventId, correlationId: event.metadata.correlationId, error: String(error) });
    await parkEvent(pool, projection.name, event, error);
  };

const ATTEMPTS = 3;

/**
 * Applies one batch to the store (retrying with backoff), then moves the target's checkpoint.
 * A store that stays down makes this throw: the runner restarts from the checkpoint, never skips.
 */
export const applyExternalBatch = async (
  pool: Pool,
  projection: ExternalProjection,
  target: string,
  events: RecordedEvent[],
  log: RunnerLog = () => undefined,
): Promise<void> => {
  if (events.length === 0) return;
  // Events at or before the checkpoint are done, and a target a replay swapped out is fenced off (its checkpoint sorts last).
  const done = await readCheckpoint(pool, target);
  const relevant = events.filter((event) => event.globalPosition > done && projection.handles.has(event.type));
  for (let attempt = 1; relevant.length > 0; attempt++) {
    try {
      await tracedApply(projection.name, relevant, log, () => projection.applyBatch(relevant, target, parker(pool, projection, log)));
      break;
    } catch (error) {
      if (attempt >= ATTEMPTS) throw error;
      log('store refused a batch; retrying', { projection: projection.name, attempt, error: String(error) });
      await sleep(100 * 2 ** attempt);
    }
  }
  await advanceCheckpoints(pool, [target], events[events.length - 1]!.globalPosition);
};

/** Follows the event store into an external projection's live target until `signal` aborts. */
export const runExternalProjection = async (
  pool: Pool,
  eventStore: EventStore,
  projection: ExternalProjection,
  signal: AbortSignal,
  log: RunnerLog = () => undefined,
): Promise<void> => {
  let failures = 0;
  while (!signal.aborted) {
    try {
      const target = await liveTarget(pool, projection.name);
      let after = await readCheckpoint(pool, target);
      const existed = await projection.prepare(target);
      if (!existed && after !== '') {
        // The checkpoint counts events the store no longer has (a Redis restarted empty): start over.
        log('store holds nothing of its target; rebuilding it from the first event', { projection: projection.name, target, checkpoint: after });
        await resetCheckpoint(pool, target);
        after = '';
      } else if (existed && after === '') {
        // Starting from the first event: what the store holds (an earlier database's, or a batch
        // whose checkpoint never moved) would make the revision guard skip events. Start empty.
        await projection.drop(target);
        await projection.prepare(target);
      }
      // Stops on shutdown, or when a replay swapped the live target (start over on the new one).
      const swapped = new AbortController();
      await eventStore.subscribe({
        after,
        signal: AbortSignal.any([signal, swapped.signal]),
        onBatch: async (events) => {
          await applyExternalBatch(pool, projection, target, events, log);
          const handled = events.filter((event) => projection.handles.has(event.type));
          announceCheckpoints(pool, changesOf(new Map(), projection, handled, events[events.length - 1]!.globalPosition));
          failures = 0;
          if ((await liveTarget(pool, projection.name)) !== target) swapped.abort();
        },
      });
    } catch (error) {
      if (signal.aborted) return;
      failures += 1;
      log('projection stopped; restarting', { projection: projection.name, error: String(error) });
      await sleep(Math.min(500 * 2 ** (failures - 1), 10_000), undefined, { signal }).catch(() => undefined);
    }
  }
};

import type { PoolClient } from 'pg';
import { addUsedBatch, createAvailabilityTable } from './postgres.ts';
import type { PgProjection } from '../projection.ts';
import { availabilityChanges, availabilityHandles } from './availability-changes.ts';

export const AVAILABILITY = 'availability';

/** The embedded default: the runner's transaction moves the checkpoint with the counters, so no revision guard is needed. */
export const availabilityProjection: PgProjection = {
  name: AVAILABILITY,
  handles: availabilityHandles,
  async migrate(client: PoolClient, target: string) {
    await createAvailabilityTable(client, target);
  },
  async index() {},
  async fold(_db, events, target) {
    const changes = events.flatMap(availabilityChanges);
    return (client) => addUsedBatch(client, target, changes);
  },
  async drop(client: PoolClient, target: string) {
    await client.query(`DROP TABLE IF EXISTS ${target}`);
  },
};

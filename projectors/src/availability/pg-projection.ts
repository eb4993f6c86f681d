import type { PoolClient } from 'pg';
import type { RecordedEvent } from '@stayhub/infra';
import type { PgProjection } from '../runner/projection.ts';
import { availabilityChanges, availabilityHandles } from './availability-changes.ts';

export const AVAILABILITY = 'availability';

export const availabilityProjection: PgProjection = {
  name: AVAILABILITY,
  handles: availabilityHandles,
  async migrate(client: PoolClient, target: string) {
    await client.query(`
      CREATE TABLE IF NOT EXISTS ${target} (
        unit_type_id text NOT NULL,
        key          text NOT NULL,
        used         int NOT NULL,
        PRIMARY KEY (unit_type_id, key)
      )`);
  },
  async apply(client: PoolClient, event: RecordedEvent, target: string) {
    for (const change of availabilityChanges(event)) {
      await client.query(
        `INSERT INTO ${target} (unit_type_id, key, used) VALUES ($1, $2, $3)
         ON CONFLICT (unit_type_id, key) DO UPDATE SET used = ${target}.used + excluded.used`,
        [change.unitTypeId, change.key, change.delta],
      );
    }
  },
  async drop(client: PoolClient, target: string) {
    await client.query(`DROP TABLE IF EXISTS ${target}`);
  },
};

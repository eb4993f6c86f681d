import type { PoolClient } from 'pg';
import type { RecordedEvent } from '@stayhub/infra';
import type { PgProjection } from '../projection.ts';
import { evolveUserProfile, userProfileHandles, type UserProfile } from './profile-document.ts';

export const USER_PROFILES = 'user_profiles';

/** Public user profiles, one row per user. */
export const userProfilesProjection: PgProjection = {
  name: USER_PROFILES,
  handles: userProfileHandles,
  async migrate(client: PoolClient, target: string) {
    await client.query(`CREATE TABLE IF NOT EXISTS ${target} (user_id text PRIMARY KEY, doc jsonb NOT NULL)`);
  },
  async apply(client: PoolClient, event: RecordedEvent, target: string) {
    const userId = (event.data as { userId: string }).userId;
    const { rows } = await client.query<{ doc: UserProfile }>(`SELECT doc FROM ${target} WHERE user_id = $1 FOR UPDATE`, [userId]);
    const before = rows[0]?.doc;
    const doc = evolveUserProfile(before, event);
    if (!doc || doc === before) return;
    await client.query(`INSERT INTO ${target} (user_id, doc) VALUES ($1, $2) ON CONFLICT (user_id) DO UPDATE SET doc = excluded.doc`, [userId, JSON.stringify(doc)]);
  },
  async drop(client: PoolClient, target: string) {
    await client.query(`DROP TABLE IF EXISTS ${target}`);
  },
};

import type { PoolClient } from 'pg';
import { foldTable, type DocumentTable } from '../pg-documents.ts';
import type { PgProjection } from '../projection.ts';
import { evolveUserProfile, userProfileHandles, type UserProfileDocument } from './profile-document.ts';

const USER_PROFILES = 'user_profiles';

const profileRows: DocumentTable<UserProfileDocument> = {
  table: (target) => target,
  key: 'user_id',
  handles: userProfileHandles,
  keyOf: (event) => (event.data as { userId: string }).userId,
  evolve: evolveUserProfile,
  row: (doc) => ({ user_id: doc.userId, doc }),
};

/** Public user profiles, one row per user. */
export const userProfilesProjection: PgProjection = {
  name: USER_PROFILES,
  handles: userProfileHandles,
  async migrate(client: PoolClient, target: string) {
    await client.query(`CREATE TABLE IF NOT EXISTS ${target} (user_id text PRIMARY KEY, doc jsonb NOT NULL)`);
  },
  // no secondary index: the primary key is all a reader uses
  async index() {},
  fold: (db, events, target, options) => foldTable(db, profileRows, events, target, options),
  async drop(client: PoolClient, target: string) {
    await client.query(`DROP TABLE IF EXISTS ${target}`);
  },
};

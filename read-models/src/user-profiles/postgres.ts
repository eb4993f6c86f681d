import type { Pool } from 'pg';
import { liveTargets } from '../checkpoints.ts';
import type { UserProfile } from './profile-document.ts';

const USER_PROFILES = 'user_profiles';

export interface UserProfileReader {
  get(userId: string): Promise<UserProfile | undefined>;
}

export class PgUserProfileReader implements UserProfileReader {
  constructor(private readonly pool: Pool) {}

  async get(userId: string): Promise<UserProfile | undefined> {
    const { user_profiles: table } = await liveTargets(this.pool, [USER_PROFILES]);
    const { rows } = await this.pool.query<{ doc: UserProfile }>(`SELECT doc FROM ${table} WHERE user_id = $1`, [userId]);
    return rows[0]?.doc;
  }
}

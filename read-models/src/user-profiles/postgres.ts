import type { Pool } from 'pg';
import { liveTargets } from '../checkpoints.ts';
import type { OwnAccount, UserProfile, UserProfileDocument } from './profile-document.ts';

const USER_PROFILES = 'user_profiles';

/** What `GET /me` shows: the public profile and the user's own account. */
export type OwnProfile = UserProfile & OwnAccount;

export interface UserProfileReader {
  /** The public profile (no email, no account). */
  get(userId: string): Promise<UserProfile | undefined>;
  /** The user's own view of themselves, for that user only. */
  own(userId: string): Promise<OwnProfile | undefined>;
}

export class PgUserProfileReader implements UserProfileReader {
  constructor(private readonly pool: Pool) {}

  private async document(userId: string): Promise<UserProfileDocument | undefined> {
    const { user_profiles: table } = await liveTargets(this.pool, [USER_PROFILES]);
    const { rows } = await this.pool.query<{ doc: UserProfileDocument }>(`SELECT doc FROM ${table} WHERE user_id = $1`, [userId]);
    return rows[0]?.doc;
  }

  async get(userId: string): Promise<UserProfile | undefined> {
    const doc = await this.document(userId);
    if (!doc) return undefined;
    const { userId: id, firstName, role, memberSince } = doc;
    return { userId: id, firstName, role, memberSince };
  }

  async own(userId: string): Promise<OwnProfile | undefined> {
    const doc = await this.document(userId);
    if (!doc?.account) return undefined;
    const { userId: id, firstName, role, memberSince, account } = doc;
    return { userId: id, firstName, role, memberSince, ...account };
  }
}

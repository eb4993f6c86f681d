import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, inTransaction, type Pool, type RecordedEvent } from '@stayhub/infra';
import { testDatabaseUrl } from '@stayhub/infra/testing/database';
import { evolveUserProfile } from './profile-document.ts';
import { userProfilesProjection } from './pg-projection.ts';
import { applyEvents } from '../projection.ts';
import { describeProjection, recorded as specRecorded } from '../testing/projection-spec.ts';

const registered = (userId: string, name: string, passwordHash?: string): RecordedEvent => ({
  eventId: randomUUID(),
  type: 'UserRegistered',
  schemaVersion: 1,
  streamId: `user-${userId}`,
  streamRevision: 0,
  globalPosition: '1',
  occurredAt: '2026-03-04T10:00:00.000Z',
  data: { userId, email: `${userId}@example.com`, name, role: 'guest', ...(passwordHash ? { passwordHash } : {}), at: '2026-03-04T10:00:00.000Z' },
  metadata: {},
});

describe('user profile', () => {
  it('shows the first name and the month of joining, never the email', () => {
    const profile = evolveUserProfile(undefined, registered('u1', '  Ada   Lovelace '));
    expect(profile).toEqual({ userId: 'u1', firstName: 'Ada', role: 'guest', memberSince: '2026-03' });
    expect(JSON.stringify(profile)).not.toContain('example.com');
  });
});

describe('user profiles projection', () => {
  let pool: Pool;
  const target = 'user_profiles';
  beforeAll(async () => {
    pool = createPool(await testDatabaseUrl(), 2);
    await inTransaction(pool, (client) => userProfilesProjection.migrate(client, target));
  });
  afterAll(async () => {
    await pool?.end();
  });

  it('gets the same row when the event is delivered twice', async () => {
    const event = registered('u2', 'Grace Hopper');
    await inTransaction(pool, (client) => applyEvents(client, userProfilesProjection, [event], target));
    const once = (await pool.query(`SELECT * FROM ${target} WHERE user_id = 'u2'`)).rows;
    await inTransaction(pool, (client) => applyEvents(client, userProfilesProjection, [event], target));
    expect((await pool.query(`SELECT * FROM ${target} WHERE user_id = 'u2'`)).rows).toEqual(once);
    expect(once[0].doc).toEqual({ userId: 'u2', firstName: 'Grace', role: 'guest', memberSince: '2026-03' });
  });
});

const registration = (userId: string, name: string) =>
  specRecorded(`user-${userId}`, [{ type: 'UserRegistered', data: { userId, email: `${userId}@example.com`, name, role: 'host', at: '2026-05-06T10:00:00.000Z' } }]);

describeProjection('user profiles projection, batched', {
  projection: userProfilesProjection,
  tables: (target) => [target],
  guardedByRevision: true,
  cases: [
    {
      name: 'registrations in one batch make one profile each',
      given: registration('u3', 'Ada Lovelace'),
      when: [...registration('u4', 'Grace Hopper'), ...registration('u5', 'Alan Turing')],
      then: (rows, [profiles]) => {
        expect(rows[profiles!]!.map((r) => (r as { doc: unknown }).doc)).toEqual([
          { userId: 'u3', firstName: 'Ada', role: 'host', memberSince: '2026-05' },
          { userId: 'u4', firstName: 'Grace', role: 'host', memberSince: '2026-05' },
          { userId: 'u5', firstName: 'Alan', role: 'host', memberSince: '2026-05' },
        ]);
      },
    },
  ],
});

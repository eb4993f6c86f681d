import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, inTransaction, type Pool, type RecordedEvent } from '@stayhub/event-sourcing';
import { testDatabaseUrl } from '@stayhub/event-sourcing/testing';
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

const changed = (userId: string, streamRevision: number, changes: Record<string, unknown>): RecordedEvent => ({
  ...registered(userId, ''),
  eventId: randomUUID(),
  type: 'UserProfileChanged',
  streamRevision,
  data: { userId, changes, at: '2026-03-05T10:00:00.000Z' },
});

describe('user profile', () => {
  it('shows the first name and the month of joining, never the email', () => {
    const profile = evolveUserProfile(undefined, registered('u1', '  Ada   Lovelace '));
    expect(profile).toMatchObject({ userId: 'u1', firstName: 'Ada', role: 'guest', memberSince: '2026-03', revision: 0 });
    expect(profile?.account).toEqual({ email: 'u1@example.com', name: '  Ada   Lovelace ' });
  });

  it('follows a change of name, phone and locale; a removed phone is gone; an event at or below the revision changes nothing', () => {
    const start = evolveUserProfile(undefined, registered('u1', 'Ada Lovelace'));
    const renamed = evolveUserProfile(start, changed('u1', 1, { name: 'Augusta Ada King', phone: '+4915112345678', locale: 'en' }));
    expect(renamed).toMatchObject({
      firstName: 'Augusta',
      revision: 1,
      account: { email: 'u1@example.com', name: 'Augusta Ada King', phone: '+4915112345678', locale: 'en' },
    });
    const noPhone = evolveUserProfile(renamed, changed('u1', 2, { phone: null }));
    expect(noPhone?.account).toEqual({ email: 'u1@example.com', name: 'Augusta Ada King', locale: 'en' });
    expect(evolveUserProfile(noPhone, changed('u1', 1, { name: 'Ada Lovelace', phone: '+4915112345678' }))).toBe(noPhone);
  });

  it('follows an email change into the account only; the same event again changes nothing', () => {
    const start = evolveUserProfile(undefined, registered('u1', 'Ada Lovelace'));
    const moved = { ...changed('u1', 1, {}), type: 'UserEmailChanged', data: { userId: 'u1', email: 'ada@new.example', at: '2026-03-05T10:00:00.000Z' } };
    const after = evolveUserProfile(start, moved);
    expect(after).toMatchObject({ firstName: 'Ada', revision: 1, account: { email: 'ada@new.example', name: 'Ada Lovelace' } });
    expect(evolveUserProfile(after, moved)).toBe(after);
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
    expect(once[0].doc).toMatchObject({ userId: 'u2', firstName: 'Grace', role: 'guest', memberSince: '2026-03' });
  });
});

const registration = (userId: string, name: string) =>
  specRecorded(`user-${userId}`, [
    { type: 'UserRegistered', data: { userId, email: `${userId}@example.com`, name, role: 'host', at: '2026-05-06T10:00:00.000Z' } },
  ]);
const publicPart = (row: unknown) => {
  const { account: _account, revision: _revision, ...doc } = (row as { doc: Record<string, unknown> }).doc;
  return doc;
};

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
        expect(rows[profiles!]!.map(publicPart)).toEqual([
          { userId: 'u3', firstName: 'Ada', role: 'host', memberSince: '2026-05' },
          { userId: 'u4', firstName: 'Grace', role: 'host', memberSince: '2026-05' },
          { userId: 'u5', firstName: 'Alan', role: 'host', memberSince: '2026-05' },
        ]);
      },
    },
    {
      name: 'a profile change after the registration renames the public profile and changes the account',
      given: registration('u6', 'Ada Lovelace'),
      when: specRecorded(
        'user-u6',
        [{ type: 'UserProfileChanged', data: { userId: 'u6', changes: { name: 'Augusta King', locale: 'en' }, at: '2026-05-07T10:00:00.000Z' } }],
        1,
      ),
      then: (rows, [profiles]) => {
        const doc = (rows[profiles!]![0] as { doc: Record<string, unknown> }).doc;
        expect(doc).toEqual({
          userId: 'u6',
          firstName: 'Augusta',
          role: 'host',
          memberSince: '2026-05',
          revision: 1,
          account: { email: 'u6@example.com', name: 'Augusta King', locale: 'en' },
        });
      },
    },
    {
      name: 'an email change moves the account to the new address and shows nowhere in public',
      given: registration('u7', 'Ada Lovelace'),
      when: specRecorded('user-u7', [{ type: 'UserEmailChanged', data: { userId: 'u7', email: 'ada@new.example', at: '2026-05-07T10:00:00.000Z' } }], 1),
      then: (rows, [profiles]) => {
        const row = rows[profiles!]![0];
        expect((row as { doc: { account: unknown } }).doc.account).toEqual({ email: 'ada@new.example', name: 'Ada Lovelace' });
        expect(publicPart(row)).toEqual({ userId: 'u7', firstName: 'Ada', role: 'host', memberSince: '2026-05' });
      },
    },
  ],
});

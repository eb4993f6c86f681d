import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OwnProfile, UserProfile } from '@stayhub/read-models';
import { expectRefusedRead, position, queryApiSpec, type QueryApiSpec, type RefusedRead } from '../testing/http-spec.ts';

describe('user query routes', () => {
  // given: the user profiles read model holds Ada (a host guests reviewed once) with her own account
  const ada: UserProfile = { userId: 'u-ada', firstName: 'Ada', role: 'host', memberSince: '2030-01-01T00:00:00.000Z' };
  const own: OwnProfile = { ...ada, email: 'ada@example.com', name: 'Ada Lovelace', locale: 'en-GB' };
  const reviews = { asHost: { average: 5, count: 1, recent: [] }, asGuest: { count: 0 } };
  let api: QueryApiSpec;
  let token: string;
  let ghost: string;
  beforeAll(async () => {
    api = await queryApiSpec({
      users: { get: async (id) => (id === ada.userId ? ada : undefined), own: async (id) => (id === own.userId ? own : undefined) },
      reviews: { ofProfile: async () => reviews },
    });
    token = await api.tokenFor('host', 'u-ada');
    ghost = await api.tokenFor('guest', 'u-ghost');
  });
  afterAll(() => api?.close());

  it('shows a public profile to anyone: first name and reviews, never the email', async () => {
    const reply = await api.get('/users/u-ada');
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body).toEqual({ ...ada, reviews, stale: false });
  });

  it('shows the caller their own account', async () => {
    const reply = await api.get('/me', token);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body).toEqual({ ...own, stale: false });
  });

  it('answers a profile the read model has not reached yet with 503 to retry', async () => {
    api.consistency.head = position(30);
    const reply = await api.get(`/users/u-new?after=${position(25)}`);
    expect(reply.status).toBe(503);
  });

  describe('refusals', () => {
    const cases: RefusedRead[] = [
      { name: 'a user that does not exist', path: '/users/u-none', status: 404 },
      { name: 'an id past 100 characters', path: `/users/${'x'.repeat(101)}`, status: 400, fields: ['id'] },
      { name: 'an unknown query parameter', path: '/users/u-ada?fields=email', status: 400, fields: ['fields'] },
      { name: 'a bad consistency header', path: '/users/u-ada', headers: { 'x-consistency-token': '42' }, status: 400, fields: ['x-consistency-token'] },
      { name: 'your account without a token', path: '/me', status: 401 },
      { name: 'an account not in the read model', path: '/me', token: () => ghost, status: 404 },
    ];
    it.each(cases)('$name: $status', (refusal) => expectRefusedRead(api, refusal));
  });
});

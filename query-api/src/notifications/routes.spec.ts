import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectRefusedRead, queryApiSpec, type QueryApiSpec, type RefusedRead } from '../testing/http-spec.ts';

describe('notification query routes', () => {
  // given: the notifications read model holds one unread notice of guest-1
  const id = `n_${'a'.repeat(22)}`;
  const notice = {
    id,
    kind: 'booking_confirmed',
    text: 'Your stay is confirmed',
    data: { bookingId: 'b-1' },
    at: '2030-03-01T09:00:00.000Z',
    readAt: null as string | null,
  };
  let api: QueryApiSpec;
  let guest: string;
  beforeAll(async () => {
    api = await queryApiSpec({
      notifications: {
        inbox: async (userId, query) =>
          ({ items: userId === 'guest-1' ? [notice].slice(0, query.limit) : [], unread: notice.readAt ? 0 : 1, nextCursor: null }) as never,
        unreadCount: async () => (notice.readAt ? 0 : 1),
        markRead: async (userId, noticeId, at) => {
          if (userId !== 'guest-1' || noticeId !== id) return undefined;
          notice.readAt ??= at;
          return notice.readAt;
        },
      },
    });
    guest = await api.tokenFor('guest', 'guest-1');
  });
  afterAll(() => api?.close());

  it('lists the notices and counts the unread ones', async () => {
    const inbox = await api.get('/me/notifications?limit=5', guest);
    expect(inbox.status, JSON.stringify(inbox.body)).toBe(200);
    expect(inbox.body).toMatchObject({ items: [{ id }], unread: 1, stale: false });
    expect((await api.get('/me/notifications/unread-count', guest)).body).toEqual({ unread: 1, stale: false });
  });

  it('marks a notice read, once', async () => {
    const first = await api.post(`/me/notifications/${id}/read`, {}, guest);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toEqual({ id, readAt: '2030-03-01T09:00:00.000Z', unread: 0 });
  });

  describe('refusals', () => {
    let stranger: string;
    beforeAll(async () => {
      stranger = await api.tokenFor('guest', 'guest-2');
    });
    const cases: RefusedRead[] = [
      { name: 'no token', path: '/me/notifications', token: () => undefined, status: 401 },
      { name: 'a limit past 100', path: '/me/notifications?limit=101', status: 400, fields: ['limit'] },
      { name: 'a cursor that is none', path: '/me/notifications?cursor=zzz', status: 400, fields: ['cursor'] },
      { name: 'an unknown query parameter', path: '/me/notifications/unread-count?kind=x', status: 400, fields: ['kind'] },
    ];
    it.each(cases)('$name: $status', (refusal) => expectRefusedRead(api, refusal, guest));

    it("refuses a malformed notice id with 400 and someone else's notice with 404", async () => {
      expect((await api.post('/me/notifications/n_short/read', {}, guest)).status).toBe(400);
      expect((await api.post(`/me/notifications/${id}/read`, {}, stranger)).status).toBe(404);
      expect((await api.post(`/me/notifications/${id}/read`, { extra: 1 }, guest)).status).toBe(400);
    });
  });
});

import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, inTransaction, type Pool } from '@stayhub/event-sourcing';
import { testDatabaseUrl } from '@stayhub/event-sourcing/testing';
import { applyEvents } from '../projection.ts';
import { recorded } from '../testing/projection-spec.ts';
import { notificationsProjection } from './pg-projection.ts';
import { PgNotificationReader } from './postgres.ts';

const target = `notifications_reader_${randomBytes(3).toString('hex')}`;
let pool: Pool;
let reader: PgNotificationReader;

const eur = (amount: number) => ({ amount, currency: 'EUR' });
/** A payout notice to `hostId` at `at` (the simplest notice to make). */
const payout = (hostId: string, at: string) =>
  recorded(`payouts-${hostId}`, [{ type: 'HostPayoutSent', data: { hostId, payoutId: randomUUID(), gatewayPayoutId: 'po', amount: eur(100), at } }]);

beforeAll(async () => {
  pool = createPool(await testDatabaseUrl(), 4);
  await inTransaction(pool, (client) => notificationsProjection.migrate(client, target));
  reader = new PgNotificationReader(pool, async () => target);
});
afterAll(async () => {
  if (!pool) return;
  await inTransaction(pool, (client) => notificationsProjection.drop(client, target));
  await pool.end();
});

const NOW = '2026-06-01T00:00:00.000Z';
const give = (events: ReturnType<typeof recorded>) => inTransaction(pool, (client) => applyEvents(client, notificationsProjection, events, target));

describe('a user inbox', () => {
  it('shows unread first, then newest, page by page; a notice from the future shows once its time comes', async () => {
    const host = `h-${randomUUID()}`;
    const times = ['2026-05-01', '2026-05-02', '2026-05-03', '2026-05-04', '2026-05-05'].map((d) => `${d}T00:00:00.000Z`);
    for (const at of times) await give(payout(host, at));
    await give(payout(host, '2026-07-01T00:00:00.000Z'));

    const first = await reader.inbox(host, { now: NOW, limit: 5 });
    expect(first.unread).toBe(5);
    const [oldest, , middle] = [...first.items].reverse();
    expect(await reader.markRead(host, middle!.id, NOW)).toBe(NOW);
    expect(await reader.markRead(host, oldest!.id, NOW)).toBe(NOW);
    // marked again later: still read since the first time
    expect(await reader.markRead(host, oldest!.id, '2026-06-02T00:00:00.000Z')).toBe(NOW);
    expect(await reader.unreadCount(host, NOW)).toBe(3);

    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await reader.inbox(host, { now: NOW, limit: 2, cursor });
      expect(page.unread).toBe(3);
      pages.push(page.items.map((n) => `${n.at.slice(0, 10)} ${n.readAt ? 'read' : 'unread'}`));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(pages).toEqual([['2026-05-05 unread', '2026-05-04 unread'], ['2026-05-02 unread', '2026-05-03 read'], ['2026-05-01 read']]);
    // the first mark stays
    expect((await reader.inbox(host, { now: NOW, limit: 5 })).items.find((n) => n.id === oldest!.id)?.readAt).toBe(NOW);
    expect(await reader.unreadCount(host, '2026-07-02T00:00:00.000Z')).toBe(4);
  });

  it("marks only the owner's shown notices", async () => {
    const [owner, other] = [`h-${randomUUID()}`, `h-${randomUUID()}`];
    await give(payout(owner, '2026-05-01T00:00:00.000Z'));
    await give(payout(owner, '2026-07-01T00:00:00.000Z'));
    const [shown] = (await reader.inbox(owner, { now: NOW, limit: 10 })).items;
    expect(await reader.markRead(other, shown!.id, NOW)).toBeUndefined();
    expect(await reader.markRead(owner, 'n_unknown', NOW)).toBeUndefined();
    const future = (await reader.inbox(owner, { now: '2026-08-01T00:00:00.000Z', limit: 10 })).items.find((n) => n.at.startsWith('2026-07'))!;
    expect(await reader.markRead(owner, future.id, NOW)).toBeUndefined();
    expect(await reader.unreadCount(owner, NOW)).toBe(1);
    expect((await reader.inbox(other, { now: NOW, limit: 10 })).items).toEqual([]);
  });

  it('refuses a cursor it did not hand out', async () => {
    await expect(reader.inbox('u', { now: NOW, limit: 1, cursor: 'bm90LWEtY3Vyc29y' })).rejects.toBeInstanceOf(RangeError);
  });
});

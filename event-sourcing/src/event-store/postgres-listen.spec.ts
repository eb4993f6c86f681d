import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createPool } from '../postgres/pool.ts';
import { testDatabaseUrl } from '../testing/database.ts';
import { PostgresEventStore } from './postgres.ts';

describe('PostgreSQL event store: subscribers sharing one store', () => {
  it('open one LISTEN connection between them, so that closing the store lets the pool end (a graceful shutdown)', async () => {
    const pool = createPool(await testDatabaseUrl(), 10);
    const store = await PostgresEventStore.create(pool, { pollIntervalMs: 20 });
    const stop = new AbortController();
    const seen: number[] = [];
    const subscribers = Array.from({ length: 6 }, (_, i) =>
      store.subscribe({ after: '', signal: stop.signal, onBatch: async (events) => void seen.push(...events.map(() => i)) }),
    );
    await store.append('probe-1', [{ eventId: '01920000-0000-7000-8000-000000000001', type: 'Probed', data: {} }], 'no_stream');
    const deadline = Date.now() + 5_000;
    while (new Set(seen).size < 6 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(new Set(seen).size).toBe(6);
    // Six subscribers: one connection listens; the others came back to the pool (the wake-up the
    // append sends after its commit may still hold one for a moment).
    while (pool.totalCount - pool.idleCount > 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(pool.totalCount - pool.idleCount).toBeLessThanOrEqual(1);

    stop.abort();
    await Promise.all(subscribers);
    await store.close();
    const ended = await Promise.race([pool.end().then(() => 'ended'), new Promise((resolve) => setTimeout(() => resolve('hung'), 3_000))]);
    expect(ended).toBe('ended');
  });
});

describe('PostgreSQL event store: waking other processes', () => {
  it('wakes a subscriber of another store after every append, coalesced, the NOTIFY never inside an append', async () => {
    const url = await testDatabaseUrl();
    const [writerPool, readerPool] = [createPool(url, 4), createPool(url, 4)];
    // One NOTIFY a second at most: the appends below all fall within the first one's second.
    const writer = await PostgresEventStore.create(writerPool, { notifyEveryMs: 1_000 });
    // It polls once a minute: only a NOTIFY wakes it within the test.
    const reader = await PostgresEventStore.create(readerPool, { pollIntervalMs: 60_000 });
    const wakes: string[] = [];
    const appends: string[] = [];
    const query = writerPool.query.bind(writerPool) as (...args: unknown[]) => unknown;
    (writerPool as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      const text = typeof args[0] === 'string' ? args[0] : ((args[0] as { text?: string }).text ?? '');
      if (/NOTIFY/i.test(text)) wakes.push(text);
      else appends.push(text);
      return query(...args);
    };
    const stop = new AbortController();
    const seen = new Set<string>();
    const subscribed = reader.subscribe({
      after: await reader.headPosition(),
      signal: stop.signal,
      onBatch: async (events) => {
        for (const e of events) seen.add(e.streamId);
      },
    });
    const until = async (done: () => boolean) => {
      const deadline = Date.now() + 10_000;
      while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    };
    await new Promise((resolve) => setTimeout(resolve, 200)); // the reader has read and listens

    const lone = `wake-lone-${randomUUID()}`;
    await writer.append(lone, [{ eventId: randomUUID(), type: 'Probed', data: {} }], 'no_stream');
    await until(() => seen.has(lone));
    expect(seen.has(lone)).toBe(true);
    expect(wakes).toHaveLength(1);

    // Appended within the second after the first wake-up: one more NOTIFY covers them all, when that second is over.
    const streams = Array.from({ length: 50 }, () => `wake-run-${randomUUID()}`);
    await Promise.all(streams.map((stream) => writer.append(stream, [{ eventId: randomUUID(), type: 'Probed', data: {} }], 'no_stream')));
    await until(() => streams.every((s) => seen.has(s)));
    expect(streams.filter((s) => !seen.has(s))).toEqual([]);
    expect(wakes).toHaveLength(2);
    // A transaction that notifies holds the server-wide NOTIFY lock through its commit: no append does.
    expect(appends.filter((text) => /notify/i.test(text))).toEqual([]);
    expect(wakes.every((text) => text.includes('synchronous_commit = off'))).toBe(true);

    stop.abort();
    await subscribed;
    await Promise.all([writer.close(), reader.close()]);
    await Promise.all([writerPool.end(), readerPool.end()]);
  });
});

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseUrl } from '../testing/database.ts';
import { createPool, type Pool } from './pool.ts';
import { migrateEventStore } from './schema.ts';

type Outcome = { group_no: number; stream: string | null; outcome: string; revision: string | null };
const event = (type: string, eventId: string = randomUUID()) => ({ eventId, type, data: { type } });
const append = (s: string, k: 'any' | 'no_stream' | 'stream_exists' | 'exact', r: number, e: ReturnType<typeof event>[]) => ({ s, k, r, e });

describe('the PostgreSQL event store schema', () => {
  let pool: Pool;
  const batch = async (groups: ReturnType<typeof append>[][]): Promise<Omit<Outcome, 'group_no'>[][]> => {
    const { rows } = await pool.query<Outcome>('SELECT group_no, stream, outcome, revision::text FROM es_append_batch($1) ORDER BY group_no, stream', [
      JSON.stringify(groups),
    ]);
    return groups.map((_g, i) => rows.filter((r) => r.group_no === i + 1).map(({ stream, outcome, revision }) => ({ stream, outcome, revision })));
  };
  const revisions = async (streamId: string) =>
    (await pool.query<{ r: string }>('SELECT stream_revision::text AS r FROM es_events WHERE stream_id = $1 ORDER BY global_position', [streamId])).rows.map(
      (row) => Number(row.r),
    );

  beforeAll(async () => {
    pool = createPool(await testDatabaseUrl(), 4);
    await migrateEventStore(pool);
  });
  afterAll(() => pool?.end());

  it('migrates again, and from several connections at once, without harm', async () => {
    await Promise.all([migrateEventStore(pool), migrateEventStore(pool), migrateEventStore(pool)]);
    const { rows } = await pool.query<{ name: string }>("SELECT proname AS name FROM pg_proc WHERE proname LIKE 'es_append%' ORDER BY 1");
    expect(rows.map((r) => r.name)).toEqual(['es_append', 'es_append_batch', 'es_append_refused', 'es_append_rows']);
  });

  it('appends the groups of a batch each with its own expectation: a conflict in one leaves the others standing', async () => {
    const outcomes = await batch([
      [append('s-a', 'no_stream', -1, [event('A1'), event('A2')]), append('s-b', 'no_stream', -1, [event('B1')])],
      [append('s-a', 'exact', 5, [event('lost')])],
      [append('s-a', 'exact', 1, [event('A3')])],
    ]);
    expect(outcomes).toEqual([
      [
        { stream: 's-a', outcome: 'ok', revision: '1' },
        { stream: 's-b', outcome: 'ok', revision: '0' },
      ],
      [{ stream: 's-a', outcome: 'conflict', revision: '1' }],
      [{ stream: 's-a', outcome: 'ok', revision: '2' }],
    ]);
    expect(await revisions('s-a')).toEqual([0, 1, 2]);
  });

  it('answers a group whose events are all stored with the stored result, and refuses one partly stored', async () => {
    const known = event('C1');
    await batch([[append('s-c', 'no_stream', -1, [known])]]);
    expect(await batch([[append('s-c', 'no_stream', -1, [known])], [append('s-c', 'any', -1, [known, event('C2')])]])).toEqual([
      [{ stream: 's-c', outcome: 'duplicate', revision: '0' }],
      [{ stream: null, outcome: 'partial_duplicate', revision: null }],
    ]);
    expect(await revisions('s-c')).toEqual([0]);
  });

  it('checks stream_exists and no_stream, and raises ES409 from the one-stream append on a conflict', async () => {
    expect(await batch([[append('s-new', 'stream_exists', -1, [event('X')])]])).toEqual([[{ stream: 's-new', outcome: 'conflict', revision: '-1' }]]);
    await expect(pool.query("SELECT * FROM es_append('s-b', 'no_stream', -1, $1)", [JSON.stringify([event('B2')])])).rejects.toMatchObject({ code: 'ES409' });
  });

  it('keeps one event per stream revision and per event id, whatever writes around the functions', async () => {
    const insert = (eventId: string, revision: number) =>
      pool.query("INSERT INTO es_events (event_id, stream_id, stream_revision, type, data, occurred_at) VALUES ($1, 's-a', $2, 'Raw', '{}', now())", [
        eventId,
        revision,
      ]);
    await expect(insert(randomUUID(), 0)).rejects.toMatchObject({ code: '23505' });
    const { rows } = await pool.query<{ id: string }>("SELECT event_id::text AS id FROM es_events WHERE stream_id = 's-a' LIMIT 1");
    await expect(insert(rows[0]!.id, 99)).rejects.toMatchObject({ code: '23505' });
  });
});

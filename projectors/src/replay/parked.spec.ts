import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, PostgresEventStore, type Pool, type RecordedEvent } from '@stayhub/event-sourcing';
import { testDatabaseUrl } from '@stayhub/event-sourcing/testing';
import { applyBatch, migrateProjector } from '../runner/pg-runner.ts';
import { eachEvent, type PgProjection } from '@stayhub/read-models';
import { listParked, retryParked } from './parked.ts';
import { pgRebuildAdapter } from './pg-target.ts';
import { silentProgress } from './progress.ts';
import { rebuild } from './replay.ts';
import { pgEventSource } from './sources.ts';

/** A projection that fails on the labels it is told are bad, as a bug would. */
const bad = new Set<string>();
const notes: PgProjection = {
  name: 'notes',
  handles: new Set(['Noted']),
  migrate: async (client, target) => void (await client.query(`CREATE TABLE IF NOT EXISTS ${target} (label text PRIMARY KEY, times int NOT NULL)`)),
  index: async () => undefined,
  fold: eachEvent(async (client, event, target) => {
    const { label } = event.data as { label: string };
    if (bad.has(label)) throw new Error(`cannot note ${label}`);
    await client.query(`INSERT INTO ${target} (label, times) VALUES ($1, 1) ON CONFLICT (label) DO UPDATE SET times = ${target}.times + 1`, [label]);
  }),
  drop: async (client, target) => void (await client.query(`DROP TABLE IF EXISTS ${target}`)),
};

let pool: Pool;
let store: PostgresEventStore;
let appended = '';
const note = async (label: string) => {
  appended = (await store.append(`note-${label}`, [{ eventId: randomUUID(), type: 'Noted', data: { label } }], 'no_stream')).position;
};
const notesIn = async (table: string) => (await pool.query(`SELECT label, times FROM ${table} ORDER BY label`)).rows;
/** What the live projector would do with everything appended so far (other databases' transactions may hold the reader back a moment). */
const projectLive = async () => {
  for (;;) {
    const { rows } = await pool.query<{ position: string }>(`SELECT position FROM projection_checkpoints WHERE name = 'notes'`);
    const position = rows[0]?.position ?? '';
    if (position >= appended) return;
    const events: RecordedEvent[] = await store.readAll({ after: position });
    if (events.length > 0) await applyBatch(pool, notes, 'notes', events, () => undefined);
    else await new Promise((r) => setTimeout(r, 20));
  }
};

beforeAll(async () => {
  pool = createPool(await testDatabaseUrl(), 6);
  store = await PostgresEventStore.create(pool);
  await migrateProjector(pool, [notes]);
});
afterAll(async () => {
  await store?.close();
  await pool?.end();
});

describe('parked events', () => {
  it('are listed, stay parked while they still fail, and are applied exactly once after a fix', async () => {
    bad.add('b');
    await note('a');
    await note('b');
    await note('c');
    await projectLive();
    expect(await notesIn('notes')).toEqual([
      { label: 'a', times: 1 },
      { label: 'c', times: 1 },
    ]);
    const parked = await listParked(pool, 'notes');
    expect(parked).toMatchObject([{ type: 'Noted', streamId: 'note-b', error: 'Error: cannot note b' }]);

    const stillBroken = await retryParked(pool, notes);
    expect(stillBroken).toEqual({ retried: [], failed: [{ eventId: parked[0]!.eventId, error: 'Error: cannot note b' }] });
    expect(await listParked(pool, 'notes')).toHaveLength(1);

    bad.delete('b');
    expect(await retryParked(pool, notes)).toEqual({ retried: [parked[0]!.eventId], failed: [] });
    expect(await listParked(pool, 'notes')).toEqual([]);
    expect(await retryParked(pool, notes)).toEqual({ retried: [], failed: [] });
    expect(await notesIn('notes')).toEqual([
      { label: 'a', times: 1 },
      { label: 'b', times: 1 },
      { label: 'c', times: 1 },
    ]);
  });

  it('a rebuild parks its own failures, which replace the live ones when it is swapped in', async () => {
    bad.add('d');
    await note('d');
    await projectLive();
    expect((await listParked(pool, 'notes')).map((p) => p.streamId)).toEqual(['note-d']);
    // The fix for d breaks a instead: the rebuild applies d and parks a.
    bad.delete('d');
    bad.add('a');
    const outcome = await rebuild(
      { pool, events: pgEventSource(pool), adapter: pgRebuildAdapter(pool, [notes]), print: () => undefined, progress: () => silentProgress },
      { names: ['notes'], batchSize: 2, dropAfterMs: 0 },
    );
    expect(outcome.targets[0]!.target).toBe('notes_r1');
    expect((await listParked(pool, 'notes_r1')).map((p) => p.streamId)).toEqual(['note-a']);
    expect((await listParked(pool, 'notes')).map((p) => p.streamId)).toEqual(['note-d']);

    const swapped = await rebuild(
      { pool, events: pgEventSource(pool), adapter: pgRebuildAdapter(pool, [notes]), print: () => undefined, progress: () => silentProgress },
      { names: ['notes'], swap: true, dropAfterMs: 0 },
    );
    expect(swapped.status).toBe('swapped');
    expect((await listParked(pool, 'notes')).map((p) => p.streamId)).toEqual(['note-a']);
    expect(await listParked(pool, 'notes_r1')).toEqual([]);
    bad.delete('a');
    expect((await retryParked(pool, notes)).retried).toHaveLength(1);
    expect(await notesIn('notes_r1')).toEqual(['a', 'b', 'c', 'd'].map((label) => ({ label, times: 1 })));
  });
});

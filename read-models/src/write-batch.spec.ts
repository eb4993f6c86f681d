import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, OwnTransactions, type Pool, type RecordedEvent } from '@stayhub/event-sourcing';
import { testDatabaseUrl } from '@stayhub/event-sourcing/testing';
import { checkpointSchema, CheckpointMoved, createCheckpoint, readCheckpoint } from './checkpoints.ts';
import { applyEvents, eachEvent, writeBatch, type PgProjection } from './projection.ts';

const notes: PgProjection = {
  name: 'write_batch_notes',
  handles: new Set(['Noted']),
  migrate: async (client, target) => void (await client.query(`CREATE TABLE IF NOT EXISTS ${target} (event_id uuid PRIMARY KEY)`)),
  index: async () => undefined,
  fold: eachEvent(async (client, event, target) => void (await client.query(`INSERT INTO ${target} VALUES ($1)`, [event.eventId]))),
  drop: async (client, target) => void (await client.query(`DROP TABLE IF EXISTS ${target}`)),
};

const event = (position: number, type = 'Noted'): RecordedEvent => ({
  eventId: randomUUID(),
  type,
  schemaVersion: 1,
  streamId: `note-${randomUUID()}`,
  streamRevision: 0,
  globalPosition: `${String(1).padStart(20, '0')}-${String(position).padStart(20, '0')}`,
  occurredAt: new Date().toISOString(),
  data: {},
  metadata: {},
});

/* The live runner's write: the checkpoint moves with the COMMIT, in one round trip, and still all or nothing. */
describe("a live runner's batch (its checkpoint sent with the COMMIT)", () => {
  let pool: Pool;
  const target = `write_batch_notes_${randomUUID().slice(0, 8)}`;
  const own = new OwnTransactions();
  const rows = async () => (await pool.query(`SELECT count(*)::int AS n FROM ${target}`)).rows[0]!.n as number;
  beforeAll(async () => {
    pool = createPool(await testDatabaseUrl(), 4);
    await pool.query(checkpointSchema);
    await createCheckpoint(pool, target);
    const client = await pool.connect();
    await notes.migrate(client, target);
    client.release();
  });
  afterAll(async () => {
    await pool.query(`DROP TABLE IF EXISTS ${target}`);
    await pool.end();
  });

  it('writes the rows and moves the checkpoint to `to`, past events it does not handle', async () => {
    const batch = [event(1), event(2)];
    const to = event(3, 'Other').globalPosition;
    await writeBatch(pool, notes, target, batch, '', { to, ownTransactions: own });
    expect(await rows()).toBe(2);
    expect(await readCheckpoint(pool, target)).toBe(to);
  });

  it('writes nothing when the checkpoint is no longer where the batch started, and says so', async () => {
    const at = await readCheckpoint(pool, target);
    await expect(writeBatch(pool, notes, target, [event(4)], event(1).globalPosition, { ownTransactions: own })).rejects.toBeInstanceOf(CheckpointMoved);
    expect(await rows()).toBe(2);
    expect(await readCheckpoint(pool, target)).toBe(at);
  });
});

/* A fold reads side by side; on the one connection of a transaction its reads go in turn. */
describe('a batch applied on one connection', () => {
  let pool: Pool;
  beforeAll(async () => {
    pool = createPool(await testDatabaseUrl(), 2);
  });
  afterAll(async () => {
    await pool?.end();
  });

  it("sends a fold's reads to the connection one at a time, each answered as its own", async () => {
    const answers: number[] = [];
    const reading: PgProjection = {
      ...notes,
      fold: async (db) => {
        const [one, two] = await Promise.all([db.query('SELECT 1 AS n, pg_sleep(0.05)'), db.query('SELECT 2 AS n')]);
        answers.push(one.rows[0].n, two.rows[0].n);
        return async () => undefined;
      },
    };
    const client = await pool.connect();
    let inFlight = 0;
    let most = 0;
    const counted = new Proxy(client, {
      get: (target, key) =>
        key === 'query'
          ? async (...args: unknown[]) => {
              most = Math.max(most, ++inFlight);
              try {
                return await (target.query as (...a: unknown[]) => Promise<unknown>)(...args);
              } finally {
                inFlight--;
              }
            }
          : Reflect.get(target, key, target),
    });
    try {
      await applyEvents(counted, reading, [event(1)], 'unused');
    } finally {
      client.release();
    }
    expect(answers).toEqual([1, 2]);
    expect(most).toBe(1);
  });
});

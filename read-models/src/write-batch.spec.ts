import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, OwnTransactions, type Pool, type RecordedEvent } from '@stayhub/event-sourcing';
import { testDatabaseUrl } from '@stayhub/event-sourcing/testing';
import { checkpointSchema, CheckpointMoved, createCheckpoint, readCheckpoint } from './checkpoints.ts';
import { applyEvents, eachEvent, writeBatch, type PgProjection } from './projection.ts';
import { SharedWrites } from './shared-writes.ts';

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

/* Lanes ready together share one transaction; one batch at fault fails alone. */
describe('batches of several projections in shared transactions', () => {
  let pool: Pool;
  const targets = [0, 1, 2, 3].map((n) => `shared_notes_${n}_${randomUUID().slice(0, 8)}`);
  const rowsOf = async (target: string) => (await pool.query(`SELECT count(*)::int AS n FROM ${target}`)).rows[0]!.n as number;
  beforeAll(async () => {
    pool = createPool(await testDatabaseUrl(), 4);
    await pool.query(checkpointSchema);
    const client = await pool.connect();
    for (const target of targets) {
      await createCheckpoint(pool, target);
      await notes.migrate(client, target);
    }
    client.release();
  });
  afterAll(async () => {
    await pool.query(`DROP TABLE IF EXISTS ${targets.join(', ')}`);
    await pool.query('DELETE FROM projection_checkpoints WHERE name = ANY($1::text[])', [targets]);
    await pool.end();
  });

  it('writes every batch with its checkpoint, and fails only the one whose checkpoint moved', async () => {
    const shared = new SharedWrites(pool, new OwnTransactions());
    let transactions = 0;
    pool.on('acquire', () => transactions++);
    const [good, stale, other, last] = targets as [string, string, string, string];
    const outcomes = await Promise.allSettled([
      writeBatch(pool, notes, good, [event(1), event(2)], '', { shared }),
      writeBatch(pool, notes, stale, [event(3)], event(1).globalPosition, { shared }),
      writeBatch(pool, notes, other, [event(4)], '', { shared }),
      writeBatch(pool, notes, last, [event(5)], '', { shared }),
    ]);
    pool.removeAllListeners('acquire');
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(CheckpointMoved);
    expect([await rowsOf(good), await rowsOf(stale), await rowsOf(other), await rowsOf(last)]).toEqual([2, 0, 1, 1]);
    expect(await readCheckpoint(pool, good)).toBe(event(2).globalPosition);
    expect(await readCheckpoint(pool, stale)).toBe('');
    expect(await readCheckpoint(pool, last)).toBe(event(5).globalPosition);
    // The first batch alone, the three that queued behind it together (refused for the stale one), then each of those alone.
    expect(transactions).toBeLessThanOrEqual(5);
  });

  it('commits the batches that queued while one was on its way in one transaction', async () => {
    const shared = new SharedWrites(pool, new OwnTransactions());
    const [a, b, c] = targets as [string, string, string];
    const from = async (target: string) => readCheckpoint(pool, target);
    const starts = await Promise.all([from(a), from(b), from(c)]);
    let transactions = 0;
    pool.on('acquire', () => transactions++);
    await Promise.all([
      writeBatch(pool, notes, a, [event(11)], starts[0]!, { shared }),
      writeBatch(pool, notes, b, [event(12)], starts[1]!, { shared }),
      writeBatch(pool, notes, c, [event(13)], starts[2]!, { shared }),
    ]);
    pool.removeAllListeners('acquire');
    expect(transactions).toBe(2);
    expect(await readCheckpoint(pool, c)).toBe(event(13).globalPosition);
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

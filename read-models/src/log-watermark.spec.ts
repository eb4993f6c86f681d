import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPool, inTransaction, type Pool } from '@stayhub/event-sourcing';
import { testDatabaseUrl } from '@stayhub/event-sourcing/testing';
import { CheckpointChanges } from './checkpoint-changes.ts';
import { logWatermark, logWatermarkSchema, saveApplied, saveHeads, waitForLogPosition } from './log-watermark.ts';

const at = (n: number) => `${String(n).padStart(20, '0')}-${String(n).padStart(20, '0')}`;

describe('log watermark (read-your-writes under LOG=kafka)', () => {
  let pool: Pool;
  let changes: CheckpointChanges;
  beforeAll(async () => {
    pool = createPool(await testDatabaseUrl(), 3);
    changes = new CheckpointChanges(pool);
    await pool.query(logWatermarkSchema);
    await pool.query(`
      CREATE TABLE projection_targets (projection text PRIMARY KEY, target text NOT NULL);
      CREATE TABLE projection_checkpoints (name text PRIMARY KEY, position text COLLATE "C" NOT NULL DEFAULT '');
      INSERT INTO projection_targets VALUES ('search', 'search_r2');
      INSERT INTO projection_checkpoints (name) VALUES ('search_r2');`);
  });
  afterAll(async () => {
    await changes.close();
    await pool.end();
  });
  beforeEach(() => pool.query('TRUNCATE log_partition_heads, projection_partition_positions'));

  const heads = (...entries: [topic: string, partition: number, position: number][]) =>
    inTransaction(pool, (client) =>
      saveHeads(
        client,
        entries.map(([topic, partition, n]) => ({ topic, partition, position: at(n) })),
      ),
    );
  const applied = (topic: string, partition: number, n: number) => saveApplied(pool, 'search_r2', { topic, partition, position: at(n) });

  it('is empty before anything was published, and the newest published position once every partition is applied', async () => {
    expect(await logWatermark(pool, 'search_r2')).toBe('');
    await heads(['a', 0, 5], ['a', 1, 9], ['b', 0, 7]);
    expect(await logWatermark(pool, 'search_r2')).toBe('');
    await applied('a', 0, 5);
    await applied('a', 1, 9);
    await applied('b', 0, 7);
    expect(await logWatermark(pool, 'search_r2')).toBe(at(9));
  });

  it('stops at the applied position of the slowest lagging partition, whatever the others did', async () => {
    await heads(['a', 0, 5], ['a', 1, 20], ['b', 0, 12]);
    await applied('a', 0, 5); // done
    await applied('a', 1, 15); // 20 still to come there
    await applied('b', 0, 8); // 12 still to come there
    expect(await logWatermark(pool, 'search_r2')).toBe(at(8));
    // Positions only grow: an older (republished) one changes nothing.
    await applied('b', 0, 3);
    await heads(['b', 0, 4]);
    expect(await logWatermark(pool, 'search_r2')).toBe(at(8));
  });

  it('waits until the live target passed the position, and says false when it did not in time', async () => {
    await heads(['a', 0, 10], ['a', 1, 11]);
    await applied('a', 0, 10);
    expect(await waitForLogPosition(changes, ['search'], at(10), 100)).toBe(false); // partition 1 may hold events before 10 not applied yet
    const waiting = waitForLogPosition(changes, ['search'], at(10), 5_000);
    await applied('a', 1, 11);
    expect(await waiting).toBe(true);
    expect(await waitForLogPosition(changes, ['search'], '', 0)).toBe(true);
  });
});

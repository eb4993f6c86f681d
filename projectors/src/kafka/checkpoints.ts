import type { Pool } from 'pg';
import { inTransaction } from '@stayhub/event-sourcing';
import { announceCheckpoints, logWatermarkSchema, saveHeads, type PartitionHead } from '@stayhub/read-models';

/** Where a log reader (the relay) remembers the last global position it has handed on. */
export type Checkpoints = {
  /** `''` (from the beginning) when nothing was saved under `name`. */
  load(name: string): Promise<string>;
  /** `heads`: the newest position now published to each partition the batch went to (for read-your-writes, see log-watermark). */
  save(name: string, position: string, heads?: readonly PartitionHead[]): Promise<void>;
};

export class PostgresCheckpoints implements Checkpoints {
  private constructor(private readonly pool: Pool) {}

  static async create(pool: Pool): Promise<PostgresCheckpoints> {
    await pool.query(
      `CREATE TABLE IF NOT EXISTS log_checkpoints (
         name text PRIMARY KEY,
         position text NOT NULL,
         updated_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    await pool.query(logWatermarkSchema);
    return new PostgresCheckpoints(pool);
  }

  async load(name: string): Promise<string> {
    const { rows } = await this.pool.query<{ position: string }>('SELECT position FROM log_checkpoints WHERE name = $1', [name]);
    return rows[0]?.position ?? '';
  }

  async save(name: string, position: string, heads: readonly PartitionHead[] = []): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      await client.query(
        `INSERT INTO log_checkpoints (name, position, updated_at) VALUES ($1, $2, now())
         ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at`,
        [name, position],
      );
      await saveHeads(client, heads);
    });
    // A new head can complete a projection's watermark (it applied those events before the head was saved).
    if (heads.length > 0) announceCheckpoints(this.pool);
  }
}

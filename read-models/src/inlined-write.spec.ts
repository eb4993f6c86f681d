import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, inOneRoundTrip, inTransaction, type Pool } from '@stayhub/event-sourcing';
import { testDatabaseUrl } from '@stayhub/event-sourcing/testing';
import { inlinedStatements, preparedStatements, recordedStatements } from './inlined-write.ts';
import type { PgWrite } from './pg-documents.ts';

describe('a write inlined into statements', () => {
  let pool: Pool;
  const table = `inlined_${randomUUID().slice(0, 8)}`;
  beforeAll(async () => {
    pool = createPool(await testDatabaseUrl(), 2);
    await pool.query(`CREATE TABLE ${table} (k text PRIMARY KEY, words text[], counts bigint[], doc jsonb, at timestamptz, n int, nothing text)`);
  });
  afterAll(async () => {
    await pool.query(`DROP TABLE IF EXISTS ${table}`);
    await pool.end();
  });

  const tricky = `it's a \\ back'slash, $1, $v$ and $v1$ "quotes" — ünïcode $v`;
  const write =
    (suffix: string): PgWrite =>
    async (client) => {
      await client.query(`INSERT INTO ${table} SELECT $1 || $7, $2::text[], $3::bigint[], $4::jsonb, $5, $6, $8`, [
        tricky,
        ['a', tricky, 'NULL', ''],
        [1, 9_007_199_254_740_991],
        JSON.stringify({ title: tricky, n: [1, 2] }),
        new Date('2030-02-01T19:30:00.000Z'),
        -3,
        suffix,
        null,
      ]);
    };

  it('gives the rows the same statements with parameters give', async () => {
    await inTransaction(pool, write(' (parameters)'));
    const statements = await inlinedStatements(write(' (inlined)'));
    expect(statements).toHaveLength(1);
    await inOneRoundTrip(pool, statements!);
    const { rows } = await pool.query(
      `SELECT regexp_replace(k, ' \\((parameters|inlined)\\)$', '') AS k, words, counts, doc, at, n, nothing FROM ${table} ORDER BY 1`,
    );
    expect(rows).toHaveLength(2);
    expect(rows[1]).toEqual(rows[0]);
    expect(rows[0].k).toBe(tricky);
  });

  it('is not inlined when it reads a result, or uses the client for more than statements: nothing is sent', async () => {
    const reads: PgWrite = async (client) => {
      const { rows } = await client.query(`SELECT count(*) FROM ${table}`);
      if (rows.length > 0) await client.query(`DELETE FROM ${table}`);
    };
    const escapes: PgWrite = async (client) => void (await client.query(`DELETE FROM ${table} WHERE k = ${client.escapeLiteral('x')}`));
    expect(await inlinedStatements(reads)).toBeUndefined();
    expect(await inlinedStatements(escapes)).toBeUndefined();
  });

  it('sent prepared, gives the rows the same statements with parameters give, and prepares each statement once per connection', async () => {
    const insert: (k: string) => PgWrite = (k) => async (client) => {
      await client.query(`INSERT INTO ${table} (k, words, doc, at, n) SELECT $1, $2::text[], $3::jsonb, $4, $5`, [
        k,
        ['a', tricky],
        JSON.stringify({ title: tricky }),
        new Date('2030-02-01T19:30:00.000Z'),
        7,
      ]);
    };
    await inTransaction(pool, insert('prepared (parameters)'));
    const client = await pool.connect();
    try {
      const names = async () =>
        (await client.query<{ name: string }>(`SELECT name FROM pg_prepared_statements WHERE name LIKE 'stayhub_rt_%'`)).rows.map((r) => r.name);
      const before = await names();
      for (const k of ['prepared (one)', 'prepared (two)']) {
        const sent = await preparedStatements(client, (await recordedStatements(insert(k)))!);
        expect(sent).toEqual([expect.stringMatching(/^EXECUTE stayhub_rt_\w+\(/)]);
        await client.query(['BEGIN', ...sent, 'COMMIT'].join(';\n'));
      }
      expect((await names()).length).toBe(before.length + 1);
    } finally {
      client.release();
    }
    const { rows } = await pool.query(
      `SELECT regexp_replace(k, ' \\((parameters|one|two)\\)$', '') AS k, words, doc, at, n FROM ${table} WHERE k LIKE 'prepared %' ORDER BY k`,
    );
    expect(rows).toHaveLength(3);
    expect(rows[1]).toEqual(rows[0]);
    expect(rows[2]).toEqual(rows[0]);
  });

  it('sends inlined what the server will not prepare (a parameter of no type it can tell) or what has no parameters', async () => {
    const client = await pool.connect();
    try {
      const untyped = (await recordedStatements(async (c) => void (await c.query(`SELECT $1 IS NULL AS x`, ['untyped']))))!;
      const plain = (await recordedStatements(async (c) => void (await c.query(`SELECT 1 AS x`))))!;
      expect(await preparedStatements(client, [...untyped, ...plain])).toEqual([`SELECT $v$untyped$v$ IS NULL AS x`, 'SELECT 1 AS x']);
    } finally {
      client.release();
    }
  });

  it('rolls the whole transaction back when a statement fails, and says why', async () => {
    const before = (await pool.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n;
    await expect(inOneRoundTrip(pool, [`INSERT INTO ${table} (k) VALUES ('new')`, `INSERT INTO ${table} (k) VALUES ('new')`])).rejects.toMatchObject({
      code: '23505',
    });
    expect((await pool.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n).toBe(before);
  });
});

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, inOneRoundTrip, inTransaction, type Pool } from '@stayhub/event-sourcing';
import { testDatabaseUrl } from '@stayhub/event-sourcing/testing';
import { inlinedStatements } from './inlined-write.ts';
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

  it('rolls the whole transaction back when a statement fails, and says why', async () => {
    const before = (await pool.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n;
    await expect(inOneRoundTrip(pool, [`INSERT INTO ${table} (k) VALUES ('new')`, `INSERT INTO ${table} (k) VALUES ('new')`])).rejects.toMatchObject({
      code: '23505',
    });
    expect((await pool.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n).toBe(before);
  });
});

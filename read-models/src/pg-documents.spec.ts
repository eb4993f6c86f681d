import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, inTransaction, type Pool } from '@stayhub/event-sourcing';
import { testDatabaseUrl } from '@stayhub/event-sourcing/testing';
import { copyRows, roomForUpdates, sharedValue, upsertRows } from './pg-documents.ts';

describe('copyRows: a bulk load writes what an upsert writes', () => {
  let pool: Pool;
  const table = (name: string) => `copy_rows_${name}_${randomBytes(3).toString('hex')}`;
  const made: string[] = [];
  const create = async (name: string) => {
    const t = table(name);
    made.push(t);
    await pool.query(`CREATE TABLE ${t} (id text PRIMARY KEY, label text, tags text[], n int, at timestamptz, flag boolean, doc jsonb)`);
    return t;
  };
  const awkward = 'tab\there, line\nbreak, cr\rreturn, back\\slash, "quotes", {braces}, NULL, \\N, ünïcödé 🛏';
  const rows = [
    {
      id: 'a',
      label: awkward,
      tags: [awkward, 'plain', ''],
      n: 3,
      at: '2030-01-01T10:00:00.000Z',
      flag: true,
      doc: { text: awkward, list: [1, 'two', null], nested: { ok: false } },
    },
    { id: 'b', label: null, tags: [], n: null, at: null, flag: false, doc: [] },
    { id: 'c', label: '', tags: null, n: -7, at: '2030-06-30T23:59:59.999Z', flag: null, doc: { empty: '' } },
  ];

  beforeAll(async () => {
    pool = createPool(await testDatabaseUrl(), 2);
  });
  afterAll(async () => {
    for (const t of made) await pool.query(`DROP TABLE IF EXISTS ${t}`);
    await pool?.end();
  });

  it('tabs, newlines, backslashes, quotes, arrays, JSON and nulls arrive as an upsert writes them', async () => {
    const [copied, upserted] = [await create('copied'), await create('upserted')];
    await inTransaction(pool, (client) => copyRows(client, copied, rows));
    await upsertRows(pool, upserted, 'id', rows);
    const read = async (t: string) => (await pool.query(`SELECT * FROM ${t} ORDER BY id`)).rows;
    expect(await read(copied)).toEqual(await read(upserted));
    expect((await read(copied))[0]).toMatchObject({ label: awkward, tags: [awkward, 'plain', ''], doc: rows[0]!.doc });
  });

  it('a value several tables write (serialized once) arrives in each as an unshared one does', async () => {
    const [first, second, plain] = [await create('shared1'), await create('shared2'), await create('plain')];
    const doc = sharedValue({ text: awkward, list: [1, 'two', null] });
    const row = (id: string) => ({ id, label: null, tags: null, n: null, at: null, flag: null, doc });
    await inTransaction(pool, (client) => copyRows(client, first, [row('a'), row('b')]));
    await inTransaction(pool, (client) => copyRows(client, second, [row('a')]));
    await inTransaction(pool, (client) => copyRows(client, plain, [{ ...row('a'), doc: { ...doc } }]));
    const docs = async (t: string) => (await pool.query(`SELECT doc FROM ${t} ORDER BY id`)).rows.map((r) => r.doc);
    expect(await docs(first)).toEqual([doc, doc]);
    expect(await docs(second)).toEqual(await docs(plain));
  });

  it('a row already there fails the whole COPY and writes nothing', async () => {
    const t = await create('conflict');
    await upsertRows(pool, t, 'id', [rows[0]!]);
    await expect(inTransaction(pool, (client) => copyRows(client, t, [rows[1]!, rows[0]!]))).rejects.toThrow(/duplicate key/);
    expect((await pool.query(`SELECT id FROM ${t}`)).rows).toEqual([{ id: 'a' }]);
  });
});

describe('roomForUpdates', () => {
  it("sets a table's fillfactor once, on a table made before it too, and leaves it at that", async () => {
    const pool = createPool(await testDatabaseUrl(), 1);
    const t = `room_${randomBytes(3).toString('hex')}`;
    try {
      await pool.query(`CREATE TABLE ${t} (id text PRIMARY KEY, doc json)`);
      await roomForUpdates(pool, t);
      await roomForUpdates(pool, t);
      const { rows } = await pool.query(`SELECT reloptions FROM pg_class WHERE oid = $1::regclass`, [t]);
      expect(rows[0].reloptions).toEqual(['fillfactor=80']);
    } finally {
      await pool.query(`DROP TABLE IF EXISTS ${t}`);
      await pool.end();
    }
  });
});

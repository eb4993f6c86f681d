import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, inTransaction, type Pool, type RecordedEvent } from '@stayhub/event-sourcing';
import { testDatabaseUrl } from '@stayhub/event-sourcing/testing';
import { checkpointSchema, createCheckpoint, readCheckpoint } from '../checkpoints.ts';
import { writeBatch, type PgProjection } from '../projection.ts';

/** An event as the domain decides it: the type and data of one of its unions. */
export type DomainEvent = { type: string; data: unknown };

let position = 0;

/**
 * Domain events as the store records them on one stream: revisions from `fromRevision`, global
 * positions increasing across every call (so a log built from several calls is in order).
 */
export const recorded = (streamId: string, events: readonly DomainEvent[], fromRevision = 0): RecordedEvent[] =>
  events.map((event, i) => ({
    eventId: randomUUID(),
    type: event.type,
    schemaVersion: 1,
    streamId,
    streamRevision: fromRevision + i,
    globalPosition: `${String(++position).padStart(20, '0')}-0`,
    occurredAt: ((event.data as { at?: string }).at ?? '2030-01-01T00:00:00.000Z') as string,
    data: event.data,
    metadata: {},
  }));

/** Every row of every table of a target, as JSON, in a stable order: what readers can see. */
export type Rows = Record<string, unknown[]>;

export const rowsOf = async (pool: Pool, tables: readonly string[]): Promise<Rows> => {
  const rows: Rows = {};
  for (const table of tables) {
    const { rows: found } = await pool.query<{ row: unknown }>(`SELECT to_jsonb(t) AS row FROM ${table} t ORDER BY to_jsonb(t)::text`);
    rows[table] = found.map((r) => r.row);
  }
  return rows;
};

type ProjectionCase = {
  name: string;
  given?: readonly RecordedEvent[];
  when: RecordedEvent | readonly RecordedEvent[];
  /** What the read model holds after `given` then `when`, given the target's tables by suffix. */
  then: (rows: Rows, tables: readonly string[]) => void;
};

export type ProjectionSpec = {
  projection: PgProjection;
  /** The tables of a target (the first is the main one). */
  tables: (target: string) => string[];
  /**
   * True when the documents ignore an event their revision already has, even without the
   * checkpoint (document tables); false for counters that rely on the checkpoint alone.
   */
  guardedByRevision: boolean;
  cases: readonly ProjectionCase[];
};

/**
 * Given events, when an event, then the documents. Each case also runs three mandatory rows:
 * "the same event twice" (delivered again through the checkpoint, and, for revision-guarded
 * documents, applied again without it) changes nothing, "one batch equals one by one", and a
 * bulk load (the replay's: no secondary indexes, COPY, `index` after) equals one by one.
 */
export const describeProjection = (title: string, spec: ProjectionSpec): void => {
  describe(title, () => {
    let pool: Pool;
    const targets: string[] = [];
    const run = randomBytes(3).toString('hex');

    const freshTarget = async (): Promise<string> => {
      const target = `${spec.projection.name}_spec_${run}_${targets.length}`;
      targets.push(target);
      await inTransaction(pool, async (client) => {
        await spec.projection.migrate(client, target);
        await createCheckpoint(client, target);
      });
      return target;
    };
    /** Delivers events as a runner does: one batch, after the checkpoint, the checkpoint moved with the rows. */
    const deliver = async (target: string, events: readonly RecordedEvent[]) =>
      writeBatch(pool, spec.projection, target, events, await readCheckpoint(pool, target));
    const rows = (target: string) => rowsOf(pool, spec.tables(target));
    const whenOf = (c: ProjectionCase): readonly RecordedEvent[] => (Array.isArray(c.when) ? c.when : [c.when as RecordedEvent]);

    beforeAll(async () => {
      pool = createPool(await testDatabaseUrl(), 4);
      await pool.query(checkpointSchema);
    });
    afterAll(async () => {
      if (!pool) return;
      for (const target of targets) {
        await inTransaction(pool, (client) => spec.projection.drop(client, target));
        await pool.query('DELETE FROM projection_checkpoints WHERE name = $1', [target]);
      }
      await pool.end();
    });

    for (const c of spec.cases) {
      describe(c.name, () => {
        it('given, when, then', async () => {
          const target = await freshTarget();
          await deliver(target, c.given ?? []);
          await deliver(target, whenOf(c));
          const found = await rows(target);
          c.then(found, spec.tables(target));
        });

        it('the same event twice changes nothing', async () => {
          const target = await freshTarget();
          await deliver(target, c.given ?? []);
          await deliver(target, whenOf(c));
          const once = await rows(target);
          await deliver(target, whenOf(c));
          await deliver(target, [...(c.given ?? []), ...whenOf(c)]);
          expect(await rows(target)).toEqual(once);
          if (spec.guardedByRevision) {
            // Without the checkpoint: the documents' own revision guards must hold.
            const write = await spec.projection.fold(pool, whenOf(c), target);
            await inTransaction(pool, write);
            expect(await rows(target)).toEqual(once);
          }
        });

        it('one batch equals one by one', async () => {
          const all = [...(c.given ?? []), ...whenOf(c)];
          const [oneByOne, batched] = [await freshTarget(), await freshTarget()];
          for (const event of all) await deliver(oneByOne, [event]);
          await deliver(batched, all);
          const [a, b] = [await rows(oneByOne), await rows(batched)];
          expect(Object.values(b)).toEqual(Object.values(a));
        });

        it('a bulk load (a rebuild into a fresh target) equals one by one', async () => {
          const all = [...(c.given ?? []), ...whenOf(c)];
          const oneByOne = await freshTarget();
          for (const event of all) await deliver(oneByOne, [event]);
          // As a rebuild loads it: without the secondary indexes, in pages (given, then when), then `index`.
          const bulk = `${spec.projection.name}_spec_${run}_${targets.length}`;
          targets.push(bulk);
          await inTransaction(pool, async (client) => {
            await spec.projection.migrate(client, bulk, { indexes: false });
            await createCheckpoint(client, bulk);
          });
          for (const page of [c.given ?? [], whenOf(c)])
            if (page.length > 0) await writeBatch(pool, spec.projection, bulk, page, await readCheckpoint(pool, bulk), { bulk: true });
          await inTransaction(pool, (client) => spec.projection.index(client, bulk));
          const [a, b] = [await rows(oneByOne), await rows(bulk)];
          expect(Object.values(b)).toEqual(Object.values(a));
        });
      });
    }
  });
};

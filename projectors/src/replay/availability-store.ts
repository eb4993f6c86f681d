import type { Pool, PoolClient } from 'pg';
import type { RecordedEvent } from '@stayhub/event-sourcing';
import {
  createCheckpoint,
  readCheckpoint,
  resetCheckpoint,
  type AvailabilityStore,
  type UsedUnits,
  availabilityProjection,
  AVAILABILITY,
  availabilityStoreProjection,
} from '@stayhub/read-models';
import { pgRebuildTarget } from '../replay/pg-target.ts';
import type { Comparison, RebuildAdapter, RebuildTarget, RowDifference } from '../replay/target.ts';
import { applyExternalBatch } from '../runner/external-runner.ts';
import type { RunnerLog } from '../runner/pg-runner.ts';

const differences = (rebuilt: UsedUnits, live: UsedUnits, table: string): RowDifference[] => {
  const found: RowDifference[] = [];
  for (const unitTypeId of new Set([...rebuilt.keys(), ...live.keys()])) {
    const [r, l] = [rebuilt.get(unitTypeId), live.get(unitTypeId)];
    for (const key of new Set([...(r?.keys() ?? []), ...(l?.keys() ?? [])])) {
      const [a, b] = [r?.get(key) ?? 0, l?.get(key) ?? 0];
      if (a !== b) found.push({ table, key: { unit_type_id: unitTypeId, key }, rebuilt: { used: a }, live: { used: b } });
    }
  }
  return found;
};
const rowsIn = (used: UsedUnits) => [...used.values()].reduce((n, keys) => n + keys.size, 0);

/**
 * A rebuild of availability into a fresh target of the store (a new Redis key prefix) beside the
 * live one. Bookkeeping (checkpoint, live target, parked events) stays in PostgreSQL, as for the
 * table projections: the swap and the fence are those of the PostgreSQL rebuild.
 */
const availabilityStoreRebuildTarget = (pool: Pool, store: AvailabilityStore, target: string, log: RunnerLog = () => undefined): RebuildTarget => {
  // Events the rebuild parks are its own until the swap (the live ones are the old target's).
  const building = { ...availabilityStoreProjection(store), name: target };
  const bookkeeping = pgRebuildTarget(pool, availabilityProjection, target, log);
  return {
    projection: AVAILABILITY,
    target,
    async create(from: string) {
      const created = await createCheckpoint(pool, target, from);
      const existed = await store.prepare(target);
      if (created && existed) {
        // A fresh rebuild must not inherit keys (and their revision guards) left under this prefix.
        await store.drop(target);
        await store.prepare(target);
      } else if (!created && !existed) {
        // Resuming, but the store lost what the rebuild had written: start it over.
        await resetCheckpoint(pool, target);
      }
    },
    apply: (events: RecordedEvent[]) => applyExternalBatch(pool, building, target, events, log),
    checkpoint: () => readCheckpoint(pool, target),
    swap: (tx: PoolClient) => bookkeeping.swap(tx),
    async drop(old: string) {
      await store.drop(old);
      await pgRebuildTarget(pool, availabilityProjection, old, log).drop(old);
    },
    async compare(live: string, sampleLimit: number): Promise<Comparison> {
      const [rebuiltAt, liveAt] = [await readCheckpoint(pool, target), await readCheckpoint(pool, live)];
      const [rebuilt, current] = [await store.snapshot(target), await store.snapshot(live)];
      const found = differences(rebuilt, current, target);
      return {
        rebuiltAt,
        liveAt,
        tables: [{ table: '(main)', rebuiltRows: rowsIn(rebuilt), liveRows: rowsIn(current), differences: found.length }],
        samples: found.slice(0, sampleLimit),
      };
    },
  };
};

/** The replay adapter with availability rebuilt in `store` (AVAILABILITY=redis) and every other projection as `adapter` does. */
export const withAvailabilityStore = (adapter: RebuildAdapter, pool: Pool, store: AvailabilityStore | undefined, log?: RunnerLog): RebuildAdapter =>
  store
    ? {
        projections: adapter.projections,
        open: (name, target) => (name === AVAILABILITY ? availabilityStoreRebuildTarget(pool, store, target, log) : adapter.open(name, target)),
      }
    : adapter;

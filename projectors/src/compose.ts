import type { Pool } from 'pg';
import type { EventStore } from '@stayhub/infra';
import { pgProjections } from './projections.ts';
import { migrateProjector, runPgProjection, type RunnerLog } from './runner/pg-runner.ts';

/** Runs every PostgreSQL projection on the event store's subscription until `signal` aborts. */
export const runProjectors = async (pool: Pool, eventStore: EventStore, signal: AbortSignal, log?: RunnerLog): Promise<void> => {
  await migrateProjector(pool, pgProjections);
  await Promise.all(pgProjections.map((projection) => runPgProjection(pool, eventStore, projection, signal, log)));
};

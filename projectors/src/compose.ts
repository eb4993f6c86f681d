import type { Pool } from 'pg';
import type { EventStore } from '@stayhub/infra';
import type { AvailabilityStore } from '@stayhub/infra/read-stores/availability/port';
import { availabilityStoreProjection } from './availability/redis-projection.ts';
import { pgProjections } from './projections.ts';
import { migrateExternalProjections, runExternalProjection } from './runner/external-runner.ts';
import { migrateProjector, runPgProjection, type RunnerLog } from './runner/pg-runner.ts';

export type ProjectorOptions = {
  /** Availability kept in this store (Redis at scale) instead of the PostgreSQL table. */
  availability?: AvailabilityStore;
};

/** Runs every projection on the event store's subscription until `signal` aborts. */
export const runProjectors = async (pool: Pool, eventStore: EventStore, signal: AbortSignal, log?: RunnerLog, options: ProjectorOptions = {}): Promise<void> => {
  const external = options.availability ? [availabilityStoreProjection(options.availability)] : [];
  const inPostgres = pgProjections.filter((projection) => !external.some((e) => e.name === projection.name));
  await migrateProjector(pool, inPostgres);
  await migrateExternalProjections(pool, external);
  await Promise.all([
    ...inPostgres.map((projection) => runPgProjection(pool, eventStore, projection, signal, log)),
    ...external.map((projection) => runExternalProjection(pool, eventStore, projection, signal, log)),
  ]);
};

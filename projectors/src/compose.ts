import type { Pool } from 'pg';
import type { EventStore } from '@stayhub/event-sourcing';
import { type AvailabilityStore, availabilityStoreProjection, type ExternalProjection, type PgProjection } from '@stayhub/read-models';
import type { ConsumerConfig, Kafka } from 'kafkajs';
import type { Logger } from './kafka/backoff.ts';
import { pgProjections } from './projections.ts';
import { migrateExternalProjections, runExternalProjection } from './runner/external-runner.ts';
import { runLogProjections, type LogProjections } from './runner/log-runner.ts';
import { migrateProjector, runPgProjections, type RunnerLog } from './runner/pg-runner.ts';

export type ProjectorOptions = {
  /** Availability kept in this store (Redis at scale) instead of the PostgreSQL table. */
  availability?: AvailabilityStore;
  /** Read models kept outside PostgreSQL (Elasticsearch search, Cassandra history); each replaces the PostgreSQL projection of its name. */
  external?: readonly ExternalProjection[];
  /** `LOG=kafka`: consume the relay's topics (one consumer group per projection) instead of the event store's subscription. */
  kafka?: { kafka: Kafka; consumer?: Omit<ConsumerConfig, 'groupId'>; logger?: Logger };
};

/** The projections to run: the PostgreSQL ones, except those an external store takes over. */
export const projectionSet = (options: ProjectorOptions): { inPostgres: PgProjection[]; external: ExternalProjection[] } => {
  const external = [...(options.availability ? [availabilityStoreProjection(options.availability)] : []), ...(options.external ?? [])];
  return { inPostgres: pgProjections.filter((projection) => !external.some((e) => e.name === projection.name)), external };
};

/** Creates every projection's tables and registers its live target and checkpoint: what a query side needs before its first read. */
export const migrateProjectors = async (pool: Pool, options: ProjectorOptions = {}): Promise<void> => {
  const { inPostgres, external } = projectionSet(options);
  await migrateProjector(pool, inPostgres);
  await migrateExternalProjections(pool, external);
};

/** `LOG=kafka`: migrates, then runs every projection as a consumer group; `status()` gives lag per partition. */
export const startLogProjectors = async (
  pool: Pool,
  signal: AbortSignal,
  log: RunnerLog | undefined,
  options: ProjectorOptions & { kafka: NonNullable<ProjectorOptions['kafka']> },
): Promise<LogProjections> => {
  await migrateProjectors(pool, options);
  const { inPostgres, external } = projectionSet(options);
  return runLogProjections({ pool, ...options.kafka, pg: inPostgres, external, signal, ...(log ? { log } : {}) });
};

/** Runs every projection on the event store's subscription (or, with `kafka`, as consumer groups of the log) until `signal` aborts. */
export const runProjectors = async (
  pool: Pool,
  eventStore: EventStore,
  signal: AbortSignal,
  log?: RunnerLog,
  options: ProjectorOptions = {},
): Promise<void> => {
  if (options.kafka) return (await startLogProjectors(pool, signal, log, { ...options, kafka: options.kafka })).done;
  await migrateProjectors(pool, options);
  const { inPostgres, external } = projectionSet(options);
  await Promise.all([
    runPgProjections(pool, eventStore, inPostgres, signal, log),
    ...external.map((projection) => runExternalProjection(pool, eventStore, projection, signal, log)),
  ]);
};

import type { TestProject } from 'vitest/node';
import pg from 'pg';
import { join } from 'node:path';
import { projectRoot } from '@stayhub/platform-kit';
import { startEmbeddedPostgres, type EmbeddedServer } from '@stayhub/event-sourcing';
import { startEngines } from './engines/index.ts';

// The type of what `provide` hands over (`pgAdminUrl`); a type-only import, since the testing entry loads vitest's test API.
import type {} from '@stayhub/event-sourcing/testing';

let server: EmbeddedServer | undefined;

/**
 * One PostgreSQL server for the whole run: the one `DATABASE_URL` names, or else an embedded one.
 * Every test file then makes its own database on it (see `testDatabase`). The at-scale engines
 * (Redis, Kafka, …) start beside it, once, shared by the suites (see `engines/`).
 * @public vitest's `globalSetup` (vitest.config.ts) loads it.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const engines = startEngines(join(projectRoot, '.data/engines-test'));
  engines.catch(() => undefined); // awaited below, after PostgreSQL
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    server = await startEmbeddedPostgres({
      dataDir: process.env.EMBEDDED_PG_TEST_DIR ?? join(projectRoot, '.data/postgres-test'),
      port: Number(process.env.EMBEDDED_PG_TEST_PORT ?? 54330),
    });
    adminUrl = server.url;
  }
  const client = new pg.Client(adminUrl);
  await client.connect();
  const stale = await client.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'stayhub_t_%' AND datname < $1", [
    `stayhub_t_${Date.now() - 3_600_000}`,
  ]);
  for (const { datname } of stale.rows) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`).catch(() => undefined);
  await client.end();
  project.provide('pgAdminUrl', adminUrl);
  const stopEngines = await engines;
  return async () => {
    await stopEngines();
    await server?.stop();
  };
}

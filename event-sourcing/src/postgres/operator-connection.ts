import pg from 'pg';
import type { Config } from '@stayhub/platform-kit';
import { startEmbeddedPostgres } from './embedded.ts';
import { createPool, type Pool } from './pool.ts';

/**
 * The database an operator's tool works on: `DATABASE_URL`, or the embedded PostgreSQL that
 * `npm start` keeps (started for the tool, stopped by `stop`), which must hold a platform already.
 */
export const operatorConnection = async (config: Config): Promise<{ pool: Pool; url: string; stop: () => Promise<void> }> => {
  if (config.DATABASE_URL) return { pool: createPool(config.DATABASE_URL, 8), url: config.DATABASE_URL, stop: async () => undefined };
  const server = await startEmbeddedPostgres({ dataDir: config.EMBEDDED_PG_DIR, port: config.EMBEDDED_PG_PORT });
  const admin = new pg.Client(server.url);
  admin.on('error', () => undefined);
  await admin.connect();
  const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = 'stayhub'");
  await admin.end();
  if (exists.rowCount === 0) {
    await server.stop();
    throw new Error('No stayhub database yet: start the platform once with `npm start`');
  }
  const url = server.url.replace(/\/postgres$/, '/stayhub');
  return { pool: createPool(url, 8), url, stop: server.stop };
};

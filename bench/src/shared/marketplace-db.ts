import { performance } from 'node:perf_hooks';
import { createPool, inTransaction, type Pool } from '@stayhub/event-sourcing';
import { createSearchIndexes, createSearchTables, dropSearchIndexes } from '@stayhub/read-models';
import { benchDatabase, freshDatabase } from './database.ts';
import { loadMarketplace } from './load-marketplace.ts';

export type MarketplaceSize = { listings: number; seed: number; first: string };

/**
 * The benchmark's marketplace database (`stayhub_bench_marketplace<listings>`): loaded once, then reused by
 * later runs while its size, seed and first night are the same (the load takes minutes at 500k).
 */
export const marketplaceDatabase = async (adminUrl: string, size: MarketplaceSize, options: { fresh?: boolean; workers?: number } = {}) => {
  const existing = benchDatabase(adminUrl, `marketplace${size.listings}`);
  const wanted = JSON.stringify(size);
  if (!options.fresh) {
    const pool = createPool(existing.url, 8);
    const loaded = await pool
      .query<{ size: string }>('SELECT size FROM bench_marketplace')
      .then((r) => r.rows[0]?.size)
      .catch(() => undefined);
    if (loaded === wanted) {
      // Columns and indexes added to the read model since the load are added (columns filled from each row's document).
      await inTransaction(pool, async (client) => {
        await createSearchTables(client, 'listings');
        await createSearchIndexes(client, 'listings');
      });
      await prewarm(pool);
      return { url: existing.url, pool, drop: existing.drop, loadSeconds: undefined as number | undefined, reused: true };
    }
    await pool.end();
  }
  const db = await freshDatabase(adminUrl, `marketplace${size.listings}`);
  const pool: Pool = createPool(db.url, 8);
  await inTransaction(pool, (client) => createSearchTables(client, 'listings'));
  const started = performance.now();
  await inTransaction(pool, (client) => dropSearchIndexes(client, 'listings'));
  let last = 0;
  await loadMarketplace(pool, {
    from: 0,
    to: size.listings,
    seed: size.seed,
    first: size.first,
    workers: options.workers ?? 2,
    onProgress: (done) => {
      if (performance.now() - last > 15_000) {
        last = performance.now();
        console.log(`loading: ${done}/${size.listings} listings, ${Math.round(done / ((performance.now() - started) / 1000))}/s`);
      }
    },
  });
  const rowsSeconds = (performance.now() - started) / 1000;
  console.log(`rows loaded in ${Math.round(rowsSeconds)} s; building indexes`);
  await pool.query(`SET maintenance_work_mem = '512MB'`);
  await inTransaction(pool, async (client) => {
    await client.query(`SET LOCAL maintenance_work_mem = '512MB'`);
    await createSearchIndexes(client, 'listings');
  });
  await pool.query('VACUUM ANALYZE');
  const loadSeconds = (performance.now() - started) / 1000;
  await pool.query(`CREATE TABLE bench_marketplace (size text NOT NULL, load_seconds real NOT NULL, rows_seconds real NOT NULL)`);
  await pool.query(`INSERT INTO bench_marketplace VALUES ($1, $2, $3)`, [wanted, loadSeconds, rowsSeconds]);
  await prewarm(pool);
  return { url: db.url, pool, drop: db.drop, loadSeconds, reused: false };
};

/** Reads the search read model's tables and indexes into shared buffers, so that the first shape measured is not the one that pays for a cold cache. */
const prewarm = async (pool: Pool): Promise<void> => {
  await pool.query('CREATE EXTENSION IF NOT EXISTS pg_prewarm');
  await pool.query(`SELECT pg_prewarm(c.oid) FROM pg_class c WHERE c.relname LIKE 'listings%' AND c.relkind IN ('r', 'i')`);
};

/** Loads (or finds already loaded) the search benchmark's marketplace: `npm run bench:search-data -w bench -- --listings 500000`. */
import { params } from './shared/args.ts';
import { benchServer } from './shared/database.ts';
import { marketplaceDatabase } from './shared/marketplace-db.ts';

const p = params('bench:search-data', {
  listings: { default: 500_000, help: 'listings to load' },
  seed: { default: 12, help: 'data seed' },
  first: { default: '2027-03-01', help: 'first night of the 90 loaded' },
  fresh: { default: false, help: 'load again even if the same data is there' },
});
const server = await benchServer();
const db = await marketplaceDatabase(server.adminUrl, { listings: p.listings, seed: p.seed, first: p.first }, { fresh: p.fresh });
const counts = await db.pool.query(`SELECT (SELECT count(*) FROM listings) AS listings, (SELECT count(*) FROM listings_unit_types) AS unit_types,
  (SELECT sum(count) FROM listings_unit_types) AS units, (SELECT count(*) FROM listings_calendar) AS calendar_rows, (SELECT count(*) FROM listings_words) AS word_variants,
  pg_size_pretty(pg_database_size(current_database())) AS size`);
console.log({ reused: db.reused, loadSeconds: db.loadSeconds, ...counts.rows[0] });
await db.pool.end();
await server.stop();

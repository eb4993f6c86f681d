/**
 * A seller's orders to ship at marketplace scale: `npm run bench:seller-orders -w bench`.
 *
 * Loads the seller_orders read model with `--orders` orders of one to two lines over `--sellers`
 * sellers (five products each; one big seller's product is in every tenth order), then times
 * `GET /seller/orders`' reader (no HTTP) for a big and a typical seller, page 1 and a deep page, all
 * statuses and status=confirmed. The peer is the same reader on a copy of the database without the
 * read model's indexes, queried alternately with it (same machine load): the ratio is what the
 * indexes buy.
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { checkpointSchema, sellerOrdersProjection, PgSellerOrderReader, type SellerOrderQuery } from '@stayhub/read-models';
import { params } from './shared/args.ts';
import { benchDatabase, benchServer, freshDatabase, withAdmin } from './shared/database.ts';
import { record } from './shared/results.ts';
import { summarise } from './shared/stats.ts';

const p = params('bench:seller-orders', {
  orders: { default: 200_000, help: 'orders in the read model' },
  sellers: { default: 2_000, help: 'sellers, five products each' },
  queries: { default: 60, help: 'queries per shape and reader' },
});

const PER_SELLER = 5;
const products = p.sellers * PER_SELLER;
const server = await benchServer();
try {
  const loadBefore = loadavg().map((x) => Math.round(x * 100) / 100);
  const indexed = await freshDatabase(server.adminUrl, 'seller_orders');
  const pool = new pg.Pool({ connectionString: indexed.url, max: 2 });
  const started = performance.now();
  const client = await pool.connect();
  try {
    await client.query(checkpointSchema);
    await sellerOrdersProjection.migrate(client, 'seller_orders', { indexes: false });
    await client.query(
      `INSERT INTO seller_orders_products (product_id, seller_id, doc)
       SELECT 'p' || i, 's' || (i / ${PER_SELLER}), jsonb_build_object('productId', 'p' || i, 'sellerId', 's' || (i / ${PER_SELLER}), 'revision', 0)
         FROM generate_series(0, ${products - 1}) i`,
    );
    // Product p0 (seller s0) is in every tenth order; the rest spread evenly.
    await client.query(
      `INSERT INTO seller_orders (order_id, product_ids, status, placed_at, doc, updated_at)
       SELECT id, ids, status, at, jsonb_build_object(
                'orderId', id, 'status', status, 'shippingPostalCode', '10115', 'placedAt', at, 'updatedAt', at, 'revision', 5, 'productIds', to_jsonb(ids),
                'lines', (SELECT jsonb_agg(jsonb_build_object('productId', pid, 'sku', upper(pid), 'name', 'Item ' || pid, 'quantity', 1)) FROM unnest(ids) pid)), at
         FROM (SELECT 'o' || lpad(i::text, 9, '0') AS id,
                      ARRAY(SELECT DISTINCT unnest(ARRAY[CASE WHEN i % 10 = 0 THEN 'p0' ELSE 'p' || (1 + (i::bigint * 7919) % ${products - 1}) END, 'p' || (1 + (i::bigint * 104729) % ${products - 1})]) ORDER BY 1) AS ids,
                      (ARRAY['confirmed', 'shipped', 'delivered', 'delivered', 'delivered', 'cancelled'])[1 + i % 6] AS status,
                      timestamptz '2026-01-01' + i * interval '1 minute' AS at
                 FROM generate_series(1, ${p.orders}) i) o`,
    );
    await sellerOrdersProjection.index(client, 'seller_orders');
    await client.query('ANALYZE');
  } finally {
    client.release();
  }
  await pool.end();
  const loadMs = performance.now() - started;

  // The peer: the same data without the read model's indexes.
  const plain = benchDatabase(server.adminUrl, 'seller_orders_plain');
  await plain.drop();
  await withAdmin(server.adminUrl, (admin) => admin.query('CREATE DATABASE stayhub_bench_seller_orders_plain TEMPLATE stayhub_bench_seller_orders'));
  const plainPool = new pg.Pool({ connectionString: plain.url, max: 2 });
  await plainPool.query('DROP INDEX seller_orders_by_product; DROP INDEX seller_orders_newest; DROP INDEX seller_orders_products_by_seller; ANALYZE');
  const indexedPool = new pg.Pool({ connectionString: indexed.url, max: 2 });
  const readers = { indexed: new PgSellerOrderReader(indexedPool), plain: new PgSellerOrderReader(plainPool) };

  const shapes: Record<string, { seller: (n: number) => string; query: SellerOrderQuery }> = {
    bigSellerToShip: { seller: () => 's0', query: { status: 'confirmed', page: 1, pageSize: 20 } },
    bigSellerAllPage10: { seller: () => 's0', query: { page: 10, pageSize: 20 } },
    typicalSellerToShip: { seller: (n) => `s${1 + ((n * 37) % (p.sellers - 1))}`, query: { status: 'confirmed', page: 1, pageSize: 20 } },
    typicalSellerAll: { seller: (n) => `s${1 + ((n * 53) % (p.sellers - 1))}`, query: { page: 1, pageSize: 20 } },
  };
  const figures: Record<string, unknown> = { loadSeconds: Math.round(loadMs / 100) / 10 };
  try {
    for (const [name, shape] of Object.entries(shapes)) {
      const times = { indexed: [] as number[], plain: [] as number[] };
      let rows = 0;
      for (let n = 0; n < p.queries; n++) {
        for (const which of n % 2 === 0 ? (['indexed', 'plain'] as const) : (['plain', 'indexed'] as const)) {
          const t0 = performance.now();
          const page = await readers[which].bySeller(shape.seller(n), shape.query);
          times[which].push(performance.now() - t0);
          if (which === 'indexed') rows += page.items.length;
        }
      }
      const indexedMs = summarise(times.indexed);
      const plainMs = summarise(times.plain);
      figures[name] = {
        rowsPerPage: Math.round((rows / p.queries) * 10) / 10,
        indexedMs,
        withoutIndexesMs: plainMs,
        p50Ratio: Math.round((plainMs.p50 / Math.max(indexedMs.p50, 0.01)) * 10) / 10,
      };
    }
  } finally {
    await indexedPool.end();
    await plainPool.end();
    await plain.drop();
    await indexed.drop();
  }
  record(
    'seller-orders',
    { ...p, products, database: server.kind },
    figures,
    [
      'reader of GET /seller/orders, no HTTP; peer = same reader on the same data without its indexes (GIN on product_ids, newest first, by seller), queries alternated',
    ],
    loadBefore,
  );
} finally {
  await server.stop();
}

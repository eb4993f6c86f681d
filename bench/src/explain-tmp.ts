import { createPool } from '@stayhub/infra';
import { searchListings } from '@stayhub/read-models/listings/pg-search';
const pool = createPool(process.argv[2]!, 4);
const t = { listings: 'listings', unitTypes: 'listings_unit_types', calendar: 'listings_calendar', calendarStreams: 'x', words: 'listings_words' };
const q = JSON.parse(process.argv[3]!);
const plans: string[] = [];
const original = pool.query.bind(pool);
(pool as any).query = async (sql: string, params: unknown[]) => {
  if (/FROM listings l/.test(sql)) {
    const started = performance.now();
    const r = await original(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${sql}`, params);
    plans.push(`-- ${Math.round(performance.now() - started)} ms\n` + r.rows.map((x: any) => x['QUERY PLAN']).join('\n'));
  }
  return original(sql, params);
};
const started = performance.now();
const r = await searchListings(pool, t, { sort: 'relevance', page: 1, pageSize: 20, ...q });
console.log(plans.join('\n\n'));
console.log('total', r.total, 'items', r.items.length, Math.round(performance.now() - started), 'ms (with explains)');
await pool.end();

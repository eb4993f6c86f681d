import { createPool } from '@stayhub/infra';
import { searchListings } from '@stayhub/infra/read-stores/listings/pg-search';
const pool = createPool(process.argv[2]!, 4);
const t = { listings: 'listings', unitTypes: 'listings_unit_types', calendar: 'listings_calendar', words: 'listings_words' };
const q = JSON.parse(process.argv[3]!);
const started = performance.now();
const r = await searchListings(pool, t, { sort: 'relevance', page: 1, pageSize: 5, ...q });
console.log(Math.round(performance.now() - started), 'ms', JSON.stringify({ ...r, items: r.items.map((i) => [i.listingId, i.title, i.rating, i.minPrice?.amount, i.distanceKm, i.availableUnitTypes]) }, null, 0));
await pool.end();

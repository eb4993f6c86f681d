import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import { nightsBetween } from '../availability/nights.ts';
import { TOTAL_BOUND, totalTextOf, type ListingSearchQuery, type ListingSearchResult } from './port.ts';
import { cellsCovering, fineCellSql, fineCellsTouching, TEXT_CELLS, withinRadiusSql } from './geo-cells.ts';
import { nightPriceSql } from './night-prices.ts';
import { nightAddress } from './search-tables.ts';
import { askedSlot, weekMinuteOf } from './slot-query.ts';
import { deletionVariants, FUZZY_MIN_LENGTH, typedWords, wordsOf } from './search-words.ts';

export type SearchTables = { listings: string; unitTypes: string; calendar: string; words: string; nightPrices: string };

/**
 * One typed word and the listing words it may mean: itself if listings have it, and those one typo
 * away; with a count column, how many documents have each (the dictionary's count).
 */
export type ResolvedWord = { typed: string; exact: boolean; words: string[]; counts?: ReadonlyMap<string, number> };

/**
 * Looks every typed word up in the dictionary (one query for all): words of 4+ letters through
 * their one-deletion variants; `countColumn` names the dictionary's count of documents per word, to read it too.
 */
export const resolveWords = async (pool: Pick<Pool, 'query'>, table: string, q: string, countColumn?: string): Promise<ResolvedWord[]> => {
  const typed = typedWords(q);
  if (typed.length === 0) return [];
  const variants = typed.flatMap((word, index) => deletionVariants(word).map((variant) => ({ variant, index })));
  const { rows } = await pool.query<{ index: number; word: string; n?: number }>({
    // Named: prepared once per connection and table, so the server neither parses nor plans it again.
    name: `listing-words-${table}${countColumn ? `-${countColumn}` : ''}`,
    text: `SELECT DISTINCT v.index, w.word${countColumn ? `, w.${countColumn} AS n` : ''}
             FROM unnest($1::text[], $2::int[]) AS v(variant, index) JOIN ${table} w ON w.variant = v.variant`,
    values: [variants.map((v) => v.variant), variants.map((v) => v.index)],
  });
  return typed.map((word, index) => {
    // A long word matches itself or a word one typo away; one letter shorter, itself or the words
    // one letter longer (found by their deletion variants: one of them is the typed word); shorter, only itself.
    const found = rows.filter((r) => r.index === index && typedMatches(word, r.word));
    const words = found
      .map((r) => r.word)
      .sort((a, b) => (a === word ? -1 : b === word ? 1 : a < b ? -1 : 1))
      .slice(0, 64);
    return { typed: word, exact: words.includes(word), words, ...(countColumn ? { counts: new Map(found.map((r) => [r.word, r.n ?? 0])) } : {}) };
  });
};

/** A word that this many listings have is looked up in a GIN scan of its own when it is one of several a typed word may mean. */
export const OWN_SCAN_LISTINGS = 256;

/**
 * The word parts of a search's GIN scans (tsquery texts, any of them matches): all typed words in
 * one, except a single typed word that may mean several words some of which many listings have:
 * each of those in a scan of its own, the rare rest in one. A scan checks its whole query against
 * every listing its rarest words lead it to, so one frequent word among nineteen rare ones one typo
 * away ("house": 21,569 listings at 500k; "horse", "mouse"… 14–29 each) made it twice the CPU of
 * the two scans apart (31 against 15 ms of backend CPU for the matches in a dense city's cells at 500k, 2 Dec).
 */
export const wordScans = (resolved: readonly ResolvedWord[]): string[] => {
  const known = resolved.filter((r) => r.words.length > 0);
  const only = known.length === 1 ? known[0]! : undefined;
  if (!only?.counts || only.words.length < 2) return [textQueries(resolved).anywhere];
  const frequent = only.words.filter((word) => (only.counts!.get(word) ?? 0) >= OWN_SCAN_LISTINGS);
  const rare = only.words.filter((word) => !frequent.includes(word));
  if (frequent.length === 0 || (frequent.length === 1 && rare.length === 0)) return [textQueries(resolved).anywhere];
  return [...frequent, ...(rare.length > 0 ? [`(${rare.join(' | ')})`] : [])];
};

/** Whether a listing word is one a typed word may mean (see `resolveWords`). */
export const typedMatches = (typed: string, word: string): boolean =>
  word === typed ||
  (typed.length >= FUZZY_MIN_LENGTH && oneEditApart(word, typed)) ||
  (typed.length === FUZZY_MIN_LENGTH - 1 && word.length === FUZZY_MIN_LENGTH && oneEditApart(word, typed));

/**
 * Whether two words are one typo apart: a letter replaced, added or dropped, or two neighbours
 * swapped. Words sharing a one-deletion variant can be two edits apart ("abcd", "bcde"): those are dropped.
 */
export const oneEditApart = (a: string, b: string): boolean => {
  if (a === b) return true;
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  if (a.length === b.length) {
    if (a.slice(i + 1) === b.slice(i + 1)) return true;
    return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
  }
  return a.length > b.length ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
};

/** tsquery texts (words are only [a-z0-9], so they need no quoting): all words anywhere; all in the title exactly; all in the title, fuzzily. */
export const textQueries = (resolved: readonly ResolvedWord[]) => {
  const known = resolved.filter((r) => r.words.length > 0);
  const any = (weight: string) => known.map((r) => `(${r.words.map((w) => `${w}${weight}`).join(' | ')})`).join(' & ');
  return {
    /** Typed words that no listing has are left out, so one unknown word does not empty the result. */
    known: known.length,
    anywhere: any(''),
    fuzzyTitle: any(':A'),
    exactTitle: known.every((r) => r.exact) ? known.map((r) => `${r.typed}:A`).join(' & ') : null,
  };
};

/** The position of the last item of a page, to ask for the next page after it. */
type Cursor = { tier: number; key: number | null; id: string };
export const encodeCursor = (cursor: Cursor): string => Buffer.from(JSON.stringify([cursor.tier, cursor.key, cursor.id])).toString('base64url');
export const decodeCursor = (text: string): Cursor | undefined => {
  try {
    const value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown;
    if (!Array.isArray(value) || value.length !== 3) return undefined;
    const [tier, key, id] = value as unknown[];
    if (!Number.isInteger(tier) || !(key === null || typeof key === 'number') || typeof id !== 'string') return undefined;
    return { tier: tier as number, key: key as number | null, id };
  } catch {
    return undefined;
  }
};

/**
 * A page's row as the server wrote it, every column its text (see `RAW`), in `laidOut`'s order: the
 * place in the order (for the cursor), the count, then the summary's columns.
 */
type Row = [
  listingId: string,
  tier: string,
  sortKey: string | null,
  matches: string | null,
  kind: string,
  title: string | null,
  city: string | null,
  country: string | null,
  lat: string | null,
  lon: string | null,
  currency: string | null,
  minPrice: string | null,
  rating: string | null,
  ratingCount: string,
  stars: string | null,
  amenities: string,
  photo: string | null,
  distanceM: string | null,
  available: string | null,
];

/**
 * Every column as the text the server sent, parsed by nothing: a page's rows are written out as JSON
 * text here (`itemOf`), so no value needs to become a JavaScript one first (the pg client's type
 * parsing, its arrays above all, and an object per row were a quarter of the query API's CPU a search).
 */
const RAW = { getTypeParser: () => (text: string) => text };

/**
 * A page's statement with its rows' columns in `Row`'s order, the arrays as JSON text (`to_json`):
 * laid out over the page's own rows (the statement as a subquery, its order taken again over those
 * few rows), so that no plan converts rows it sorts or counts and then drops.
 */
const laidOut = (page: string, counted: boolean): string =>
  `SELECT s.listing_id, s.tier, s.sort_key, ${counted ? 's.matches' : 'NULL::int'}, s.kind, s.title, s.city, s.country, s.lat, s.lon,
          s.currency, s.min_price, s.rating, s.rating_count, s.stars, to_json(s.amenities), s.photo, s.distance_m, to_json(s.available)
     FROM (${page}) s
    ORDER BY s.tier, s.sort_key, s.listing_id`;

const jsonText = (value: string | null): string => (value === null ? 'null' : JSON.stringify(value));
/** A number as the server wrote it (int, bigint, float8: its shortest exact form), which JSON reads as the same number. */
const jsonNumber = (value: string | null): string => value ?? 'null';

/** A row as a `ListingSummary`'s JSON text (its keys in that order): the distance when the listing has one, the free unit types when dated. */
const itemOf = (row: Row, dated: boolean): string => {
  const [id, , , , kind, title, city, country, lat, lon, currency, minPrice, rating, ratingCount, stars, amenities, photo, distanceM, available] = row;
  const location = lat === null || lon === null ? 'null' : `{"lat":${jsonNumber(lat)},"lon":${jsonNumber(lon)}}`;
  const price = minPrice === null || !currency ? 'null' : `{"amount":${jsonNumber(minPrice)},"currency":${jsonText(currency)}}`;
  const rounded = rating === null ? 'null' : String(Math.round(Number(rating) * 100) / 100);
  let item = `{"listingId":${jsonText(id)},"kind":${jsonText(kind)},"title":${jsonText(title)},"city":${jsonText(city)},"country":${jsonText(country)},"location":${location},"minPrice":${price},"rating":${rounded},"ratingCount":${jsonNumber(ratingCount)},"stars":${jsonNumber(stars)},"amenities":${amenities},"photo":${jsonText(photo)}`;
  if (distanceM !== null) item += `,"distanceKm":${Math.round(Number(distanceM)) / 1000}`;
  if (dated) item += `,"availableUnitTypes":${available ?? '[]'}`;
  return `${item}}`;
};

/** A page's statement, its rows as the server wrote them. */
const pageRows = async (pool: Pool, statement: { name?: string; text: string; values: unknown[] }): Promise<Row[]> =>
  (await pool.query<Row>({ ...statement, rowMode: 'array', types: RAW })).rows;

/**
 * Listing search in one statement for the page and one bounded count, each driven by its most
 * selective index: the GIN word index for text (typed words resolved through the dictionary
 * first), the GiST point index for a radius and for distance order (KNN), the price or rating
 * B-tree for those orders. Relevance: every word exactly in the title, then fuzzily in the title,
 * then anywhere; ties by the asked sort, then by id, which also makes the keyset.
 */
/** How many listings in the asked order a search walks before it lets the filters drive instead. */
const WALK = 3000;

/** A search's answer (`ListingSearchResult`) as objects: the JSON text the query API serves, read back. */
export const searchListings = async (pool: Pool, t: SearchTables, query: ListingSearchQuery): Promise<ListingSearchResult> =>
  JSON.parse(await searchListingsJson(pool, t, query)) as ListingSearchResult;

/** A search's answer (`ListingSearchResult`) as JSON text, its items written from the page's rows as the server sent them (`itemOf`). */
export const searchListingsJson = async (pool: Pool, t: SearchTables, query: ListingSearchQuery): Promise<string> => {
  const params: unknown[] = [];
  const p = (value: unknown, cast = '') => {
    params.push(value);
    return `$${params.length}${cast}`;
  };
  const empty = JSON.stringify({ items: [], total: 0, totalText: '0', next: null, page: query.page, pageSize: query.pageSize });
  const where = [`l.status = 'published'`];
  let text: ReturnType<typeof textQueries> | undefined;
  const hasPoint = query.lat !== undefined && query.lon !== undefined;
  // Text within a radius: the GIN index intersects the words with the geo cells covering the
  // circle (a dense city holds tens of thousands of listings whose words a point index would make
  // it check one by one); the exact distance is then checked on those few. One scan over the
  // fewest cells that cover it (see `TEXT_CELLS`), else over all of them.
  const radius = query.q && hasPoint && query.radiusKm !== undefined ? { lat: query.lat!, lon: query.lon!, radiusKm: query.radiusKm } : undefined;
  const cells = radius
    ? (cellsCovering(radius.lat, radius.lon, radius.radiusKm, TEXT_CELLS) ?? cellsCovering(radius.lat, radius.lon, radius.radiusKm))
    : undefined;
  if (query.q) {
    const resolved = await resolveWords(pool, t.words, query.q, 'listings');
    text = textQueries(resolved);
    if (text.known === 0) return empty;
    const place = cells ? ` & (${cells.map((cell) => `'${cell}'`).join(' | ')})` : '';
    const scans = wordScans(resolved).map((words) => `l.words @@ ${p(`(${words})${place}`, '::tsquery')}`);
    where.push(scans.length === 1 ? scans[0]! : `(${scans.join(' OR ')})`);
  }
  const origin = () => `ll_to_earth(${p(query.lat, '::float8')}, ${p(query.lon, '::float8')})`;
  // The 0.1° cells a radius reaches, when there are few enough: read through their own index, each point checked from it.
  const touched = hasPoint && query.radiusKm !== undefined ? fineCellsTouching(query.lat!, query.lon!, query.radiusKm) : undefined;
  if (hasPoint && query.radiusKm !== undefined) {
    if (!cells) {
      where.push(
        touched
          ? `${fineCellSql('l.lat', 'l.lon')} = ANY(${p(touched, '::int[]')})`
          : `earth_box(${origin()}, ${p(query.radiusKm * 1000, '::float8')}) @> ll_to_earth(l.lat, l.lon)`,
      );
    }
    where.push(withinRadiusSql('l.lat', 'l.lon', { lat: query.lat!, lon: query.lon!, radiusKm: query.radiusKm }, (value) => p(value, '::float8')));
  }
  if (query.kind) where.push(`l.kind = ${p(query.kind)}`);
  if (query.city) where.push(`lower(l.city) = lower(${p(query.city)})`);
  if (query.amenities?.length)
    where.push(
      `l.amenities @> ${p(
        query.amenities.map((a) => a.toLowerCase()),
        '::text[]',
      )}`,
    );
  // Over asked nights, a unit's price is its average per night there (see `night-prices.ts`); else its base price.
  const nightPrices =
    query.checkIn && query.checkOut && (query.minPrice !== undefined || query.maxPrice !== undefined)
      ? nightPriceSql(t.nightPrices, { checkIn: query.checkIn, checkOut: query.checkOut, minPrice: query.minPrice, maxPrice: query.maxPrice }, p)
      : undefined;
  if (query.maxPrice !== undefined) where.push(nightPrices?.listing ?? `l.min_price <= ${p(query.maxPrice, '::bigint')}`);
  if (query.stars?.length) where.push(`l.stars = ANY(${p(query.stars, '::smallint[]')})`);
  // As the rating indexes hold it (an unrated listing as 1), so that a walk in rating order stops at the bound.
  if (query.minRating !== undefined) where.push(`coalesce(-l.rating, 1) <= -${p(query.minRating, '::real')} AND l.rating IS NOT NULL`);
  if (query.cuisine?.length)
    where.push(
      `l.cuisine && ${p(
        query.cuisine.map((c) => c.toLowerCase()),
        '::text[]',
      )}`,
    );
  const roomWords = wordsOf(query.roomType);

  // A unit type qualifies when it fits the party, is within the price range and, when a stay or
  // slot is asked, has that many units free on each of its nights (read with the unit type) or at the slot.
  const dated = Boolean(query.checkIn && query.checkOut) || Boolean(query.slot);
  const unitAsked = dated || query.minPrice !== undefined || query.maxPrice !== undefined || query.guests !== undefined || roomWords.length > 0;
  // Units needed for the party, ceil(guests / capacity), in integer arithmetic.
  const need = unitAsked ? `((${p(query.guests ?? 1, '::int')} + u.capacity - 1) / u.capacity)` : '1';
  const unit = [`${need} <= u.count`];
  if (nightPrices) unit.push(...nightPrices.unit);
  else {
    if (query.minPrice !== undefined) unit.push(`u.price >= ${p(query.minPrice, '::bigint')}`);
    if (query.maxPrice !== undefined) unit.push(`u.price <= ${p(query.maxPrice, '::bigint')}`);
  }
  // The unit type's name cut into words as `wordsOf` cuts them (accents dropped, split at anything not a letter or digit).
  if (roomWords.length > 0) unit.push(`regexp_split_to_array(lower(unaccent(u.name)), '[^a-z0-9]+') @> ${p(roomWords, '::text[]')}`);
  const nights = query.checkIn && query.checkOut ? nightsBetween(query.checkIn, query.checkOut) : [];
  if (nights.length > 0) {
    // The stay's nights are one slice of the unit type's `used_nights` (read with the unit type,
    // no probe of its own); nights outside the array have nothing used.
    const from = p(nightAddress(nights[0]!), '::int');
    const to = p(nightAddress(nights[nights.length - 1]!), '::int');
    unit.push(`NOT coalesce(u.count - ${need} < ANY (u.used_nights[${from} - u.used_from + 1:${to} - u.used_from + 1]), false)`);
  }
  if (query.slot) {
    // A restaurant takes the slot only on its grid within opening hours (its local week), and then only with a table free.
    where.push(`l.kind = 'restaurant'`);
    const zone = `coalesce(l.time_zone, 'UTC')`;
    const asked = askedSlot(query.slot);
    let key: string;
    if (asked.kind === 'instant') {
      const at = p(asked.key, '::timestamptz');
      where.push(`l.slot_starts @> ARRAY[(SELECT (extract(dow FROM x) * 1440 + extract(hour FROM x) * 60 + extract(minute FROM x))::int
                                            FROM (SELECT ${at} AT TIME ZONE ${zone}) s(x) WHERE extract(second FROM x) = 0)]`);
      key = p(asked.key);
    } else {
      // A wall-clock time is each restaurant's own: the same minute of its week everywhere, a
      // different instant per zone (the earliest of a time passed twice, none for one skipped,
      // found as `instantOfLocal` does, from the offsets in force a day either side).
      const local = p(asked.local, '::timestamp');
      const at = `(SELECT min(k) FROM (SELECT s.t - (((s.t + d) AT TIME ZONE ${zone}) - ((s.t + d) AT TIME ZONE 'UTC')) AS k
                     FROM (SELECT ${local} AT TIME ZONE 'UTC') s(t), unnest(ARRAY['-1 day', '0', '1 day']::interval[]) d) ks
                    WHERE k AT TIME ZONE ${zone} = ${local})`;
      where.push(asked.onMinute ? `l.slot_starts @> ARRAY[${p(weekMinuteOf(asked.local), '::int')}] AND ${at} IS NOT NULL` : 'false');
      key = `to_char(${at} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
    }
    unit.push(`NOT EXISTS (SELECT 1 FROM ${t.calendar} c WHERE c.unit_type_id = u.unit_type_id AND c.month = left(${key}, 7)
                              AND coalesce((c.slots ->> ${key})::int, 0) > u.count - ${need})`);
  }
  if (unitAsked) where.push(`EXISTS (SELECT 1 FROM ${t.unitTypes} u WHERE u.listing_id = l.listing_id AND ${unit.join(' AND ')})`);

  // The count takes only the filters' parameters; the page's own (tiers, origin, keyset, limit) follow.
  const filters = where.join(' AND ');
  const countParams = [...params];
  let tier = '0';
  if (text) {
    const fuzzy = `l.words @@ ${p(text.fuzzyTitle, '::tsquery')}`;
    tier = text.exactTitle
      ? `CASE WHEN l.words @@ ${p(text.exactTitle, '::tsquery')} THEN 0 WHEN ${fuzzy} THEN 1 ELSE 2 END`
      : `CASE WHEN ${fuzzy} THEN 1 ELSE 2 END`;
  }
  let distance = 'NULL::float8';
  let point = '';
  if (hasPoint) {
    const at = origin();
    point = `(ll_to_earth(l.lat, l.lon) <-> ${at})`;
    distance = `earth_distance(${at}, ll_to_earth(l.lat, l.lon))`;
  }

  // The asked order as one ascending key of its own type (what its index holds), so that the keyset is a row comparison.
  const sort = query.sort === 'relevance' && !query.q ? 'rating' : query.sort;
  const { key, cast } = {
    relevance: { key: 'coalesce(-l.rating, 1)', cast: '::real' },
    rating: { key: 'coalesce(-l.rating, 1)', cast: '::real' },
    price: { key: 'l.min_price', cast: '::bigint' },
    distance: { key: point || 'l.lat', cast: '::float8' },
  }[sort];
  const after = query.cursor ? decodeCursor(query.cursor) : undefined;
  const page = [...where];
  let from = '';
  let past = 'true';
  if (after && after.key !== null) {
    const position = `(${key}, l.listing_id) > (${p(after.key, cast)}, ${p(after.id)})`;
    past = text ? `(${tier} > ${p(after.tier, '::int')} OR (${tier} = ${p(after.tier, '::int')} AND ${position}))` : position;
    page.push(past);
    from = position;
  }
  const limit = p(query.pageSize + 1, '::int');
  const offset = after ? '0' : p((query.page - 1) * query.pageSize, '::int');
  // The unit types free for the party (listed only when dates or a slot are asked).
  const available = dated
    ? `(SELECT array_agg(u.unit_type_id ORDER BY u.price, u.unit_type_id) FROM ${t.unitTypes} u WHERE u.listing_id = l.listing_id AND ${unit.join(' AND ')})`
    : 'NULL::text[]';
  const select = `SELECT l.listing_id, l.kind, l.title, l.city, l.country, l.lat, l.lon, l.currency, l.min_price, l.rating, l.rating_count, l.stars, l.amenities,
           l.doc->'details'->'photos'->>0 AS photo, ${distance} AS distance_m, ${available} AS available, ${tier} AS tier, ${key}::float8 AS sort_key`;
  const countSql = `SELECT count(*)::int AS n FROM (SELECT 1 FROM ${t.listings} l WHERE ${filters} LIMIT ${TOTAL_BOUND + 1}) matches`;
  if (text) {
    // Text: the page sorts every match by tier anyway (no index holds that order), so the same
    // statement counts them, instead of a second statement finding the matches again: the matches
    // (id, tier, sort key) are gathered once, the page taken from them, and only its rows read whole.
    const matchesSql = `WITH m AS MATERIALIZED (
        SELECT l.listing_id, ${tier} AS tier, ${key} AS k, ${past} AS past FROM ${t.listings} l WHERE ${filters}),
      top AS (SELECT m.listing_id, m.tier, m.k FROM m WHERE m.past ORDER BY m.tier, m.k, m.listing_id LIMIT ${limit} OFFSET ${offset})
      ${select}, (SELECT count(*)::int FROM m) AS matches
        FROM top JOIN ${t.listings} l ON l.listing_id = top.listing_id
       ORDER BY top.tier, top.k, top.listing_id`;
    const found = await pageRows(pool, { text: laidOut(matchesSql, true), values: params.slice(0, maxParam(matchesSql)) });
    // An empty page past the first has no row to carry the count: it is counted apart.
    const counted = found[0]?.[3];
    const matches = counted ? Number(counted) : after || query.page > 1 ? ((await pool.query<{ n: number }>(countSql, countParams)).rows[0]?.n ?? 0) : 0;
    return pageOf(found, matches, query, dated);
  }
  // Without text, the bounded count rides in the page's statement as a subquery of its own
  // (planned and run once, apart from the page's rows): one statement and one round trip a
  // search instead of two, the count's own parse, bind and protocol messages spared.
  const counted = `(SELECT count(*)::int FROM (SELECT 1 FROM ${t.listings} l WHERE ${filters} LIMIT ${TOTAL_BOUND + 1}) matches) AS matches`;
  // Ordered by price or rating within a radius, without text: walk each 0.1° cell the circle
  // reaches on its own index in that order until it has a page of matches, and merge those pages.
  // A small town is sparse in the country-wide order, and sorting all its matches costs thousands
  // of availability checks; this costs about a page per cell. Other filters ordered so (a city,
  // dates) are met within the first listings of that order: walk its index a bounded way first.
  // Only when neither fills the page do the filters drive (the planner cannot know how broad a filter is).
  // The cells walk is prepared under a name of its text (see `prepared`): its text depends on
  // which filters are asked, not on their values, so it is parsed once per connection and, once
  // the server finds its generic plan no worse, not planned again (its numbers are parameters for
  // that). Not with amenities: a generic plan cannot know how rare the asked amenities are and
  // counts through their GIN index instead of the cells (4x the buffers for "wifi" within 10 km).
  // The other statements stay unnamed: planned for their values each time.
  let rows: Row[] | undefined;
  let matches: number | undefined;
  const ordered = !text && (sort === 'rating' || sort === 'price');
  const reached = ordered ? touched : undefined;
  if (reached) {
    const perCell = p(query.pageSize + 1 + (after ? 0 : (query.page - 1) * query.pageSize), '::int');
    // Each cell's walk takes only the id and key (from its index alone when the filters are on the
    // point, kind and rating); the page's rows are read whole after the merge.
    const cellsSql = `WITH top AS (
       SELECT c.listing_id, c.k FROM unnest(${p(reached, '::int[]')}) AS g(cell)
        CROSS JOIN LATERAL (
          SELECT l.listing_id, ${key} AS k FROM ${t.listings} l
           WHERE ${fineCellSql('l.lat', 'l.lon')} = g.cell AND ${page.join(' AND ')}
           ORDER BY ${key}, l.listing_id
           LIMIT ${perCell}) c
        ORDER BY c.k, c.listing_id
        LIMIT ${limit} OFFSET ${offset})
      ${select}, ${counted}
      FROM top JOIN ${t.listings} l ON l.listing_id = top.listing_id
     ORDER BY top.k, top.listing_id`;
    const statement = { text: laidOut(cellsSql, true), values: params.slice(0, maxParam(cellsSql)) };
    rows = await pageRows(pool, query.amenities?.length ? statement : prepared(statement.text, statement.values));
  } else if (ordered && where.length > 1) {
    const walk = `${select}, ${counted}
      FROM (SELECT * FROM ${t.listings} l WHERE l.status = 'published' ${from ? `AND ${from}` : ''} ORDER BY ${key}, l.listing_id LIMIT ${p(WALK + (query.page - 1) * query.pageSize, '::int')}) l
     WHERE ${page.join(' AND ')}
     ORDER BY ${key}, l.listing_id
     LIMIT ${limit} OFFSET ${offset}`;
    const walked = await pageRows(pool, { text: laidOut(walk, true), values: params.slice(0, maxParam(walk)) });
    // A walk that found some matches but not a page has counted them all the same.
    matches = walked[0]?.[3] ? Number(walked[0][3]) : undefined;
    if (walked.length > query.pageSize) rows = walked;
  }
  if (!rows) {
    const whole = `${select}${matches === undefined ? `, ${counted}` : ''}
      FROM ${t.listings} l
     WHERE ${page.join(' AND ')}
     ORDER BY ${key}, l.listing_id
     LIMIT ${limit} OFFSET ${offset}`;
    rows = await pageRows(pool, { text: laidOut(whole, matches === undefined), values: params.slice(0, maxParam(whole)) });
  }
  matches ??= rows[0]?.[3] ? Number(rows[0][3]) : undefined;
  // An empty page carries no count: on the first page there is nothing to count; past it, counted apart.
  matches ??= after || query.page > 1 ? ((await pool.query<{ n: number }>(countSql, countParams)).rows[0]?.n ?? 0) : 0;
  return pageOf(rows, matches, query, dated);
};

/** A page of rows (one more than asked when there are more) and the matches counted (at least up to the bound), as the answer's JSON text. */
const pageOf = (rows: readonly Row[], n: number, query: ListingSearchQuery, dated: boolean): string => {
  const more = rows.length > query.pageSize;
  const items = rows.slice(0, query.pageSize);
  const last = items[items.length - 1];
  const next = more && last ? JSON.stringify(encodeCursor({ tier: Number(last[1]), key: last[2] === null ? null : Number(last[2]), id: last[0] })) : 'null';
  return `{"items":[${items.map((row) => itemOf(row, dated)).join(',')}],"total":${Math.min(n, TOTAL_BOUND)},"totalText":${JSON.stringify(totalTextOf(n))},"next":${next},"page":${query.page},"pageSize":${query.pageSize}}`;
};

/**
 * A statement named after its text, so that each of the pool's connections prepares it once: for
 * statements whose texts are few (one per combination of asked filters, every value a parameter).
 * Not for text searches: a generic plan made without the typed words served the combined shape
 * 8.6x worse (`bench:search-explain`, 2 Dec).
 */
const prepared = (text: string, values: unknown[]) => ({
  name: `listing-search-${createHash('sha1').update(text).digest('base64url').slice(0, 24)}`,
  text,
  values,
});

/** The highest `$n` a statement uses: a statement built before later parameters were added gets only its own. */
const maxParam = (sql: string): number => Math.max(0, ...[...sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));

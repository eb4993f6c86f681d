import { StringDecoder } from 'node:string_decoder';
import type { PoolClient } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { AvailabilityChange } from '../availability/port.ts';
import { copyRows } from '../pg-documents.ts';
import { cellTermsOf, cellTermsSql, fineCellSql } from './geo-cells.ts';
import { deletionVariants, distinctWords, listingWordGroups } from './search-words.ts';
import type { ListingDocument } from './listing-document.ts';
import { createNightPricesTable, nightPricesTable } from './night-prices.ts';

type Queryable = Pick<PoolClient, 'query'>;

/** Table names of a target: `listings` live, `listings_r<n>` while a replay builds a fresh one. */
export const listingTables = (target: string) => {
  if (!/^[a-z_][a-z0-9_]{0,40}$/.test(target)) throw new Error(`Bad listings target name: ${target}`);
  return {
    listings: target,
    unitTypes: `${target}_unit_types`,
    calendar: `${target}_calendar`,
    calendarStreams: `${target}_calendar_streams`,
    words: `${target}_words`,
    nightPrices: nightPricesTable(target),
  };
};

/**
 * The search read model:
 * - `listings`: one row per listing with a weighted word vector (title A; place, kind, amenities B;
 *   description C; and its point's geo cells, see `geo-cells.ts`) for a GIN full-text index, the
 *   point for a GiST (KNN) index, price and rating
 *   for keyset order, and a restaurant's slot starts as minutes of its local week;
 * - `_unit_types`: rooms or tables of one kind, count, capacity, price, and the units used on
 *   each night of its calendar (`used_nights`, see `nightAddress`), so that a dated search checks
 *   a listing's unit types in the one index probe that finds them (no probe per unit type and month);
 * - `_calendar`: units used per unit type and month, one small array of nights (day 1..31) and an
 *   object of restaurant slots: the calendar as its events leave it, from which `used_nights` is
 *   rebuilt for the unit types a write touches (so it is exact whatever the order or batching);
 * - `_calendar_streams`: the last revision applied per calendar stream, so an event delivered twice counts once;
 * - `_words`: the dictionary of the words published listings are found by (with how many have
 *   each), each with its one-deletion variants, so that a typed word finds the listing words one
 *   typo away through a B-tree.
 */
export const createSearchTables = async (db: Queryable, target: string): Promise<void> => {
  const t = listingTables(target);
  await db.query(`
    CREATE EXTENSION IF NOT EXISTS cube;
    CREATE EXTENSION IF NOT EXISTS earthdistance;
    CREATE EXTENSION IF NOT EXISTS unaccent;
    CREATE TABLE IF NOT EXISTS ${t.listings} (
      listing_id   text PRIMARY KEY,
      host_id      text NOT NULL,
      kind         text NOT NULL,
      status       text NOT NULL,
      title        text,
      city         text,
      country      text,
      lat          double precision,
      lon          double precision,
      time_zone    text,
      amenities    text[] NOT NULL DEFAULT '{}',
      currency     text,
      min_price    bigint,
      rating       real,
      rating_count int NOT NULL DEFAULT 0,
      words        tsvector NOT NULL DEFAULT '',
      slot_starts  int[],
      doc          jsonb NOT NULL,
      updated_at   timestamptz NOT NULL
    );
    CREATE TABLE IF NOT EXISTS ${t.unitTypes} (
      unit_type_id text PRIMARY KEY,
      listing_id   text NOT NULL,
      name         text NOT NULL,
      count        int NOT NULL,
      capacity     int NOT NULL,
      price        bigint NOT NULL,
      currency     text NOT NULL,
      used_from    int NOT NULL DEFAULT 0,
      used_nights  smallint[] NOT NULL DEFAULT '{}'
    );
    -- Covering: a search checks a listing's unit types from the index alone (no table visit per unit type).
    DROP INDEX IF EXISTS ${t.unitTypes}_listing;
    CREATE INDEX IF NOT EXISTS ${t.unitTypes}_by_listing ON ${t.unitTypes} (listing_id, price) INCLUDE (unit_type_id, count, capacity);
    -- A dated search probes each candidate listing's unit types for free units (up to a thousand
    -- and more a search, for its bounded count): through a hash bucket that is one page and the
    -- rows' page, half the pages of a B-tree descent (root, inner, leaf) and the rows. Keyed by
    -- what calendar writes never change, so their updates of used_nights stay HOT.
    CREATE INDEX IF NOT EXISTS ${t.unitTypes}_listing_hash ON ${t.unitTypes} USING hash (listing_id);
    CREATE TABLE IF NOT EXISTS ${t.calendar} (
      unit_type_id text NOT NULL,
      month        text NOT NULL,
      nights       smallint[] NOT NULL,
      slots        jsonb NOT NULL DEFAULT '{}',
      PRIMARY KEY (unit_type_id, month)
    );
    CREATE TABLE IF NOT EXISTS ${t.calendarStreams} (
      stream_id text PRIMARY KEY,
      revision  bigint NOT NULL
    );
    CREATE TABLE IF NOT EXISTS ${t.words} (
      variant  text NOT NULL,
      word     text NOT NULL,
      listings int NOT NULL DEFAULT 1,
      PRIMARY KEY (variant, word)
    );
  `);
  await createNightPricesTable(db, t.nightPrices);
  // Columns added after the first release: rows written before them get them once, from their document.
  const { rows: added } = await db.query<{ name: string }>(
    `SELECT name FROM unnest(ARRAY['stars', 'cuisine']) AS name
      WHERE NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = '${t.listings}'::regclass AND a.attname = name AND NOT a.attisdropped)`,
  );
  if (added.length > 0) {
    await db.query(`
      ALTER TABLE ${t.listings} ADD COLUMN IF NOT EXISTS stars smallint, ADD COLUMN IF NOT EXISTS cuisine text[] NOT NULL DEFAULT '{}';
      UPDATE ${t.listings} SET stars = (doc->'details'->>'stars')::smallint,
        cuisine = ARRAY(SELECT lower(c) FROM jsonb_array_elements_text(coalesce(doc->'details'->'cuisine', '[]')) c)
       WHERE doc->'details' ?| ARRAY['stars', 'cuisine'];
    `);
  }
  // Unit types written before they carried their nights get them once, from the calendar rows.
  const { rows: nightsAdded } = await db.query<{ added: boolean }>(
    `SELECT NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = '${t.unitTypes}'::regclass AND a.attname = 'used_nights' AND NOT a.attisdropped) AS added`,
  );
  if (nightsAdded[0]?.added) {
    await db.query(`ALTER TABLE ${t.unitTypes} ADD COLUMN used_from int NOT NULL DEFAULT 0, ADD COLUMN used_nights smallint[] NOT NULL DEFAULT '{}'`);
    await rebuildUsedNights(db, target, 'all');
  }
  // Rows written before the word vector held geo cells get them once; the column's comment records it.
  const { rows } = await db.query<{ note: string | null }>(
    `SELECT col_description(a.attrelid, a.attnum) AS note FROM pg_attribute a WHERE a.attrelid = '${t.listings}'::regclass AND a.attname = 'words'`,
  );
  if (rows[0]?.note !== WORDS_NOTE) {
    await db.query(`UPDATE ${t.listings} SET words = words || array_to_tsvector(${cellTermsSql('lat', 'lon')}) WHERE lat IS NOT NULL AND lon IS NOT NULL`);
    await db.query(`COMMENT ON COLUMN ${t.listings}.words IS '${WORDS_NOTE}'`);
  }
};

const WORDS_NOTE = 'words and geo cells (g<level>_<row>_<column>)';

/** The secondary indexes of the listings table: built after a bulk load, kept up by every write after. */
export const createSearchIndexes = async (db: Queryable, target: string): Promise<void> => {
  const t = listingTables(target);
  const published = `WHERE status = 'published'`;
  await db.query(`
    CREATE INDEX IF NOT EXISTS ${t.listings}_by_words ON ${t.listings} USING gin (words) ${published};
    CREATE INDEX IF NOT EXISTS ${t.listings}_by_geo ON ${t.listings} USING gist (ll_to_earth(lat, lon)) ${published};
    CREATE INDEX IF NOT EXISTS ${t.listings}_by_price ON ${t.listings} (min_price, listing_id) ${published};
    CREATE INDEX IF NOT EXISTS ${t.listings}_by_rating ON ${t.listings} ((coalesce(-rating, 1)), listing_id) ${published};
    CREATE INDEX IF NOT EXISTS ${t.listings}_by_amenities ON ${t.listings} USING gin (amenities) ${published};
    -- Per 0.1° cell in price or rating order: a radius ordered by either walks each cell it reaches
    -- for one page, checking the point, kind, rating, price, stars and cuisine from the index alone
    -- (the page's rows are read after).
    DROP INDEX IF EXISTS ${t.listings}_by_cell_price;
    DROP INDEX IF EXISTS ${t.listings}_by_cell_rating;
    CREATE INDEX IF NOT EXISTS ${t.listings}_in_cell_by_price ON ${t.listings} ((${fineCellSql('lat', 'lon')}), min_price, listing_id) INCLUDE (lat, lon, kind, rating, stars, cuisine) ${published};
    CREATE INDEX IF NOT EXISTS ${t.listings}_in_cell_by_rating ON ${t.listings} ((${fineCellSql('lat', 'lon')}), (coalesce(-rating, 1)), listing_id) INCLUDE (lat, lon, kind, rating, min_price, stars, cuisine) ${published};
    CREATE INDEX IF NOT EXISTS ${t.listings}_by_host ON ${t.listings} (host_id);
    -- Filters that may be rare in a dense place (a city of 90k listings with a handful of 5-star hotels) drive from their own index.
    CREATE INDEX IF NOT EXISTS ${t.listings}_by_stars ON ${t.listings} (stars) ${published} AND stars IS NOT NULL;
    CREATE INDEX IF NOT EXISTS ${t.listings}_by_cuisine ON ${t.listings} USING gin (cuisine) ${published};
    -- The points of each 0.1° cell (with the filters the per-cell orders hold): a radius reads the cells it reaches and checks each point from the index alone.
    DROP INDEX IF EXISTS ${t.listings}_by_cell;
    CREATE INDEX IF NOT EXISTS ${t.listings}_in_cell ON ${t.listings} ((${fineCellSql('lat', 'lon')}), listing_id) INCLUDE (lat, lon, kind, rating, min_price, stars, cuisine) ${published};
  `);
};

export const dropSearchIndexes = async (db: Queryable, target: string): Promise<void> => {
  const t = listingTables(target);
  await db.query(
    ['by_words', 'by_geo', 'by_price', 'by_rating', 'by_amenities', 'by_host', 'by_cell_price', 'by_cell_rating', 'by_cell', 'by_stars', 'by_cuisine']
      .concat(['in_cell_by_price', 'in_cell_by_rating', 'in_cell'])
      .map((name) => `DROP INDEX IF EXISTS ${t.listings}_${name};`)
      .join('\n'),
  );
};

/** A tsvector literal: title words weigh A, place/kind/amenities B, description C; then the point's geo cells (no position). */
const wordVector = (doc: ListingDocument): string => {
  const words = listingWordGroups(doc.details, doc.kind);
  const groups: [string[], 'A' | 'B' | 'C'][] = [
    [words.title, 'A'],
    [words.place, 'B'],
    [words.description, 'C'],
  ];
  let position = 0;
  const positions = new Map<string, string[]>();
  for (const [group, weight] of groups) {
    for (const word of group) {
      position = Math.min(position + 1, 16_383);
      const at = positions.get(word) ?? [];
      if (at.length < 8) positions.set(word, [...at, `${position}${weight}`]);
    }
  }
  const location = doc.details.location;
  const cells = location
    ? cellTermsOf(location.lat, location.lon)
        .map((cell) => ` '${cell}'`)
        .join('')
    : '';
  return [...positions].map(([word, at]) => `'${word}':${at.join(',')}`).join(' ') + cells;
};

/** The words a listing is found by (title, place, amenities, description): what the dictionary must know. */
const wordsOfDocument = (doc: ListingDocument): string[] => {
  const d = doc.details;
  const words = listingWordGroups(d, doc.kind);
  return distinctWords(d.title, d.location?.city, d.location?.country, ...(d.amenities ?? []), ...(d.cuisine ?? []), words.description.join(' '));
};

const minutesOf = (clock: string) => Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5));

/** Every slot start of a restaurant as a minute of its local week (Sunday 00:00 = 0), on its slot grid within opening hours. */
const slotStarts = (doc: ListingDocument): number[] | null => {
  const slots = doc.details.slots;
  if (!slots) return null;
  const starts: number[] = [];
  for (const [weekday, intervals] of Object.entries(slots.openingHours)) {
    for (const { open, close } of intervals ?? []) {
      for (let minute = minutesOf(open); minute + slots.minutes <= minutesOf(close); minute += slots.minutes) starts.push(Number(weekday) * 1440 + minute);
    }
  }
  return starts.sort((a, b) => a - b);
};

const listingRow = (doc: ListingDocument) => {
  const d = doc.details;
  return {
    listing_id: doc.listingId,
    host_id: doc.hostId,
    kind: doc.kind,
    status: doc.status,
    title: d.title ?? null,
    city: d.location?.city ?? null,
    country: d.location?.country ?? null,
    lat: d.location?.lat ?? null,
    lon: d.location?.lon ?? null,
    time_zone: d.location?.timeZone ?? null,
    amenities: [...(d.amenities ?? []), ...(d.cuisine ?? [])].map((a) => a.toLowerCase()),
    currency: d.currency ?? null,
    min_price: doc.minPrice,
    rating: doc.rating.count > 0 ? doc.rating.sum / doc.rating.count : null,
    rating_count: doc.rating.count,
    words: wordVector(doc),
    slot_starts: slotStarts(doc),
    doc,
    updated_at: doc.updatedAt,
    stars: d.stars ?? null,
    cuisine: (d.cuisine ?? []).map((c) => c.toLowerCase()),
  };
};

/**
 * Writes listings in one statement per table: their rows, their unit types (replaced for the
 * listings in `unitTypesOf`, all of them by default), and their words into the dictionary. The
 * projection writes one document per event through it, a bulk load thousands at once.
 */
export const writeListings = async (
  db: Queryable,
  target: string,
  docs: readonly ListingDocument[],
  unitTypesOf: readonly ListingDocument[] = docs,
  before: ReadonlyMap<string, ListingDocument> = new Map(),
): Promise<void> => {
  if (docs.length === 0) return;
  const t = listingTables(target);
  const latest = [...new Map(docs.map((doc) => [doc.listingId, doc])).values()];
  await db.query(
    `INSERT INTO ${t.listings}
     SELECT * FROM jsonb_populate_recordset(NULL::${t.listings}, $1::jsonb)
     ON CONFLICT (listing_id) DO UPDATE SET host_id = excluded.host_id, kind = excluded.kind, status = excluded.status,
       title = excluded.title, city = excluded.city, country = excluded.country, lat = excluded.lat, lon = excluded.lon,
       time_zone = excluded.time_zone, amenities = excluded.amenities, currency = excluded.currency, min_price = excluded.min_price,
       rating = excluded.rating, rating_count = excluded.rating_count, words = excluded.words, slot_starts = excluded.slot_starts,
       doc = excluded.doc, updated_at = excluded.updated_at, stars = excluded.stars, cuisine = excluded.cuisine`,
    [JSON.stringify(latest.map(listingRow))],
  );
  const replaced = [...new Map(unitTypesOf.map((doc) => [doc.listingId, doc])).values()];
  if (replaced.length > 0) {
    await db.query(`DELETE FROM ${t.unitTypes} WHERE listing_id = ANY($1)`, [replaced.map((doc) => doc.listingId)]);
    const units = replaced.flatMap((doc) =>
      (doc.details.unitTypes ?? []).map((u) => ({
        unit_type_id: u.unitTypeId,
        listing_id: doc.listingId,
        name: u.name,
        count: u.count,
        capacity: u.capacity,
        price: u.price.amount,
        currency: u.price.currency,
        used_from: 0,
        used_nights: [],
      })),
    );
    if (units.length > 0) {
      await db.query(
        `INSERT INTO ${t.unitTypes} SELECT * FROM jsonb_populate_recordset(NULL::${t.unitTypes}, $1::jsonb)
         ON CONFLICT (unit_type_id) DO UPDATE SET listing_id = excluded.listing_id, name = excluded.name, count = excluded.count,
           capacity = excluded.capacity, price = excluded.price, currency = excluded.currency`,
        [JSON.stringify(units)],
      );
      // A unit type written again (or after its calendar's first events) takes its nights from the calendar.
      await rebuildUsedNights(
        db,
        target,
        units.map((u) => u.unit_type_id),
      );
    }
  }
  // Each word counts the published listings that have it (what they had before is taken off), so
  // the dictionary depends only on the listings as they are, however the events were batched.
  const delta = new Map<string, number>();
  const count = (doc: ListingDocument | undefined, sign: number) => {
    if (doc?.status !== 'published') return;
    for (const word of wordsOfDocument(doc)) delta.set(word, (delta.get(word) ?? 0) + sign);
  };
  for (const doc of latest) {
    count(before.get(doc.listingId), -1);
    count(doc, 1);
  }
  const changed = [...delta].filter(([, n]) => n !== 0);
  if (changed.length > 0) {
    // In one order, so that concurrent writers of the same words wait for each other instead of deadlocking.
    const rows = changed
      .flatMap(([word, n]) => deletionVariants(word).map((variant) => [variant, word, n] as const))
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
    await db.query(
      `INSERT INTO ${t.words} AS w (variant, word, listings) SELECT * FROM unnest($1::text[], $2::text[], $3::int[])
       ON CONFLICT (variant, word) DO UPDATE SET listings = w.listings + excluded.listings`,
      [rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2])],
    );
    const fewer = changed.filter(([, n]) => n < 0).map(([word]) => word);
    if (fewer.length > 0) await db.query(`DELETE FROM ${t.words} WHERE word = ANY($1::text[]) AND listings <= 0`, [fewer]);
  }
};

const NIGHT = /^(\d{4}-\d{2})-(\d{2})$/;

/**
 * A night's place in a unit type's `used_nights`: 31 places per month, counted from year 0
 * ((year × 12 + month − 1) × 31 + day), so that a stay is one slice of the array even across a
 * month's end; the places of days a month does not have (30 February) hold 0 units used.
 * `used_from` is the place of the array's first element.
 */
export const nightAddress = (night: string): number => {
  const [year, month, day] = [Number(night.slice(0, 4)), Number(night.slice(5, 7)), Number(night.slice(8, 10))];
  return (year * 12 + month - 1) * 31 + day;
};

/**
 * Rebuilds `used_nights` of the given unit types (or all) from their calendar rows: every month
 * from their first to their last, 31 places each (months without a row hold zeros). The calendar
 * rows are what the events leave; this is only their layout for a search, so it is as exact and
 * as idempotent as they are. Unit types without calendar rows keep theirs (none: nothing used).
 */
const rebuildUsedNights = async (db: Queryable, target: string, unitTypeIds: readonly string[] | 'all'): Promise<void> => {
  if (unitTypeIds !== 'all' && unitTypeIds.length === 0) return;
  const t = listingTables(target);
  const month = `(left(c.month, 4)::int * 12 + right(c.month, 2)::int - 1)`;
  // Planned once per connection, not for its values every time (0.6–1 ms a plan, as long as it ran):
  // its generic plan is costed for more unit types than a batch has, so the plan cache kept choosing
  // custom plans, though the generic one runs as fast (an index probe a unit type at a million of
  // them; a scan of the table while it has a few hundred rows). For this statement only, in the
  // batch's transaction.
  const generic = unitTypeIds !== 'all';
  if (generic) await db.query('SET LOCAL plan_cache_mode = force_generic_plan');
  await db.query(
    `UPDATE ${t.unitTypes} u SET used_from = s.lo * 31 + 1,
            used_nights = (SELECT array_agg(coalesce(c.nights[d], 0) ORDER BY m, d)
                             FROM generate_series(s.lo, s.hi) m
                             LEFT JOIN ${t.calendar} c ON c.unit_type_id = u.unit_type_id AND c.month = to_char(make_date(m / 12, m % 12 + 1, 1), 'YYYY-MM')
                            CROSS JOIN generate_series(1, 31) d)
       FROM (SELECT c.unit_type_id, min(${month}) AS lo, max(${month}) AS hi FROM ${t.calendar} c
              ${unitTypeIds === 'all' ? '' : 'WHERE c.unit_type_id = ANY($1::text[])'} GROUP BY c.unit_type_id) s
      WHERE u.unit_type_id = s.unit_type_id`,
    unitTypeIds === 'all' ? [] : [[...new Set(unitTypeIds)].sort()],
  );
  if (generic) await db.query('SET LOCAL plan_cache_mode = auto');
};

/** A change of units used as the calendar row it goes to: its unit type and month, and its night (1–31) or slot (an instant). */
const calendarCell = ({ unitTypeId, key, delta }: AvailabilityChange) => {
  const night = NIGHT.exec(key);
  if (night) return { unit_type_id: unitTypeId, month: night[1]!, night: Number(night[2]), slot: null, delta };
  const slot = new Date(key).toISOString();
  return { unit_type_id: unitTypeId, month: slot.slice(0, 7), night: null, slot, delta };
};

/** A calendar stream's event as the calendar sees it: its stream revision and its changes of units used. */
export type CalendarUpdate = { streamId: string; streamRevision: number; changes: readonly AvailabilityChange[] };

/**
 * Adds the changes of calendar events their streams have not seen yet to the calendar rows, and
 * records each stream's newest revision, in one statement that reads nothing back (so the batch's
 * transaction can go in one round trip): the server compares each event's revision with the one
 * recorded (what `prior` read, locked, before the statement changed it; an event also has to be
 * newer than its stream's earlier events in the batch, checked here), sums the changes of the
 * events that pass per night or slot, and adds them to the rows: nights element by element, slots
 * by instant (a slot given back within the batch is no slot, as when the events come one by one).
 */
export const writeCalendarEvents = async (db: Queryable, target: string, updates: readonly CalendarUpdate[]): Promise<void> => {
  const newest = new Map<string, number>();
  const cells: (ReturnType<typeof calendarCell> & { stream_id: string; revision: number })[] = [];
  for (const { streamId, streamRevision, changes } of updates) {
    if (streamRevision <= (newest.get(streamId) ?? -1)) continue;
    newest.set(streamId, streamRevision);
    for (const change of changes) cells.push({ stream_id: streamId, revision: streamRevision, ...calendarCell(change) });
  }
  if (newest.size === 0) return;
  const t = listingTables(target);
  const streams = [...newest.keys()].sort();
  // Every part of one statement sees the rows as they were before it: `prior` is what the streams had seen.
  await db.query(
    `WITH prior AS (SELECT stream_id, revision FROM ${t.calendarStreams} WHERE stream_id = ANY($1::text[]) ORDER BY stream_id FOR UPDATE),
          moved AS (INSERT INTO ${t.calendarStreams} AS s (stream_id, revision) SELECT * FROM unnest($1::text[], $2::bigint[])
                    ON CONFLICT (stream_id) DO UPDATE SET revision = greatest(s.revision, excluded.revision)),
          fresh AS (SELECT e.* FROM jsonb_to_recordset($3::jsonb) AS e(stream_id text, revision bigint, unit_type_id text, month text, night int, slot text, delta int)
                     WHERE e.revision > coalesce((SELECT p.revision FROM prior p WHERE p.stream_id = e.stream_id), -1)),
          summed AS (SELECT unit_type_id, month, night, slot, sum(delta)::int AS used FROM fresh GROUP BY unit_type_id, month, night, slot),
          nights AS (SELECT r.unit_type_id, r.month, array_agg(coalesce(s.used, 0)::smallint ORDER BY d) AS nights
                       FROM (SELECT DISTINCT unit_type_id, month FROM summed) r CROSS JOIN generate_series(1, 31) d
                       LEFT JOIN summed s ON s.unit_type_id = r.unit_type_id AND s.month = r.month AND s.night = d
                      GROUP BY r.unit_type_id, r.month),
          slots AS (SELECT unit_type_id, month, jsonb_object_agg(slot, used) AS slots FROM summed
                     WHERE slot IS NOT NULL AND used <> 0 GROUP BY unit_type_id, month)
     INSERT INTO ${t.calendar} AS c (unit_type_id, month, nights, slots)
     SELECT n.unit_type_id, n.month, n.nights, coalesce(s.slots, '{}') FROM nights n LEFT JOIN slots s USING (unit_type_id, month)
      ORDER BY n.unit_type_id, n.month
     ${addToCalendarRow}`,
    [streams, streams.map((stream) => newest.get(stream)!), JSON.stringify(cells)],
  );
  await rebuildUsedNights(
    db,
    target,
    cells.map((cell) => cell.unit_type_id),
  );
};

/** Added to a calendar row already there: nights element by element, slots by instant (a slot down to nothing goes). */
const addToCalendarRow = `ON CONFLICT (unit_type_id, month) DO UPDATE SET
       nights = (SELECT array_agg((a + b)::smallint ORDER BY i) FROM unnest(c.nights, excluded.nights) WITH ORDINALITY AS x(a, b, i)),
       slots = (SELECT coalesce(jsonb_object_agg(k, n), '{}') FROM (
                  SELECT k, sum(v::int) AS n FROM (SELECT * FROM jsonb_each_text(c.slots) UNION ALL SELECT * FROM jsonb_each_text(excluded.slots)) s(k, v)
                   GROUP BY k HAVING sum(v::int) <> 0) t)`;

/** Calendar rows as they are stored (nights: 31 counts, slots: instant → count), added to what is there. */
export const writeCalendarRows = async (
  db: Queryable,
  target: string,
  rows: readonly { unit_type_id: string; month: string; nights: number[]; slots: Record<string, number> }[],
): Promise<void> => {
  const t = listingTables(target);
  await db.query(
    `INSERT INTO ${t.calendar} AS c SELECT * FROM jsonb_populate_recordset(NULL::${t.calendar}, $1::jsonb)
     ${addToCalendarRow}`,
    [JSON.stringify(rows)],
  );
  await rebuildUsedNights(
    db,
    target,
    rows.map((row) => row.unit_type_id),
  );
};

/**
 * Where a bulk load (a rebuild into a fresh target, its only writer) stages its calendar: per batch, the
 * change of each unit type's night or slot and the last revision of each calendar stream, appended with
 * COPY; `mergeStagedCalendar` sums them into the calendar once, after the load. Logged, like the
 * checkpoint they commit with; byte-order ("C") text: grouping them compares bytes, not a language's collation.
 */
export const stagedCalendarTables = (target: string) => {
  const t = listingTables(target);
  return { changes: `${t.calendar}_staged`, streams: `${t.calendarStreams}_staged` };
};

export const createStagedCalendar = async (db: Queryable, target: string): Promise<void> => {
  const staged = stagedCalendarTables(target);
  await db.query(`
    CREATE TABLE IF NOT EXISTS ${staged.changes} (unit_type_id text COLLATE "C" NOT NULL, month text COLLATE "C" NOT NULL, night smallint, slot text COLLATE "C", used int NOT NULL);
    CREATE TABLE IF NOT EXISTS ${staged.streams} (stream_id text COLLATE "C" NOT NULL, revision bigint NOT NULL);`);
};

export type StagedCalendar = {
  changes: { unit_type_id: string; month: string; night: number | null; slot: string | null; used: number }[];
  streams: { stream_id: string; revision: number }[];
};

/** A batch's calendar events as staged rows: one per night or slot changed, and each stream's last revision. */
export const stageCalendar = (events: readonly { streamId: string; streamRevision: number }[], changes: readonly AvailabilityChange[]): StagedCalendar => {
  const sums = new Map<string, StagedCalendar['changes'][number]>();
  for (const { unitTypeId, key, delta } of changes) {
    const night = NIGHT.exec(key);
    const slot = night ? null : new Date(key).toISOString();
    const month = night ? night[1]! : slot!.slice(0, 7);
    const id = `${unitTypeId}\u0000${night ? key : slot}`;
    const row = sums.get(id);
    if (row) row.used += delta;
    else sums.set(id, { unit_type_id: unitTypeId, month, night: night ? Number(night[2]) : null, slot, used: delta });
  }
  const streams = new Map<string, number>();
  for (const { streamId, streamRevision } of events) streams.set(streamId, Math.max(streamRevision, streams.get(streamId) ?? -1));
  return { changes: [...sums.values()], streams: [...streams].map(([stream_id, revision]) => ({ stream_id, revision })) };
};

type CalendarRow = { unit_type_id: string; month: string; nights: number[]; slots: Record<string, number> };

/** The staged changes summed per night or slot, as calendar rows (the server groups, this process lays out each row's 31 nights). */
const summedCalendar = async (client: PoolClient, staged: string): Promise<CalendarRow[]> => {
  const stream = client.query(
    copyTo(`COPY (SELECT unit_type_id, month, night, slot, sum(used) FROM ${staged} GROUP BY unit_type_id, month, night, slot) TO STDOUT`),
  );
  const rows = new Map<string, CalendarRow>();
  const decoder = new StringDecoder('utf8');
  let rest = '';
  const add = (line: string) => {
    // Unit type ids, months and instants hold no tab, newline or backslash: no COPY escapes to undo.
    const [unitTypeId, month, night, slot, used] = line.split('\t') as [string, string, string, string, string];
    const id = `${unitTypeId}\u0000${month}`;
    const row = rows.get(id) ?? { unit_type_id: unitTypeId, month, nights: new Array<number>(31).fill(0), slots: {} };
    rows.set(id, row);
    if (night !== '\\N') row.nights[Number(night) - 1]! += Number(used);
    else if (Number(used) !== 0) row.slots[slot] = Number(used);
  };
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const lines = (rest + decoder.write(chunk)).split('\n');
    rest = lines.pop()!;
    for (const line of lines) add(line);
  }
  rest += decoder.end();
  if (rest.length > 0) add(rest);
  return [...rows.values()];
};

/**
 * The unit types' `used_nights` laid out from all their calendar rows in this process (as
 * `rebuildUsedNights` lays them out in the server, several times cheaper for a whole target):
 * copied into a temporary table in chunks, then set in one statement.
 */
const writeUsedNights = async (client: PoolClient, target: string, rows: readonly CalendarRow[]): Promise<void> => {
  const t = listingTables(target);
  const monthOf = (month: string) => Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1;
  const spans = new Map<string, { lo: number; hi: number }>();
  for (const row of rows) {
    const m = monthOf(row.month);
    const span = spans.get(row.unit_type_id);
    if (span) [span.lo, span.hi] = [Math.min(span.lo, m), Math.max(span.hi, m)];
    else spans.set(row.unit_type_id, { lo: m, hi: m });
  }
  const used = new Map([...spans].map(([id, { lo, hi }]) => [id, new Array<number>((hi - lo + 1) * 31).fill(0)]));
  for (const row of rows) {
    const at = (monthOf(row.month) - spans.get(row.unit_type_id)!.lo) * 31;
    const nights = used.get(row.unit_type_id)!;
    row.nights.forEach((n, d) => {
      nights[at + d] = n;
    });
  }
  const loaded = `${t.unitTypes}_used_nights`;
  await client.query(
    `CREATE TEMPORARY TABLE ${loaded} (unit_type_id text PRIMARY KEY, used_from int NOT NULL, used_nights smallint[] NOT NULL) ON COMMIT DROP`,
  );
  const all = [...used].map(([id, nights]) => ({ unit_type_id: id, used_from: spans.get(id)!.lo * 31 + 1, used_nights: nights }));
  for (let i = 0; i < all.length; i += 20_000) await copyRows(client, loaded, all.slice(i, i + 20_000));
  await client.query(`UPDATE ${t.unitTypes} u SET used_from = x.used_from, used_nights = x.used_nights FROM ${loaded} x WHERE x.unit_type_id = u.unit_type_id;
                      DROP TABLE ${loaded}`);
};

/** Sums what a bulk load staged into the calendar and its streams' revisions, then drops the staging tables. */
export const mergeStagedCalendar = async (client: PoolClient, target: string): Promise<void> => {
  const t = listingTables(target);
  const staged = stagedCalendarTables(target);
  const { rows: found } = await client.query<{ staged: boolean; empty: boolean }>(
    `SELECT to_regclass($1) IS NOT NULL AS staged, NOT EXISTS (SELECT 1 FROM ${t.calendar}) AS empty`,
    [staged.changes],
  );
  if (!found[0]?.staged) return;
  const rows = await summedCalendar(client, staged.changes);
  if (found[0].empty) {
    await copyRows(client, t.calendar, rows);
    await writeUsedNights(client, target, rows);
  } else for (let i = 0; i < rows.length; i += 5_000) await writeCalendarRows(client, target, rows.slice(i, i + 5_000));
  await client.query(`
    INSERT INTO ${t.calendarStreams} AS s (stream_id, revision)
    SELECT stream_id, max(revision) FROM ${staged.streams} GROUP BY stream_id
    ON CONFLICT (stream_id) DO UPDATE SET revision = greatest(s.revision, excluded.revision);
    DROP TABLE ${staged.changes}; DROP TABLE ${staged.streams};`);
};

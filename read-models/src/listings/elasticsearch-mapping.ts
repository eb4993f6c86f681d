import type { estypes } from '@elastic/elasticsearch';
import { assertNever, type listings } from '@stayhub/domain';
import { wantedNights } from './postgres.ts';
import { TOTAL_BOUND, type ListingSearchQuery, type ListingSummary } from './port.ts';
import { priceFits, type NightPrices } from './night-prices.ts';
import { FUZZY_MIN_LENGTH, oneLetterLonger, listingWordGroups, typedWords, wordsOf } from './search-words.ts';

/**
 * Pure mapping of the listing search read model onto Elasticsearch: the index template, the
 * indexed document, the search request equal in meaning to `PgListingReader.search`, and the
 * hits back to summaries. No I/O here, so all of it is tested without a server.
 */

/** The listing read model as the projector keeps it (structurally `ListingDocument` of the projectors). */
export type ListingSource = {
  listingId: string;
  hostId: string;
  kind: 'rental' | 'hotel' | 'restaurant';
  status: 'draft' | 'published' | 'unlisted';
  details: listings.ListingDetails;
  minPrice: number | null;
  nightPrices?: NightPrices;
  rating: { sum: number; count: number };
  reviewedBookings: string[];
  revision: number;
  updatedAt: string;
};

export type SearchUnitType = {
  unitTypeId: string;
  name: string;
  /** The name's words as `wordsOf` cuts them: what a room type filter matches. */
  nameWords: string[];
  count: number;
  capacity: number;
  /** count × capacity: a party of g fits when ceil(g / capacity) ≤ count, i.e. g ≤ maxGuests. */
  maxGuests: number;
  price: number;
  currency: string;
};

export type ListingSearchDocument = {
  listingId: string;
  hostId: string;
  kind: string;
  status: string;
  title: string | null;
  city: string | null;
  country: string | null;
  location: { lat: number; lon: number } | null;
  amenities: string[];
  currency: string | null;
  minPrice: number | null;
  rating: number | null;
  ratingCount: number;
  stars: number | null;
  /** Lower case, for the cuisine filter. */
  cuisine: string[];
  photo: string | null;
  /** The title's words, space-separated as `wordsOf` cuts them: what ranks a match first. */
  titleWords: string;
  /** Every word the listing is found by (title, place, kind, amenities, description), cut the same way. */
  words: string;
  unitTypes: SearchUnitType[];
  revision: number;
  updatedAt: string;
  /** The whole read model, stored but not indexed: `get` serves it and the projector evolves it. */
  doc: ListingSource;
};

/** Indexes of a read-model target are named `<alias>--<target>`; readers only use the alias. */
export const listingIndexName = (alias: string, target: string): string => `${alias}--${target}`;

export type IndexSettings = {
  shards?: number;
  replicas?: number;
  /**
   * Deepest `from + size` a search may ask. The query API pages by number up to page 10 000 of
   * 100, as PostgreSQL's OFFSET allows; Elasticsearch's default (10 000) would refuse those pages.
   */
  maxResultWindow?: number;
};

export const listingIndexTemplate = (alias: string, settings: IndexSettings = {}): estypes.IndicesPutIndexTemplateRequest => ({
  name: `${alias}-template`,
  index_patterns: [listingIndexName(alias, '*')],
  priority: 200,
  template: {
    settings: {
      number_of_shards: settings.shards ?? 1,
      number_of_replicas: settings.replicas ?? 1,
      max_result_window: settings.maxResultWindow ?? 1_000_000,
      analysis: { normalizer: { lowercase: { type: 'custom', filter: ['lowercase'] } } },
    },
    mappings: {
      dynamic: 'strict',
      properties: {
        listingId: { type: 'keyword' },
        hostId: { type: 'keyword' },
        kind: { type: 'keyword' },
        status: { type: 'keyword' },
        title: { type: 'keyword', index: false, doc_values: false },
        // The PostgreSQL filter is `lower(city) = lower($city)`: a normalized keyword is the same test.
        city: { type: 'keyword', normalizer: 'lowercase' },
        country: { type: 'keyword' },
        location: { type: 'geo_point' },
        amenities: { type: 'keyword' },
        currency: { type: 'keyword' },
        minPrice: { type: 'long' },
        rating: { type: 'double' },
        ratingCount: { type: 'integer' },
        stars: { type: 'byte' },
        cuisine: { type: 'keyword' },
        photo: { type: 'keyword', index: false, doc_values: false },
        // Words cut by the projection exactly as the PostgreSQL model cuts them, so one typed word
        // finds the same listing words in both stores; no scoring statistics are needed (ranks are tiers).
        titleWords: { type: 'text', analyzer: 'whitespace', norms: false, index_options: 'docs' },
        words: { type: 'text', analyzer: 'whitespace', norms: false, index_options: 'docs' },
        unitTypes: {
          type: 'nested',
          properties: {
            unitTypeId: { type: 'keyword' },
            name: { type: 'keyword', index: false, doc_values: false },
            nameWords: { type: 'keyword' },
            count: { type: 'integer' },
            capacity: { type: 'integer' },
            maxGuests: { type: 'integer' },
            price: { type: 'long' },
            currency: { type: 'keyword' },
          },
        },
        revision: { type: 'long' },
        updatedAt: { type: 'date' },
        doc: { type: 'object', enabled: false },
      },
    },
  },
});

export const toSearchDocument = (doc: ListingSource): ListingSearchDocument => {
  const d = doc.details;
  const words = listingWordGroups(d, doc.kind);
  return {
    listingId: doc.listingId,
    hostId: doc.hostId,
    kind: doc.kind,
    status: doc.status,
    title: d.title ?? null,
    city: d.location?.city ?? null,
    country: d.location?.country ?? null,
    location: d.location ? { lat: d.location.lat, lon: d.location.lon } : null,
    amenities: [...(d.amenities ?? []), ...(d.cuisine ?? [])].map((a) => a.toLowerCase()),
    currency: d.currency ?? null,
    minPrice: doc.minPrice,
    rating: doc.rating.count > 0 ? doc.rating.sum / doc.rating.count : null,
    ratingCount: doc.rating.count,
    stars: d.stars ?? null,
    cuisine: (d.cuisine ?? []).map((c) => c.toLowerCase()),
    photo: d.photos?.[0] ?? null,
    titleWords: words.title.join(' '),
    words: [...new Set([...words.title, ...words.place, ...words.description])].join(' '),
    unitTypes: (d.unitTypes ?? []).map((u) => ({
      unitTypeId: u.unitTypeId,
      name: u.name,
      nameWords: wordsOf(u.name),
      count: u.count,
      capacity: u.capacity,
      maxGuests: u.count * u.capacity,
      price: u.price.amount,
      currency: u.price.currency,
    })),
    revision: doc.revision,
    updatedAt: doc.updatedAt,
    doc,
  };
};

export const SUMMARY_FIELDS = [
  'listingId',
  'kind',
  'title',
  'city',
  'country',
  'location',
  'currency',
  'minPrice',
  'rating',
  'ratingCount',
  'stars',
  'amenities',
  'photo',
];

/** What a slot search reads of each candidate to find the slot on its clock and in its opening hours. */
const SLOT_FIELDS = ['doc.details.location.timeZone', 'doc.details.slots'];

/** How many candidates a date search fetches before the availability post-filter. */
export const DEFAULT_CANDIDATE_CAP = 5000;

const originOf = (query: ListingSearchQuery) => (query.lat !== undefined && query.lon !== undefined ? { lat: query.lat, lon: query.lon } : undefined);

const unitFilters = (query: ListingSearchQuery): estypes.QueryDslQueryContainer[] => {
  const filters: estypes.QueryDslQueryContainer[] = [{ range: { 'unitTypes.maxGuests': { gte: query.guests ?? 1 } } }];
  for (const word of wordsOf(query.roomType)) filters.push({ term: { 'unitTypes.nameWords': word } });
  // Over asked nights the price is their average per night, from per-date prices kept in the
  // stored (unindexed) document: the candidates' post-filter (`fittingUnitTypes`) decides it.
  if (query.checkIn && query.checkOut) return filters;
  if (query.minPrice !== undefined) filters.push({ range: { 'unitTypes.price': { gte: query.minPrice } } });
  if (query.maxPrice !== undefined) filters.push({ range: { 'unitTypes.price': { lte: query.maxPrice } } });
  return filters;
};

const sortOf = (query: ListingSearchQuery): estypes.SortCombinations[] => {
  const origin = originOf(query);
  const byId: estypes.SortCombinations = { listingId: { order: 'asc' } };
  const ratingDesc: estypes.SortCombinations = { rating: { order: 'desc', missing: '_last' } };
  const distance: estypes.SortCombinations | undefined = origin && { _geo_distance: { location: origin, order: 'asc', unit: 'm', distance_type: 'arc' } };
  const sort: estypes.SortCombinations[] = (() => {
    switch (query.sort) {
      case 'relevance':
      case 'rating':
        return [ratingDesc, byId];
      case 'price':
        return [{ minPrice: { order: 'asc', missing: '_last' } }, byId];
      case 'distance':
        return distance ? [distance, byId] : [byId];
      default:
        return assertNever(query.sort);
    }
  })();
  // Last, after the unique id, the distance never changes the order; it only reports distanceKm.
  if (distance && query.sort !== 'distance') sort.push(distance);
  // With text the relevance tier (the score) comes first, and the asked order breaks its ties.
  return query.q ? [{ _score: { order: 'desc' } }, ...sort] : sort;
};

/**
 * A typed word as the PostgreSQL dictionary resolves it: 4+ letters, itself or any word one typo
 * away (swaps included); 3 letters, itself or a 4-letter word with one letter more; shorter, only itself.
 */
const wordQuery = (field: 'words' | 'titleWords', word: string, exact = false): estypes.QueryDslQueryContainer => {
  if (exact) return { term: { [field]: word } };
  if (word.length >= FUZZY_MIN_LENGTH) return { fuzzy: { [field]: { value: word, fuzziness: 1, transpositions: true, max_expansions: 64 } } };
  // One letter short of fuzzy: itself, or a word of 4 letters that lost one (the dictionary's rule).
  const longer = oneLetterLonger(word);
  return longer.length > 0 ? { terms: { [field]: [word, ...longer] } } : { term: { [field]: word } };
};

/** A typed word some published listing has (fuzzily), and whether one has it exactly as typed. */
export type KnownWord = { word: string; exact: boolean };

/**
 * The dictionary lookup of the PostgreSQL model, asked of the index in one request: for each typed
 * word, whether any published listing has it (one typo allowed) and whether one has it as typed.
 */
export const knownWordsRequest = (typed: readonly string[]): estypes.SearchRequest => ({
  size: 0,
  track_total_hits: false,
  query: { term: { status: 'published' } },
  aggs: Object.fromEntries(
    typed.flatMap((word, i) => [
      [`fuzzy${i}`, { filter: wordQuery('words', word) }],
      [`exact${i}`, { filter: wordQuery('words', word, true) }],
    ]),
  ),
});

type FilterCounts = Record<string, { doc_count?: number } | undefined>;

/** The typed words the index knows, in typed order: a word no listing has is left out of the search, as on PostgreSQL. */
export const knownWordsOf = (typed: readonly string[], aggregations: FilterCounts | undefined): KnownWord[] =>
  typed.flatMap((word, i) => ((aggregations?.[`fuzzy${i}`]?.doc_count ?? 0) > 0 ? [{ word, exact: (aggregations?.[`exact${i}`]?.doc_count ?? 0) > 0 }] : []));

/**
 * Text as the PostgreSQL search ranks it: every known word somewhere (a filter: it adds no score),
 * then a constant score per tier: 3 when every word is exactly in the title (only when every
 * word exists as typed), 1 when every word is in the title with at most one typo each, else 0.
 */
const textQuery = (words: readonly KnownWord[]) => {
  const all = (field: 'words' | 'titleWords', exact = false): estypes.QueryDslQueryContainer => ({
    bool: { filter: words.map((w) => wordQuery(field, w.word, exact)) },
  });
  const should: estypes.QueryDslQueryContainer[] = [{ constant_score: { filter: all('titleWords'), boost: 1 } }];
  if (words.every((w) => w.exact)) should.push({ constant_score: { filter: all('titleWords', true), boost: 2 } });
  return { filter: words.map((w) => wordQuery('words', w.word)), should };
};

/**
 * The search body (without `index`). With dates or a slot, the free capacity lives outside the
 * index (availability store), so the request fetches the first `candidateCap` candidates in the
 * final order and the reader filters and paginates them.
 */
export const buildSearchRequest = (
  query: ListingSearchQuery,
  options: { candidateCap?: number; offset?: number; words?: readonly KnownWord[] } = {},
): estypes.SearchRequest => {
  const filter: estypes.QueryDslQueryContainer[] = [{ term: { status: 'published' } }];
  const should: estypes.QueryDslQueryContainer[] = [];
  if (query.q) {
    // The reader passes the words the index knows (`knownWordsOf`); by default every typed word counts as known.
    const text = textQuery(options.words ?? typedWords(query.q).map((word) => ({ word, exact: true })));
    filter.push(...text.filter);
    should.push(...text.should);
  }
  const origin = originOf(query);
  if (origin && query.radiusKm !== undefined) filter.push({ geo_distance: { distance: `${query.radiusKm}km`, location: origin } });
  if (query.kind) filter.push({ term: { kind: query.kind } });
  if (query.city) filter.push({ term: { city: query.city } });
  for (const amenity of query.amenities ?? []) filter.push({ term: { amenities: amenity.toLowerCase() } });
  if (query.stars?.length) filter.push({ terms: { stars: query.stars } });
  if (query.minRating !== undefined) filter.push({ range: { rating: { gte: query.minRating } } });
  if (query.cuisine?.length) filter.push({ terms: { cuisine: query.cuisine.map((c) => c.toLowerCase()) } });
  // Only restaurants seat at a slot; which serve it (on their clock) the reader checks on the candidates.
  if (query.slot) filter.push({ term: { kind: 'restaurant' } });
  filter.push({ nested: { path: 'unitTypes', query: { bool: { filter: unitFilters(query) } } } });

  const dated = wantedNights(query) !== undefined || query.slot !== undefined;
  return {
    // Beside filters, `should` clauses are optional: they only give the tier's score.
    query: { bool: { filter, ...(should.length > 0 ? { should } : {}) } },
    sort: sortOf(query),
    from: dated ? 0 : (options.offset ?? (query.page - 1) * query.pageSize),
    size: dated ? (options.candidateCap ?? DEFAULT_CANDIDATE_CAP) : query.pageSize,
    // Counted exactly up to the bound, and "1,000+" beyond it: a count of every match costs what the search does.
    track_total_hits: TOTAL_BOUND + 1,
    _source: dated ? [...SUMMARY_FIELDS, 'unitTypes', 'doc.nightPrices', ...(query.slot ? SLOT_FIELDS : [])] : SUMMARY_FIELDS,
  };
};

type SearchHitSource = Partial<ListingSearchDocument>;
export type SearchHit = { _id?: string | null; _source?: SearchHitSource; sort?: unknown[] };

const unitsNeeded = (guests: number, capacity: number): number => Math.ceil(guests / capacity);

/** Unit types that fit the party, the room type and the price range: the base price, or over asked nights their average per night. */
export const fittingUnitTypes = (units: readonly SearchUnitType[], query: ListingSearchQuery, nightPrices: NightPrices = {}): SearchUnitType[] => {
  const guests = query.guests ?? 1;
  const roomWords = wordsOf(query.roomType);
  return units.filter(
    (u) =>
      unitsNeeded(guests, u.capacity) <= u.count &&
      roomWords.every((word) => u.nameWords?.includes(word)) &&
      priceFits(u.price, nightPrices[u.unitTypeId], query),
  );
};

export type UsedUnits = Map<string, Map<string, number>>;

/** Of the fitting unit types, those with enough units free on every key, cheapest first. */
export const freeUnitTypes = (units: readonly SearchUnitType[], keys: readonly string[], used: UsedUnits, guests: number): string[] =>
  units
    .filter((u) => keys.every((key) => u.count - (used.get(u.unitTypeId)?.get(key) ?? 0) >= unitsNeeded(guests, u.capacity)))
    .sort((a, b) => a.price - b.price || (a.unitTypeId < b.unitTypeId ? -1 : a.unitTypeId > b.unitTypeId ? 1 : 0))
    .map((u) => u.unitTypeId);

const distanceOf = (hit: SearchHit, query: ListingSearchQuery): number | undefined => {
  if (!originOf(query) || !hit.sort?.length) return undefined;
  // Sorted by distance it comes first, after the score when there is text; otherwise it is the last value.
  const value = Number(hit.sort[query.sort === 'distance' ? (query.q ? 1 : 0) : hit.sort.length - 1]);
  // A listing without a location sorts at "infinity"; PostgreSQL reports no distance for it.
  return Number.isFinite(value) && value < 1e300 ? value : undefined;
};

export const toSummary = (hit: SearchHit, query: ListingSearchQuery, availableUnitTypes?: string[]): ListingSummary => {
  const s = hit._source ?? {};
  const distance = distanceOf(hit, query);
  return {
    listingId: s.listingId ?? String(hit._id),
    kind: s.kind ?? '',
    title: s.title ?? null,
    city: s.city ?? null,
    country: s.country ?? null,
    location: s.location ?? null,
    minPrice: s.minPrice === null || s.minPrice === undefined || !s.currency ? null : { amount: Number(s.minPrice), currency: s.currency },
    rating: s.rating === null || s.rating === undefined ? null : Math.round(Number(s.rating) * 100) / 100,
    ratingCount: s.ratingCount ?? 0,
    stars: s.stars ?? null,
    amenities: s.amenities ?? [],
    photo: s.photo ?? null,
    ...(distance === undefined ? {} : { distanceKm: Math.round(distance) / 1000 }),
    ...(availableUnitTypes ? { availableUnitTypes } : {}),
  };
};

export const totalOf = (total: number | estypes.SearchTotalHits | undefined): number => (typeof total === 'number' ? total : (total?.value ?? 0));

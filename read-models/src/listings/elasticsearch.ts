import type { Client } from '@elastic/elasticsearch';
import {
  buildSearchRequest,
  DEFAULT_CANDIDATE_CAP,
  fittingUnitTypes,
  freeUnitTypes,
  knownWordsOf,
  knownWordsRequest,
  toSummary,
  totalOf,
  type ListingSearchDocument,
  type ListingSource,
  type SearchUnitType,
  type UsedUnits,
} from './elasticsearch-mapping.ts';
import type { AvailabilityReader } from '../availability/port.ts';
import {
  TOTAL_BOUND,
  totalTextOf,
  type AvailabilityDay,
  type ListingReader,
  type ListingSearchQuery,
  type ListingSearchResult,
  type ListingView,
} from './port.ts';
import { wantedNights } from './postgres.ts';
import { LISTINGS } from './pg-projection.ts';
import { AVAILABILITY } from '../availability/pg-projection.ts';
import { askedSlot, openSlotKey } from './slot-query.ts';
import { typedWords } from './search-words.ts';

export type { Client as ElasticsearchClient } from '@elastic/elasticsearch';

/** What the reader needs of the availability store (PostgreSQL or Redis), bound to its live target: see `liveAvailability`. */
export type AvailabilityUsage = AvailabilityReader;

export type ElasticsearchListingReaderOptions = {
  /** The alias readers use; a rebuild fills a new index and the alias swaps to it. */
  alias: string;
  /** Needed for date/slot searches and the calendar: free capacity is not kept in the index. */
  availability?: AvailabilityUsage;
  candidateCap?: number;
};

type SearchSource = Partial<ListingSearchDocument>;

/** Listing search on Elasticsearch, equal in meaning to `PgListingReader` (same filters, orders and pages). */
export class ElasticsearchListingReader implements ListingReader {
  constructor(
    private readonly client: Client,
    private readonly options: ElasticsearchListingReaderOptions,
  ) {}

  /** The index; the availability model too when dates or a slot are asked (it answers which units are free). */
  searchDependsOn(query: ListingSearchQuery): readonly string[] {
    return query.slot || (query.checkIn && query.checkOut) ? [LISTINGS, AVAILABILITY] : [LISTINGS];
  }

  async searchJson(query: ListingSearchQuery): Promise<string> {
    return JSON.stringify(await this.search(query));
  }

  async search(query: ListingSearchQuery): Promise<ListingSearchResult> {
    const nights = wantedNights(query);
    const slot = query.slot === undefined ? undefined : askedSlot(query.slot);
    const page = { page: query.page, pageSize: query.pageSize };
    // Typed words are looked up first, as the PostgreSQL dictionary does: those no listing has are left out.
    const words = query.q ? await this.knownWords(typedWords(query.q)) : undefined;
    if (words?.length === 0) return { items: [], total: 0, totalText: '0', next: null, ...page };
    // Elasticsearch pages by offset; its cursor carries the offset of the next page.
    const offset = query.cursor ? offsetOfCursor(query.cursor) : (query.page - 1) * query.pageSize;
    const request = buildSearchRequest(
      { ...query, page: 1 + offset / query.pageSize },
      { candidateCap: this.options.candidateCap ?? DEFAULT_CANDIDATE_CAP, offset, words },
    );
    const response = await this.client.search<SearchSource>({ index: this.options.alias, ...request });
    const hits = response.hits.hits;
    const next = (matches: number) => (offset + query.pageSize < Math.min(matches, TOTAL_BOUND) ? cursorOfOffset(offset + query.pageSize) : null);
    if (!nights && !slot) {
      const matches = totalOf(response.hits.total);
      return {
        items: hits.map((hit) => toSummary(hit, query)),
        total: Math.min(matches, TOTAL_BOUND),
        totalText: totalTextOf(matches),
        next: next(matches),
        ...page,
      };
    }

    // A slot is each restaurant's own instant (a wall-clock time read on its clock), and only one it serves counts.
    const keysOf = (hit: (typeof hits)[number]): string[] => {
      if (nights) return nights;
      const key = openSlotKey(slot!, hit._source?.doc?.details as Parameters<typeof openSlotKey>[1]);
      return key === undefined ? [] : [key];
    };
    const candidates = hits
      .map((hit) => ({ hit, keys: keysOf(hit), units: fittingUnitTypes(hit._source?.unitTypes ?? [], query, hit._source?.doc?.nightPrices) }))
      .filter((c) => c.keys.length > 0);
    const used = await this.used([...new Set(candidates.flatMap((c) => c.units.map((u) => u.unitTypeId)))], [...new Set(candidates.flatMap((c) => c.keys))]);
    const guests = query.guests ?? 1;
    const available = candidates.map((c) => ({ hit: c.hit, free: freeUnitTypes(c.units, c.keys, used, guests) })).filter((c) => c.free.length > 0);
    return {
      items: available.slice(offset, offset + query.pageSize).map((c) => toSummary(c.hit, query, c.free)),
      total: Math.min(available.length, TOTAL_BOUND),
      totalText: totalTextOf(available.length),
      next: next(available.length),
      ...page,
    };
  }

  async get(listingId: string): Promise<ListingView | undefined> {
    const response = await this.client.get<{ doc?: ListingSource }>({ index: this.options.alias, id: listingId, _source_includes: ['doc'] }, { ignore: [404] });
    const doc = response.found ? response._source?.doc : undefined;
    if (!doc) return undefined;
    return {
      listingId: doc.listingId,
      hostId: doc.hostId,
      kind: doc.kind,
      status: doc.status,
      details: doc.details as Record<string, unknown>,
      rating: doc.rating.count > 0 ? Math.round((doc.rating.sum / doc.rating.count) * 100) / 100 : null,
      ratingCount: doc.rating.count,
      updatedAt: doc.updatedAt,
    };
  }

  async availability(listingId: string, keys: string[]): Promise<AvailabilityDay[] | undefined> {
    const response = await this.client.get<{ unitTypes?: SearchUnitType[] }>(
      { index: this.options.alias, id: listingId, _source_includes: ['unitTypes'] },
      { ignore: [404] },
    );
    const units = [...((response.found && response._source?.unitTypes) || [])].sort((a, b) =>
      a.unitTypeId < b.unitTypeId ? -1 : a.unitTypeId > b.unitTypeId ? 1 : 0,
    );
    if (units.length === 0) return undefined;
    const used = await this.used(
      units.map((u) => u.unitTypeId),
      keys,
    );
    return keys.map((key) => ({
      key,
      unitTypes: units.map((u) => ({
        unitTypeId: u.unitTypeId,
        count: u.count,
        free: Math.max(0, u.count - (used.get(u.unitTypeId)?.get(key) ?? 0)),
      })),
    }));
  }

  private async knownWords(typed: string[]) {
    if (typed.length === 0) return [];
    const response = await this.client.search({ index: this.options.alias, ...knownWordsRequest(typed) });
    return knownWordsOf(typed, response.aggregations as Parameters<typeof knownWordsOf>[1]);
  }

  private async used(unitTypeIds: string[], keys: string[]): Promise<UsedUnits> {
    const store = this.options.availability;
    // Ignoring dates would answer a different question than the one asked: refuse instead.
    if (!store) throw new Error('ElasticsearchListingReader: searching by dates or reading a calendar needs an availability store');
    if (unitTypeIds.length === 0 || keys.length === 0) return new Map();
    return store.used(unitTypeIds, keys);
  }
}

const cursorOfOffset = (offset: number): string => Buffer.from(JSON.stringify({ offset })).toString('base64url');
const offsetOfCursor = (cursor: string): number => {
  try {
    const offset = (JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { offset?: unknown }).offset;
    return Number.isSafeInteger(offset) && (offset as number) >= 0 ? (offset as number) : 0;
  } catch {
    return 0;
  }
};

import type { Client } from '@elastic/elasticsearch';
import {
  buildSearchRequest,
  DEFAULT_CANDIDATE_CAP,
  fittingUnitTypes,
  freeUnitTypes,
  toSummary,
  totalOf,
  type ListingSearchDocument,
  type ListingSource,
  type SearchUnitType,
  type UsedUnits,
} from './elasticsearch-mapping.ts';
import type { AvailabilityReader } from '../availability/port.ts';
import type { AvailabilityDay, ListingReader, ListingSearchQuery, ListingSearchResult, ListingView } from './port.ts';
import { wantedKeys } from './postgres.ts';

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

  async search(query: ListingSearchQuery): Promise<ListingSearchResult> {
    const keys = wantedKeys(query);
    const request = buildSearchRequest(query, { candidateCap: this.options.candidateCap ?? DEFAULT_CANDIDATE_CAP });
    const response = await this.client.search<SearchSource>({ index: this.options.alias, ...request });
    const hits = response.hits.hits;
    const page = { page: query.page, pageSize: query.pageSize };
    if (!keys) return { items: hits.map((hit) => toSummary(hit, query)), total: totalOf(response.hits.total), ...page };

    const candidates = hits.map((hit) => ({ hit, units: fittingUnitTypes(hit._source?.unitTypes ?? [], query) }));
    const used = await this.used([...new Set(candidates.flatMap((c) => c.units.map((u) => u.unitTypeId)))], keys);
    const guests = query.guests ?? 1;
    const available = candidates
      .map((c) => ({ hit: c.hit, free: freeUnitTypes(c.units, keys, used, guests) }))
      .filter((c) => c.free.length > 0);
    const start = (query.page - 1) * query.pageSize;
    return {
      items: available.slice(start, start + query.pageSize).map((c) => toSummary(c.hit, query, c.free)),
      total: available.length,
      ...page,
    };
  }

  async get(listingId: string): Promise<ListingView | undefined> {
    const response = await this.client.get<{ doc?: ListingSource }>(
      { index: this.options.alias, id: listingId, _source_includes: ['doc'] },
      { ignore: [404] },
    );
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

  private async used(unitTypeIds: string[], keys: string[]): Promise<UsedUnits> {
    const store = this.options.availability;
    // Ignoring dates would answer a different question than the one asked: refuse instead.
    if (!store) throw new Error('ElasticsearchListingReader: searching by dates or reading a calendar needs an availability store');
    if (unitTypeIds.length === 0 || keys.length === 0) return new Map();
    return store.used(unitTypeIds, keys);
  }
}

import type { Client } from '@elastic/elasticsearch';
import { type KnownWord, knownWordsOf } from '../listings/elasticsearch-mapping.ts';
import { TOTAL_BOUND, totalTextOf } from '../listings/port.ts';
import { typedWords } from '../listings/search-words.ts';
import {
  buildProductSearchRequest,
  cursorAfter,
  productKnownWordsRequest,
  SUMMARY_FIELDS,
  toProductSummary,
  type ProductSearchDocument,
} from './elasticsearch-mapping.ts';
import { encodeProductCursor, type ProductReader, type ProductSearchQuery, type ProductSearchResult, type ProductSummary, type ProductView } from './port.ts';

type Source = Partial<ProductSearchDocument>;

const viewOf = (source: Source): ProductView => {
  const { revision: _revision, ...doc } = source.doc!;
  const onHand = Number(source.onHand ?? 0);
  const reserved = Number(source.reserved ?? 0);
  const available = Math.max(0, onHand - reserved);
  return { ...doc, stock: { onHand, reserved, available, inStock: available > 0 } };
};

const totalOf = (total: number | { value: number } | undefined): number => (typeof total === 'number' ? total : (total?.value ?? 0));

/** Product search on Elasticsearch, equal in meaning to `PgProductReader` (same words, tiers, filters, orders and cursors). */
export class ElasticsearchProductReader implements ProductReader {
  constructor(
    private readonly client: Client,
    /** The alias readers use; a rebuild fills a new index and the alias swaps to it. */
    private readonly alias: string,
  ) {}

  async search(query: ProductSearchQuery): Promise<ProductSearchResult> {
    const page = { page: query.page, pageSize: query.pageSize };
    // Typed words are looked up first, as the PostgreSQL dictionary does: those no product has are left out.
    const typed = query.q ? typedWords(query.q) : [];
    let words: KnownWord[] | undefined;
    if (query.q) {
      const known = typed.length === 0 ? undefined : await this.client.search({ index: this.alias, ...productKnownWordsRequest(typed) });
      words = knownWordsOf(typed, known?.aggregations as Parameters<typeof knownWordsOf>[1]);
      if (words.length === 0) return { items: [], total: 0, totalText: '0', next: null, ...page };
    }
    const response = await this.client.search<Source>({ index: this.alias, ...buildProductSearchRequest(query, words) });
    const hits = response.hits.hits;
    const matches = totalOf(response.hits.total);
    const items = hits.slice(0, query.pageSize);
    const last = items[items.length - 1];
    return {
      items: items.map(toProductSummary),
      total: Math.min(matches, TOTAL_BOUND),
      totalText: totalTextOf(matches),
      next: hits.length > query.pageSize && last ? encodeProductCursor(cursorAfter(last, Boolean(query.q))) : null,
      ...page,
    };
  }

  async get(productId: string): Promise<ProductView | undefined> {
    const response = await this.client.get<Source>({ index: this.alias, id: productId }, { ignore: [404] });
    const source = response.found ? response._source : undefined;
    return source?.docType === 'product' && source.doc ? viewOf(source) : undefined;
  }

  async many(productIds: readonly string[]): Promise<ProductSummary[]> {
    if (productIds.length === 0) return [];
    const { docs } = await this.client.mget<Source>({ index: this.alias, ids: [...productIds], _source_includes: SUMMARY_FIELDS.concat('docType') });
    return docs.flatMap((d) => ('found' in d && d.found && d._source?.docType === 'product' ? [toProductSummary(d)] : []));
  }

  async bySeller(sellerId: string, { page, pageSize }: { page: number; pageSize: number }) {
    const response = await this.client.search<Source>({
      index: this.alias,
      query: { bool: { filter: [{ term: { docType: 'product' } }, { term: { sellerId } }] } },
      sort: [{ createdAt: { order: 'desc' } }, { productId: { order: 'desc' } }],
      from: (page - 1) * pageSize,
      size: pageSize + 1,
      track_total_hits: false,
      _source_includes: ['doc', 'onHand', 'reserved'],
    });
    const hits = response.hits.hits.filter((h) => h._source?.doc);
    return { items: hits.slice(0, pageSize).map((h) => viewOf(h._source!)), page, pageSize, hasMore: hits.length > pageSize };
  }
}

import type { Client } from '@elastic/elasticsearch';
import type { RecordedEvent } from '@stayhub/event-sourcing';
import { aliasedIndexes, dropIndex, swapAlias } from '../listings/elasticsearch-projection.ts';
import type { ExternalProjection, Park } from '../projection.ts';
import {
  productIndexName,
  productIndexTemplate,
  stockDocumentId,
  toProductSearchDocument,
  toStockSearchDocument,
  type ProductIndexDocument,
  type ProductSearchDocument,
  type StockSearchDocument,
} from './elasticsearch-mapping.ts';
import { PRODUCTS } from './pg-projection.ts';
import {
  evolveProductDocument,
  evolveStockDocument,
  productDocumentHandles,
  productEventTypes,
  stockEventTypes,
  type ProductDocument,
  type StockDocument,
} from './product-document.ts';

export type ProductWriteOptions = {
  /** `wait_for` (default) makes a batch searchable before its checkpoint moves (read-your-writes). */
  refresh?: boolean | 'wait_for';
  /** Rounds of read–evolve–write when writers conflict. */
  attempts?: number;
  park?: Park;
};

type Loaded<D> = { source: D | undefined; seqNo?: number; primaryTerm?: number };

const errorOf = (item: unknown): string => JSON.stringify(item);
const isTransient = (status: number): boolean => status === 429 || status >= 500;
const failLoudly: Park = async (_event, error) => {
  throw error;
};

const load = async <D>(client: Client, index: string, ids: readonly string[]): Promise<Map<string, Loaded<D>>> => {
  const loaded = new Map<string, Loaded<D>>();
  if (ids.length === 0) return loaded;
  const { docs } = await client.mget<D>({ index, ids: [...ids] });
  for (const item of docs) {
    if ('error' in item) throw new Error(`Elasticsearch mget ${index}/${item._id}: ${errorOf(item.error)}`);
    loaded.set(item._id, item.found ? { source: item._source, seqNo: item._seq_no, primaryTerm: item._primary_term } : { source: undefined });
  }
  return loaded;
};

const groupBy = (events: readonly RecordedEvent[], types: ReadonlySet<string>, key: (data: Record<string, unknown>) => string) => {
  const grouped = new Map<string, RecordedEvent[]>();
  for (const event of events) {
    if (!types.has(event.type)) continue;
    const id = key(event.data as Record<string, unknown>);
    grouped.set(id, [...(grouped.get(id) ?? []), event]);
  }
  return grouped;
};

const fold = async <D>(doc: D | undefined, events: readonly RecordedEvent[], evolve: (d: D | undefined, e: RecordedEvent) => D | undefined, park: Park) => {
  let next = doc;
  for (const event of events) {
    try {
      next = evolve(next, event);
    } catch (error) {
      await park(event, error);
    }
  }
  return next;
};

const sameStock = (a: ProductSearchDocument | undefined, stock: StockDocument | undefined) =>
  a !== undefined && a.onHand === (stock?.onHand ?? 0) && a.reserved === (stock?.reserved ?? 0);

/**
 * One round over a batch: `true` when every write went through, `false` when one lost a race (read
 * again and retry). A product and the stock of its SKU live in two documents of one index: the
 * stock document names its product, the product carries a copy of the stock (to filter and show
 * `available`). Whichever changes, both are written in the same bulk request, each as a
 * compare-and-set on what was read, so a product created while its stock moves ends with the last
 * stock whichever write lands first.
 */
const applyRound = async (
  client: Client,
  index: string,
  productEvents: Map<string, RecordedEvent[]>,
  stockEvents: Map<string, RecordedEvent[]>,
  refresh: boolean | 'wait_for',
  park: Park,
): Promise<boolean> => {
  const products = await load<ProductSearchDocument>(client, index, [...productEvents.keys()]);
  const nextProducts = new Map<string, ProductDocument>();
  for (const [id, loaded] of products) {
    const doc = await fold(loaded.source?.doc, productEvents.get(id) ?? [], evolveProductDocument, park);
    if (doc) nextProducts.set(id, doc);
  }
  const skus = new Set([...stockEvents.keys(), ...[...nextProducts.values()].map((p) => p.sku)]);
  const stocks = await load<StockSearchDocument>(client, index, [...skus].map(stockDocumentId));
  const stockOf = (sku: string) => stocks.get(stockDocumentId(sku));
  const nextStocks = new Map<string, StockDocument>();
  for (const sku of skus) {
    const doc = await fold(stockOf(sku)?.source?.stock, stockEvents.get(sku) ?? [], evolveStockDocument, park);
    if (doc) nextStocks.set(sku, doc);
  }
  // Products whose stock moved but that no event of this batch touched: their copy follows.
  const linked = [...stockEvents.keys()].map((sku) => stockOf(sku)?.source?.productId).filter((id): id is string => !!id && !products.has(id));
  for (const [id, loaded] of await load<ProductSearchDocument>(client, index, linked)) {
    products.set(id, loaded);
    if (loaded.source?.doc) nextProducts.set(id, loaded.source.doc);
  }

  const operations: NonNullable<Parameters<Client['bulk']>[0]['operations']> = [];
  const written: { id: string; events: RecordedEvent[] }[] = [];
  const guard = (id: string, loaded: Loaded<unknown> | undefined) =>
    loaded?.seqNo !== undefined && loaded.primaryTerm !== undefined
      ? { index: { _index: index, _id: id, if_seq_no: loaded.seqNo, if_primary_term: loaded.primaryTerm } }
      : { create: { _index: index, _id: id } };
  const write = (id: string, loaded: Loaded<unknown> | undefined, document: ProductIndexDocument, events: RecordedEvent[]) => {
    operations.push(guard(id, loaded), document);
    written.push({ id, events });
  };
  const owner = new Map<string, string>();
  for (const [id, doc] of nextProducts) {
    owner.set(doc.sku, id);
    const before = products.get(id);
    const stock = nextStocks.get(doc.sku);
    if (doc !== before?.source?.doc || !sameStock(before?.source, stock)) write(id, before, toProductSearchDocument(doc, stock), productEvents.get(id) ?? []);
  }
  for (const sku of skus) {
    const before = stockOf(sku);
    const stock = nextStocks.get(sku) ?? { sku, onHand: 0, reserved: 0, revision: -1, updatedAt: new Date(0).toISOString() };
    const productId = owner.get(sku) ?? before?.source?.productId ?? null;
    if (stock !== before?.source?.stock || productId !== (before?.source?.productId ?? null)) {
      write(stockDocumentId(sku), before, toStockSearchDocument(stock, productId), stockEvents.get(sku) ?? []);
    }
  }
  if (written.length === 0) return true;
  const response = await client.bulk({ operations, refresh });
  let settled = true;
  for (const [i, item] of response.items.entries()) {
    const { id, events } = written[i]!;
    const result = item.index ?? item.create;
    if (!result || result.status === 409) settled = false;
    else if (result.error && isTransient(result.status)) throw new Error(`Elasticsearch bulk ${index}/${id}: ${errorOf(result.error)}`);
    else if (result.error) {
      const error = new Error(`Elasticsearch refused ${index}/${id}: ${errorOf(result.error)}`);
      for (const event of events) await park(event, error);
    }
  }
  return settled;
};

/**
 * Applies a batch of product and stock events to one index; safe to call again with the same
 * events (each document keeps the stream revision it has applied, and the evolve functions ignore
 * what they already have). A write that lost a race to another writer is read, evolved and
 * written again, up to `attempts` rounds.
 */
const applyProductsToElasticsearch = async (
  client: Client,
  index: string,
  events: readonly RecordedEvent[],
  options: ProductWriteOptions = {},
): Promise<void> => {
  const productEvents = groupBy(events, productEventTypes, (data) => String(data.productId));
  const stockEvents = groupBy(events, stockEventTypes, (data) => String(data.sku));
  if (productEvents.size === 0 && stockEvents.size === 0) return;
  const attempts = options.attempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    if (await applyRound(client, index, productEvents, stockEvents, options.refresh ?? 'wait_for', options.park ?? failLoudly)) return;
    if (attempt >= attempts) throw new Error(`Elasticsearch: products still conflict after ${attempts} attempts`);
  }
};

const isAlreadyThere = (error: unknown): boolean =>
  (error as { body?: { error?: { type?: string } } }).body?.error?.type === 'resource_already_exists_exception';

export type ProductSearchElasticsearch = ExternalProjection & {
  index(target: string): string;
  /** Creates the target's index (template installed, alias untouched): a rebuild fills it beside the live one. */
  create(target: string): Promise<boolean>;
  /** Points the alias at the target's index (atomically); returns the indexes it left. */
  swap(target: string): Promise<string[]>;
};

/**
 * The product search projection on Elasticsearch for the external runner, a Kafka consumer group
 * and the replay tool: each target (`products`, `products_r2`…) is its own index behind the alias
 * readers use. It takes over the PostgreSQL `products` projection (search, detail, stock).
 */
export const productSearchElasticsearch = (
  client: Client,
  alias: string,
  options: Omit<ProductWriteOptions, 'park'> & { settings?: { shards?: number; replicas?: number } } = {},
): ProductSearchElasticsearch => {
  const create = async (target: string) => {
    const index = productIndexName(alias, target);
    if ((await client.indices.exists({ index })) === true) {
      // Fields added to the mapping since the index was made are added to it (the mapping is strict).
      await client.indices.putMapping({ index, properties: productIndexTemplate(alias, options.settings).template!.mappings!.properties! });
      return true;
    }
    await client.indices.putIndexTemplate(productIndexTemplate(alias, options.settings));
    try {
      await client.indices.create({ index });
    } catch (error) {
      if (!isAlreadyThere(error)) throw error;
    }
    return false;
  };
  return {
    name: PRODUCTS,
    handles: productDocumentHandles,
    index: (target) => productIndexName(alias, target),
    create,
    /** The runner prepares only the live target, so the alias follows it (after a replay's swap too). */
    async prepare(target) {
      const existed = await create(target);
      const index = productIndexName(alias, target);
      const aliased = await aliasedIndexes(client, alias);
      if (aliased.length !== 1 || aliased[0] !== index) await swapAlias(client, alias, index);
      return existed;
    },
    applyBatch: (events, target, park) => applyProductsToElasticsearch(client, productIndexName(alias, target), events, { ...options, park }),
    swap: (target) => swapAlias(client, alias, productIndexName(alias, target)),
    drop: (target) => dropIndex(client, productIndexName(alias, target)),
  };
};

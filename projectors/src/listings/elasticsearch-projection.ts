import type { RecordedEvent } from '@stayhub/infra';
import type { ElasticsearchClient } from '@stayhub/infra/read-stores/listings/elasticsearch';
import {
  listingIndexName,
  listingIndexTemplate,
  toSearchDocument,
  type IndexSettings,
} from '@stayhub/infra/read-stores/listings/elasticsearch-mapping';
import { evolveListingDocument, listingDocumentHandles, listingIdOf, type ListingDocument } from './listing-document.ts';
import { LISTINGS } from './pg-projection.ts';

/**
 * Idempotence and the revision guard: a listing document gets events from two kinds of streams
 * (its own `listing-{id}` and, for reviews, `booking-{id}`), so no single stream revision can be
 * its external version. The document carries its own guard instead (`revision` for listing events,
 * `reviewedBookings` for reviews: `evolveListingDocument` ignores what it already has), and each
 * write is a compare-and-set on the `_seq_no`/`_primary_term` it was read at. A concurrent writer
 * (a rebalance, a replay catching up) makes the write fail with 409; the listing is then read
 * again and its events evolved again, so no update is lost and none is applied twice.
 */
export type ElasticsearchWriteOptions = {
  /** `wait_for` (default) makes a batch searchable before its checkpoint moves (read-your-writes). */
  refresh?: boolean | 'wait_for';
  /** Rounds of read–evolve–write when writers conflict. */
  attempts?: number;
};

type Stored = { doc?: ListingDocument };
type Loaded = { doc: ListingDocument | undefined; seqNo?: number; primaryTerm?: number };

const errorOf = (item: unknown): string => JSON.stringify(item);

const load = async (client: ElasticsearchClient, index: string, ids: string[]): Promise<Map<string, Loaded>> => {
  const { docs } = await client.mget<Stored>({ index, ids, _source_includes: ['doc'] });
  const loaded = new Map<string, Loaded>();
  for (const item of docs) {
    if ('error' in item) throw new Error(`Elasticsearch mget ${index}/${item._id}: ${errorOf(item.error)}`);
    loaded.set(item._id, item.found ? { doc: item._source?.doc, seqNo: item._seq_no, primaryTerm: item._primary_term } : { doc: undefined });
  }
  return loaded;
};

/** One round: returns the listings whose write lost a race and must be tried again. */
const applyRound = async (
  client: ElasticsearchClient,
  index: string,
  eventsOf: Map<string, RecordedEvent[]>,
  ids: string[],
  refresh: boolean | 'wait_for',
): Promise<string[]> => {
  const loaded = await load(client, index, ids);
  const operations: NonNullable<Parameters<ElasticsearchClient['bulk']>[0]['operations']> = [];
  const written: string[] = [];
  for (const id of ids) {
    const before = loaded.get(id);
    let doc = before?.doc;
    for (const event of eventsOf.get(id) ?? []) doc = evolveListingDocument(doc, event);
    if (!doc || doc === before?.doc) continue;
    const guard =
      before?.seqNo !== undefined && before.primaryTerm !== undefined
        ? { index: { _index: index, _id: id, if_seq_no: before.seqNo, if_primary_term: before.primaryTerm } }
        : { create: { _index: index, _id: id } };
    operations.push(guard, toSearchDocument(doc));
    written.push(id);
  }
  if (written.length === 0) return [];
  const response = await client.bulk({ operations, refresh });
  const conflicts: string[] = [];
  response.items.forEach((item, i) => {
    const result = item.index ?? item.create;
    if (!result || result.status === 409) conflicts.push(written[i]!);
    else if (result.error) throw new Error(`Elasticsearch bulk ${index}/${written[i]}: ${errorOf(result.error)}`);
  });
  return conflicts;
};

/** Applies a batch of events to the listing documents of one index; safe to call again with the same events. */
export const applyToElasticsearch = async (
  client: ElasticsearchClient,
  index: string,
  events: readonly RecordedEvent[],
  options: ElasticsearchWriteOptions = {},
): Promise<void> => {
  const eventsOf = new Map<string, RecordedEvent[]>();
  for (const event of events) {
    if (!listingDocumentHandles.has(event.type)) continue;
    const id = listingIdOf(event);
    eventsOf.set(id, [...(eventsOf.get(id) ?? []), event]);
  }
  const attempts = options.attempts ?? 5;
  let pending = [...eventsOf.keys()];
  for (let attempt = 1; pending.length > 0; attempt++) {
    if (attempt > attempts) throw new Error(`Elasticsearch: listings ${pending.join(', ')} still conflict after ${attempts} attempts`);
    pending = await applyRound(client, index, eventsOf, pending, options.refresh ?? 'wait_for');
  }
};

const isAlreadyThere = (error: unknown): boolean =>
  (error as { body?: { error?: { type?: string } } }).body?.error?.type === 'resource_already_exists_exception';

/** Installs the index template (idempotent) and creates the index of a target if it does not exist. */
export const createIndex = async (client: ElasticsearchClient, alias: string, target: string, settings?: IndexSettings): Promise<string> => {
  const index = listingIndexName(alias, target);
  await client.indices.putIndexTemplate(listingIndexTemplate(alias, settings));
  try {
    await client.indices.create({ index });
  } catch (error) {
    if (!isAlreadyThere(error)) throw error;
  }
  return index;
};

/** The indexes the alias points to now (none when it does not exist). */
export const aliasedIndexes = async (client: ElasticsearchClient, alias: string): Promise<string[]> => {
  const response = await client.indices.getAlias({ name: alias }, { ignore: [404] });
  return Object.entries(response)
    .filter(([, value]) => typeof value === 'object' && value !== null && 'aliases' in value)
    .map(([index]) => index);
};

/** Points the alias at `index` only, in one atomic alias update; returns the indexes it left. */
export const swapAlias = async (client: ElasticsearchClient, alias: string, index: string): Promise<string[]> => {
  const previous = (await aliasedIndexes(client, alias)).filter((name) => name !== index);
  await client.indices.updateAliases({
    actions: [...previous.map((name) => ({ remove: { index: name, alias } })), { add: { index, alias } }],
  });
  return previous;
};

export const dropIndex = async (client: ElasticsearchClient, index: string): Promise<void> => {
  await client.indices.delete({ index }, { ignore: [404] });
};

/**
 * The listing search projection on Elasticsearch for a runner (Kafka consumer group or the event
 * store subscription) and the replay tool: `target` is the projection's target name
 * (`listings`, `listings_r2`…), each in its own index behind the alias.
 */
export const listingSearchElasticsearch = (client: ElasticsearchClient, alias: string, options: ElasticsearchWriteOptions & { settings?: IndexSettings } = {}) => ({
  name: LISTINGS,
  handles: listingDocumentHandles,
  index: (target: string) => listingIndexName(alias, target),
  /** Creates the target's index; a fresh cluster also gets the alias pointing at it. */
  async migrate(target: string): Promise<void> {
    const index = await createIndex(client, alias, target, options.settings);
    if ((await aliasedIndexes(client, alias)).length === 0) await swapAlias(client, alias, index);
  },
  applyBatch: (events: readonly RecordedEvent[], target: string) => applyToElasticsearch(client, listingIndexName(alias, target), events, options),
  swap: (target: string) => swapAlias(client, alias, listingIndexName(alias, target)),
  drop: (target: string) => dropIndex(client, listingIndexName(alias, target)),
});

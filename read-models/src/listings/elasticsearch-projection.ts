import type { RecordedEvent } from '@stayhub/event-sourcing';
import type { ElasticsearchClient } from './elasticsearch.ts';
import { listingIndexName, listingIndexTemplate, toSearchDocument, type IndexSettings } from './elasticsearch-mapping.ts';
import type { ExternalProjection, Park } from '../projection.ts';
import { evolveListingDocument, listingDocumentHandles, listingIdOf, type ListingDocument } from './listing-document.ts';
import { LISTINGS } from './pg-projection.ts';

export type ElasticsearchWriteOptions = {
  /** `wait_for` (default) makes a batch searchable before its checkpoint moves (read-your-writes). */
  refresh?: boolean | 'wait_for';
  /** Rounds of read–evolve–write when writers conflict. */
  attempts?: number;
  /** Where an event that can never apply goes (the runner's dead letter); without it, such an event fails the batch. */
  park?: Park;
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

const failLoudly: Park = async (_event, error) => {
  throw error;
};

/** Too many requests and server errors pass; other refusals (a document the mapping rejects) never will. */
const isTransient = (status: number): boolean => status === 429 || status >= 500;

/** One round: returns the listings whose write lost a race and must be tried again. */
const applyRound = async (
  client: ElasticsearchClient,
  index: string,
  eventsOf: Map<string, RecordedEvent[]>,
  ids: string[],
  refresh: boolean | 'wait_for',
  park: Park,
): Promise<string[]> => {
  const loaded = await load(client, index, ids);
  const operations: NonNullable<Parameters<ElasticsearchClient['bulk']>[0]['operations']> = [];
  const written: string[] = [];
  for (const id of ids) {
    const before = loaded.get(id);
    let doc = before?.doc;
    for (const event of eventsOf.get(id) ?? []) {
      try {
        doc = evolveListingDocument(doc, event);
      } catch (error) {
        await park(event, error);
      }
    }
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
  for (const [i, item] of response.items.entries()) {
    const id = written[i]!;
    const result = item.index ?? item.create;
    if (!result || result.status === 409) conflicts.push(id);
    else if (result.error && isTransient(result.status)) throw new Error(`Elasticsearch bulk ${index}/${id}: ${errorOf(result.error)}`);
    else if (result.error) {
      const error = new Error(`Elasticsearch refused ${index}/${id}: ${errorOf(result.error)}`);
      for (const event of eventsOf.get(id) ?? []) await park(event, error);
    }
  }
  return conflicts;
};

/**
 * Applies a batch of events to the listing documents of one index; safe to call again with the
 * same events.
 *
 * Idempotence and the revision guard: a listing document gets events from two kinds of streams
 * (its own `listing-{id}` and, for reviews, `booking-{id}`), so no single stream revision can be
 * its external version. The document carries its own guard instead (`revision` for listing events,
 * `reviewedBookings` for reviews: `evolveListingDocument` ignores what it already has), and each
 * write is a compare-and-set on the `_seq_no`/`_primary_term` it was read at. A concurrent writer
 * (a rebalance, a replay catching up) makes the write fail with 409; the listing is then read
 * again and its events evolved again, so no update is lost and none is applied twice.
 */
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
    pending = await applyRound(client, index, eventsOf, pending, options.refresh ?? 'wait_for', options.park ?? failLoudly);
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

export type ListingSearchElasticsearch = ExternalProjection & {
  index(target: string): string;
  /** Creates the target's index (template installed, alias untouched): a rebuild fills it beside the live one; `true` when it existed. */
  create(target: string): Promise<boolean>;
  /** Points the alias at the target's index (atomically); returns the indexes it left. */
  swap(target: string): Promise<string[]>;
};

/**
 * The listing search projection on Elasticsearch for the external runner (checkpoint in
 * PostgreSQL), a Kafka consumer group, and the replay tool: each target (`listings`,
 * `listings_r2`…) is its own index behind the alias readers use.
 */
export const listingSearchElasticsearch = (
  client: ElasticsearchClient,
  alias: string,
  options: Omit<ElasticsearchWriteOptions, 'park'> & { settings?: IndexSettings } = {},
): ListingSearchElasticsearch => ({
  name: LISTINGS,
  handles: listingDocumentHandles,
  index: (target) => listingIndexName(alias, target),
  async create(target) {
    const existed = (await client.indices.exists({ index: listingIndexName(alias, target) })) === true;
    await createIndex(client, alias, target, options.settings);
    return existed;
  },
  /**
   * Creates the target's index if needed; `false` when it did not exist (so the runner starts
   * from the first event). The runner prepares only the live target, so the alias follows it here
   * too: after a replay swapped targets, readers move with the writer.
   */
  async prepare(target) {
    const index = listingIndexName(alias, target);
    const existed = (await client.indices.exists({ index })) === true;
    if (!existed) await createIndex(client, alias, target, options.settings);
    // Fields added to the mapping since the index was made are added to it (a strict mapping refuses unknown fields).
    else await client.indices.putMapping({ index, properties: listingIndexTemplate(alias, options.settings).template!.mappings!.properties! });
    const aliased = await aliasedIndexes(client, alias);
    if (aliased.length !== 1 || aliased[0] !== index) await swapAlias(client, alias, index);
    return existed;
  },
  applyBatch: (events, target, park) => applyToElasticsearch(client, listingIndexName(alias, target), events, { ...options, park }),
  swap: (target) => swapAlias(client, alias, listingIndexName(alias, target)),
  drop: (target) => dropIndex(client, listingIndexName(alias, target)),
});

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import type { RecordedEvent } from '@stayhub/event-sourcing';
import { availabilityChanges } from '../availability/availability-changes.ts';
import { ElasticsearchListingReader } from '../listings/elasticsearch.ts';
import { listingSearchElasticsearch } from '../listings/elasticsearch-projection.ts';
import { searchClient, type SearchFlavor } from '../listings/search-client.ts';
import type { Park } from '../projection.ts';

/**
 * For a spec's `describe`: the listings of `events` indexed on the Elasticsearch (or OpenSearch) at
 * `url` under a fresh alias before its tests, dropped after them, and a reader of that index whose
 * dates come from the same calendar events, folded as the availability store would hold them.
 */
export const listingsOnElasticsearch = (url: string, events: readonly RecordedEvent[], prefix: string): ElasticsearchListingReader => {
  const client = searchClient(url, process.env.ELASTICSEARCH_FLAVOR as SearchFlavor | undefined);
  const alias = `${prefix}-${randomUUID().slice(0, 8)}-listings`;
  const projection = listingSearchElasticsearch(client, alias, { settings: { replicas: 0 } });
  const park: Park = async (_event, error) => {
    throw error;
  };
  const used = new Map<string, Map<string, number>>();
  for (const change of events.flatMap(availabilityChanges)) {
    const counts = used.get(change.unitTypeId) ?? used.set(change.unitTypeId, new Map()).get(change.unitTypeId)!;
    counts.set(change.key, (counts.get(change.key) ?? 0) + change.delta);
  }
  beforeAll(async () => {
    await projection.prepare('listings');
    await projection.applyBatch(
      events.filter((e) => !e.streamId.startsWith('calendar-')),
      'listings',
      park,
    );
    await client.indices.refresh({ index: projection.index('listings') });
  });
  afterAll(async () => {
    await client.indices.delete({ index: projection.index('listings') }, { ignore: [404] });
    await client.indices.deleteIndexTemplate({ name: `${alias}-template` }, { ignore: [404] });
    await client.close();
  });
  return new ElasticsearchListingReader(client, {
    alias,
    availability: { used: async (ids, keys) => new Map(ids.map((id) => [id, new Map(keys.map((k) => [k, used.get(id)?.get(k) ?? 0]))])) },
  });
};

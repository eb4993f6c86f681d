import { createRequire } from 'node:module';
import { Client } from '@elastic/elasticsearch';
import Mock from '@elastic/elasticsearch-mock';
import { describe, expect, it } from 'vitest';
import type { RecordedEvent } from '@stayhub/event-sourcing';
import { listingIndexTemplate, toSearchDocument } from './elasticsearch-mapping.ts';
import { applyToElasticsearch, createIndex, listingSearchElasticsearch, swapAlias } from './elasticsearch-projection.ts';
import type { ListingDocument } from './listing-document.ts';

const { errors } = createRequire(import.meta.url)('@elastic/elasticsearch') as typeof import('@elastic/elasticsearch');
const INDEX = 'test-listings--listings';

/** What the mock hands a resolver: one method and one path (patterns may list several). */
type Call = { method: string; path: string; body: unknown; querystring: Record<string, string> };

let position = 0;
const event = (streamId: string, streamRevision: number, type: string, data: Record<string, unknown>): RecordedEvent => ({
  eventId: `${streamId}-${streamRevision}`,
  type,
  schemaVersion: 1,
  streamId,
  streamRevision,
  globalPosition: String(++position).padStart(8, '0'),
  occurredAt: '2030-01-01T00:00:00.000Z',
  data,
  metadata: {},
});

const details = {
  title: 'Loft',
  location: { lat: 52.37, lon: 4.89, city: 'Amsterdam', country: 'NL', timeZone: 'Europe/Amsterdam' },
  currency: 'EUR',
  unitTypes: [{ unitTypeId: 'u1', name: 'Loft', count: 1, capacity: 2, price: { amount: 10_000, currency: 'EUR' } }],
};
const created = event('listing-l1', 0, 'ListingCreated', { listingId: 'l1', hostId: 'h1', kind: 'rental', details, at: '2030-01-01T00:00:00.000Z' });
const published = event('listing-l1', 1, 'ListingPublished', { listingId: 'l1', hostId: 'h1', kind: 'rental', details, at: '2030-01-02T00:00:00.000Z' });
const renamed = event('listing-l1', 2, 'ListingUpdated', { listingId: 'l1', changes: { title: 'Canal Loft' }, at: '2030-01-03T00:00:00.000Z' });
const review = (bookingId: string, rating: number) =>
  event(`booking-${bookingId}`, 0, 'GuestReviewedStay', { bookingId, listingId: 'l1', guestId: 'g1', rating, comment: '', at: '2030-02-01T00:00:00.000Z' });

/** A small stand-in for one Elasticsearch index: mget, and bulk with create / compare-and-set index. */
const fakeIndex = () => {
  const mock = new Mock();
  const client = new Client({ node: 'http://localhost:9200', Connection: mock.getConnection() });
  const docs = new Map<string, { source: { doc: ListingDocument }; seqNo: number }>();
  let seqNo = 0;
  const bulks: unknown[][] = [];
  let beforeBulk: () => void = () => undefined;
  mock.add({ method: 'POST', path: `/${INDEX}/_mget` }, (params) => {
    const { ids } = params.body as { ids: string[] };
    return {
      docs: ids.map((id) => {
        const stored = docs.get(id);
        return stored
          ? { _index: INDEX, _id: id, found: true, _seq_no: stored.seqNo, _primary_term: 1, _source: { doc: stored.source.doc } }
          : { _index: INDEX, _id: id, found: false };
      }),
    };
  });
  mock.add({ method: 'POST', path: '/_bulk' }, (params) => {
    beforeBulk();
    const lines = params.body as Record<string, any>[];
    bulks.push(lines);
    const items = [];
    for (let i = 0; i < lines.length; i += 2) {
      const [action, meta] = Object.entries(lines[i]!)[0]!;
      const stored = docs.get(meta._id);
      const conflict = action === 'create' ? stored !== undefined : !stored || stored.seqNo !== meta.if_seq_no || meta.if_primary_term !== 1;
      if (conflict) {
        items.push({ [action]: { _id: meta._id, status: 409, error: { type: 'version_conflict_engine_exception' } } });
        continue;
      }
      docs.set(meta._id, { source: lines[i + 1] as { doc: ListingDocument }, seqNo: ++seqNo });
      items.push({ [action]: { _id: meta._id, status: action === 'create' ? 201 : 200, _seq_no: seqNo, _primary_term: 1 } });
    }
    return { errors: items.some((item) => Object.values(item)[0]!.status >= 300), items };
  });
  return {
    mock,
    client,
    docs,
    bulks,
    docOf: (id: string) => docs.get(id)?.source.doc,
    onBulk: (hook: () => void) => {
      beforeBulk = hook;
    },
  };
};

describe('applyToElasticsearch', () => {
  it('creates the document, then replaces it only at the sequence number it was read at', async () => {
    const es = fakeIndex();
    await applyToElasticsearch(es.client, INDEX, [created]);
    await applyToElasticsearch(es.client, INDEX, [published, renamed]);
    expect(es.bulks.map((lines) => lines[0])).toEqual([
      { create: { _index: INDEX, _id: 'l1' } },
      { index: { _index: INDEX, _id: 'l1', if_seq_no: 1, if_primary_term: 1 } },
    ]);
    expect(es.docOf('l1')).toMatchObject({ status: 'published', revision: 2, details: { title: 'Canal Loft' } });
    expect(es.docs.get('l1')!.source).toEqual(toSearchDocument(es.docOf('l1')!));
  });

  it('writes nothing when the same events come again', async () => {
    const es = fakeIndex();
    await applyToElasticsearch(es.client, INDEX, [created, published, review('b1', 4)]);
    const before = es.docs.get('l1');
    await applyToElasticsearch(es.client, INDEX, [created, published, review('b1', 4)]);
    await applyToElasticsearch(es.client, INDEX, [published]);
    expect(es.bulks).toHaveLength(1);
    expect(es.docs.get('l1')).toBe(before);
    expect(es.docOf('l1')!.rating).toEqual({ sum: 4, count: 1 });
  });

  it('counts a review from a booking stream once, whatever its revision next to the listing revision', async () => {
    const es = fakeIndex();
    await applyToElasticsearch(es.client, INDEX, [created, published, renamed]);
    await applyToElasticsearch(es.client, INDEX, [review('b1', 5), review('b2', 3)]);
    await applyToElasticsearch(es.client, INDEX, [review('b1', 5)]);
    expect(es.docOf('l1')).toMatchObject({ rating: { sum: 8, count: 2 }, reviewedBookings: ['b1', 'b2'], revision: 2 });
  });

  it('reads again and re-evolves when another writer changed the document in between', async () => {
    const es = fakeIndex();
    await applyToElasticsearch(es.client, INDEX, [created, published]);
    let raced = false;
    es.onBulk(() => {
      if (raced) return;
      raced = true;
      // Another writer (a consumer that still held the partition) lands a review first.
      const stored = es.docs.get('l1')!;
      const doc = { ...stored.source.doc, rating: { sum: 2, count: 1 }, reviewedBookings: ['b9'] };
      es.docs.set('l1', { source: { doc }, seqNo: stored.seqNo + 10 });
    });
    await applyToElasticsearch(es.client, INDEX, [renamed]);
    expect(es.bulks).toHaveLength(3);
    expect(es.docOf('l1')).toMatchObject({ details: { title: 'Canal Loft' }, rating: { sum: 2, count: 1 }, revision: 2 });
  });

  it('gives up after the allowed rounds of conflicts', async () => {
    const es = fakeIndex();
    await applyToElasticsearch(es.client, INDEX, [created]);
    es.onBulk(() => {
      const stored = es.docs.get('l1')!;
      es.docs.set('l1', { ...stored, seqNo: stored.seqNo + 100 });
    });
    await expect(applyToElasticsearch(es.client, INDEX, [published], { attempts: 2 })).rejects.toThrow(/still conflict after 2 attempts/);
  });

  it('parks an event that cannot be evolved and applies the others', async () => {
    const es = fakeIndex();
    const parked: [string, string][] = [];
    const park = async (e: RecordedEvent, error: unknown) => void parked.push([e.eventId, String(error)]);
    const malformed = event('listing-l1', 1, 'ListingUpdated', {
      listingId: 'l1',
      changes: { unitTypes: [{ unitTypeId: 'x' }] },
      at: '2030-01-02T00:00:00.000Z',
    });
    const next = { ...published, streamRevision: 2 };
    await applyToElasticsearch(es.client, INDEX, [created, malformed, next], { park });
    expect(parked.map(([id]) => id)).toEqual([malformed.eventId]);
    expect(es.docOf('l1')).toMatchObject({ status: 'published', revision: 2 });
    await expect(applyToElasticsearch(fakeIndex().client, INDEX, [created, malformed])).rejects.toThrow(TypeError);
  });

  it('parks the events of a document the index refuses, and leaves transient refusals to a retry', async () => {
    const refusing = (status: number, type: string) => {
      const es = fakeIndex();
      es.mock.clear({ method: 'POST', path: '/_bulk' });
      es.mock.add({ method: 'POST', path: '/_bulk' }, () => ({ errors: true, items: [{ create: { _id: 'l1', status, error: { type } } }] }));
      return es;
    };
    const parked: string[] = [];
    const park = async (e: RecordedEvent) => void parked.push(e.eventId);
    await applyToElasticsearch(refusing(400, 'document_parsing_exception').client, INDEX, [created, published], { park });
    expect(parked).toEqual([created.eventId, published.eventId]);
    await expect(applyToElasticsearch(refusing(400, 'document_parsing_exception').client, INDEX, [created])).rejects.toThrow(/document_parsing_exception/);
    await expect(applyToElasticsearch(refusing(429, 'es_rejected_execution_exception').client, INDEX, [created], { park })).rejects.toThrow(
      /es_rejected_execution/,
    );
    await expect(applyToElasticsearch(refusing(503, 'unavailable_shards_exception').client, INDEX, [created], { park })).rejects.toThrow(/unavailable_shards/);
    expect(parked).toHaveLength(2);
  });

  it('waits for the refresh by default, so that a moved checkpoint means searchable', async () => {
    const es = fakeIndex();
    const seen: Record<string, string>[] = [];
    es.mock.add({ method: 'POST', path: '/_bulk', querystring: { refresh: 'wait_for' } }, (params) => {
      seen.push((params as Call).querystring);
      return { errors: false, items: [{ create: { _id: 'l1', status: 201 } }] };
    });
    await applyToElasticsearch(es.client, INDEX, [created]);
    expect(seen).toEqual([{ refresh: 'wait_for' }]);
  });

  it('ignores events it does not handle', async () => {
    const es = fakeIndex();
    await applyToElasticsearch(es.client, INDEX, [event('booking-b1', 0, 'BookingPaid', { bookingId: 'b1' })]);
    expect(es.bulks).toHaveLength(0);
  });
});

describe('index and alias management', () => {
  const setup = () => {
    const mock = new Mock();
    const client = new Client({ node: 'http://localhost:9200', Connection: mock.getConnection() });
    const calls: { method: string; path: string; body: unknown }[] = [];
    const indexes = new Set<string>();
    const aliases = new Map<string, string[]>();
    const fail = (statusCode: number, body: Record<string, unknown>) =>
      new errors.ResponseError({ body, statusCode, headers: {}, warnings: null, meta: {} as never });
    const record = (pattern: unknown) => {
      const { method, path, body } = pattern as Call;
      calls.push({ method, path, body });
    };
    const nameIn = (pattern: unknown, at: number) => (pattern as Call).path.split('/')[at]!;
    mock.add({ method: 'PUT', path: '/_index_template/:name' }, (params) => {
      record(params);
      return { acknowledged: true };
    });
    mock.add({ method: 'HEAD', path: '/:index' }, (params) => (indexes.has(nameIn(params, 1)) ? '' : fail(404, {})));
    mock.add({ method: 'PUT', path: '/:index' }, (params) => {
      record(params);
      const index = nameIn(params, 1);
      if (indexes.has(index)) return fail(400, { error: { type: 'resource_already_exists_exception' }, status: 400 });
      indexes.add(index);
      return { acknowledged: true };
    });
    mock.add({ method: 'PUT', path: '/:index/_mapping' }, (params) => {
      record(params);
      return { acknowledged: true };
    });
    mock.add({ method: 'DELETE', path: '/:index' }, (params) => {
      record(params);
      const index = nameIn(params, 1);
      indexes.delete(index);
      for (const [alias, names] of aliases)
        aliases.set(
          alias,
          names.filter((name) => name !== index),
        );
      return { acknowledged: true };
    });
    mock.add({ method: 'GET', path: '/_alias/:name' }, (params) => {
      const alias = nameIn(params, 2);
      const names = aliases.get(alias) ?? [];
      if (names.length === 0) return fail(404, { error: 'alias missing', status: 404 });
      return Object.fromEntries(names.map((index) => [index, { aliases: { [alias]: {} } }]));
    });
    mock.add({ method: 'POST', path: '/_aliases' }, (params) => {
      record(params);
      for (const action of (params.body as { actions: Record<string, { index: string; alias: string }>[] }).actions) {
        const [kind, { index, alias }] = Object.entries(action)[0]!;
        const current = aliases.get(alias) ?? [];
        aliases.set(alias, kind === 'add' ? [...current, index] : current.filter((name) => name !== index));
      }
      return { acknowledged: true };
    });
    return { client, calls, aliases, indexes };
  };

  it('creates a target index under the template and tolerates one that exists', async () => {
    const { client, calls, indexes } = setup();
    expect(await createIndex(client, 'test-listings', 'listings_r2', { replicas: 0 })).toBe('test-listings--listings_r2');
    expect(await createIndex(client, 'test-listings', 'listings_r2', { replicas: 0 })).toBe('test-listings--listings_r2');
    const { name: _name, ...template } = listingIndexTemplate('test-listings', { replicas: 0 });
    expect(calls[0]).toEqual({ method: 'PUT', path: '/_index_template/test-listings-template', body: JSON.parse(JSON.stringify(template)) });
    expect(calls[1]).toMatchObject({ method: 'PUT', path: '/test-listings--listings_r2' });
    expect([...indexes]).toEqual(['test-listings--listings_r2']);
  });

  it('prepares the live target: says whether it held anything, and points the alias at it', async () => {
    const { client, aliases, calls } = setup();
    const projection = listingSearchElasticsearch(client, 'test-listings');
    expect(await projection.prepare('listings')).toBe(false);
    expect(aliases.get('test-listings')).toEqual(['test-listings--listings']);
    calls.length = 0;
    expect(await projection.prepare('listings')).toBe(true);
    expect(aliases.get('test-listings')).toEqual(['test-listings--listings']);
    // An index made before fields were added to the mapping gets them (a strict mapping would refuse them).
    expect(calls).toEqual([
      {
        method: 'PUT',
        path: '/test-listings--listings/_mapping',
        body: JSON.parse(JSON.stringify({ properties: listingIndexTemplate('test-listings').template?.mappings?.properties })),
      },
    ]);

    // The runner restarts on the target a replay made live: readers follow the writer.
    await createIndex(client, 'test-listings', 'listings_r2');
    expect(await projection.prepare('listings_r2')).toBe(true);
    expect(aliases.get('test-listings')).toEqual(['test-listings--listings_r2']);

    await projection.drop('listings_r2');
    expect(await projection.prepare('listings_r2')).toBe(false);
  });

  it('swaps the alias to a rebuilt index in one request', async () => {
    const { client, calls, aliases } = setup();
    const projection = listingSearchElasticsearch(client, 'test-listings');
    await projection.prepare('listings');
    await createIndex(client, 'test-listings', 'listings_r2');
    calls.length = 0;
    expect(await projection.swap('listings_r2')).toEqual(['test-listings--listings']);
    expect(calls).toEqual([
      {
        method: 'POST',
        path: '/_aliases',
        body: {
          actions: [
            { remove: { index: 'test-listings--listings', alias: 'test-listings' } },
            { add: { index: 'test-listings--listings_r2', alias: 'test-listings' } },
          ],
        },
      },
    ]);
    expect(aliases.get('test-listings')).toEqual(['test-listings--listings_r2']);
    expect(await swapAlias(client, 'test-listings', 'test-listings--listings_r2')).toEqual([]);
  });
});

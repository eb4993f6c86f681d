import { describe, expect, it } from 'vitest';
import type { ListingDetails } from '../guests/types.ts';
import { browserStore, DraftQueue, pendingChanges, type DraftTransport } from './draft-queue.ts';
import { emptyForm, emptyUnit, fieldLabel, valueAt, type ListingKind, type UnitForm } from './listing-form.ts';

class Offline extends Error {}
class Stale extends Error {
  constructor(readonly current: number) {
    super(`The listing changed since; it is at ${current}`);
  }
}

/** A command API in memory: idempotency keys replay the first answer, as the real one does. */
const fakeServer = () => {
  const listings = new Map<string, { kind: ListingKind; details: ListingDetails; published: number; revision: number }>();
  const answered = new Map<string, unknown>();
  const state = { online: true, loseNextAnswer: false, calls: 0 };
  const guard = () => {
    state.calls++;
    if (!state.online) throw new Offline('offline');
  };
  const once = <T>(key: string, run: () => T): T => {
    if (!answered.has(key)) answered.set(key, run());
    return answered.get(key) as T;
  };
  const deliver = <T>(answer: T): T => {
    if (state.loseNextAnswer) {
      state.loseNextAnswer = false;
      throw new Offline('answer lost');
    }
    return answer;
  };
  const transport: DraftTransport = {
    create: async (body, key) => {
      guard();
      return deliver(
        once(key, () => {
          const listingId = `l${listings.size + 1}`;
          listings.set(listingId, { kind: body.kind, details: { ...body.details }, published: 0, revision: 0 });
          return { listingId, revision: 0 };
        }),
      );
    },
    update: async (listingId, changes, ifMatch) => {
      guard();
      const listing = listings.get(listingId)!;
      if (ifMatch !== undefined && ifMatch !== listing.revision) throw new Stale(listing.revision);
      listing.details = { ...listing.details, ...changes };
      return deliver({ revision: ++listing.revision });
    },
    publish: async (listingId, key) => {
      guard();
      return deliver(
        once(key, () => {
          const listing = listings.get(listingId)!;
          listing.published += 1;
          return { revision: ++listing.revision };
        }),
      );
    },
    load: async (listingId) => {
      guard();
      const listing = listings.get(listingId)!;
      return structuredClone({
        listingId,
        kind: listing.kind,
        status: listing.published ? 'published' : 'draft',
        details: listing.details,
        revision: listing.revision,
      });
    },
    isNetworkError: (error) => error instanceof Offline,
    staleRevision: (error) => (error instanceof Stale ? error.current : undefined),
  };
  /** Another browser saves: the listing moves on to a new revision. */
  const saveElsewhere = (listingId: string, changes: ListingDetails) => {
    const listing = listings.get(listingId)!;
    listing.details = { ...listing.details, ...changes };
    listing.revision++;
  };
  return { listings, state, transport, saveElsewhere };
};

const memoryStore = () => {
  const map = new Map<string, string>();
  return {
    getItem: (k: string) => map.get(k) ?? null,
    setItem: (k: string, v: string) => void map.set(k, v),
    removeItem: (k: string) => void map.delete(k),
    keys: () => [...map.keys()],
    map,
  };
};

/** Types into one unit type's fields, as the form does. */
const editUnit = (queue: DraftQueue, draftId: string, key: string, patch: Partial<UnitForm>) =>
  queue.edit(draftId, { units: queue.get(draftId)!.form.units.map((unit) => (unit.key === key ? { ...unit, ...patch } : unit)) });

const setup = () => {
  const server = fakeServer();
  const store = memoryStore();
  let n = 0;
  const ids = { newId: () => `id-${++n}`, now: () => new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString() };
  return { server, store, ids, queue: new DraftQueue(store, server.transport, ids) };
};

describe('the offline draft queue', () => {
  it('keeps every edit in storage before anything is sent', () => {
    const { queue, store, server } = setup();
    const draft = queue.start('rental');
    queue.edit(draft.draftId, { title: 'Flat', description: 'Nice' });
    const saved = JSON.parse(store.map.get(`stayhub.draft.${draft.draftId}`)!);
    expect(saved.form).toMatchObject({ title: 'Flat', description: 'Nice' });
    expect(server.state.calls).toBe(0);
  });

  it('creates the listing with the first sync and sends later edits as changes', async () => {
    const { queue, server } = setup();
    const draft = queue.start('hotel');
    queue.edit(draft.draftId, { title: 'Inn' });
    expect(await queue.sync(draft.draftId)).toEqual({ state: 'saved' });
    queue.edit(draft.draftId, { description: 'By the square' });
    expect(pendingChanges(queue.get(draft.draftId)!)).toEqual({ description: 'By the square' });
    await queue.sync(draft.draftId);
    expect([...server.listings.values()]).toEqual([
      { kind: 'hotel', details: expect.objectContaining({ title: 'Inn', description: 'By the square' }), published: 0, revision: 1 },
    ]);
    expect(pendingChanges(queue.get(draft.draftId)!)).toEqual({});
  });

  it('offline, keeps the edits and reports how many wait; back online, sends them all', async () => {
    const { queue, server } = setup();
    const draft = queue.start('rental');
    queue.edit(draft.draftId, { title: 'Cabin' });
    await queue.sync(draft.draftId);
    server.state.online = false;
    queue.edit(draft.draftId, { description: 'Wood stove', amenities: 'wifi, stove' });
    expect(await queue.sync(draft.draftId)).toEqual({ state: 'offline', pending: 2 });
    server.state.online = true;
    expect(await queue.syncAll()).toEqual([{ state: 'saved' }]);
    expect(server.listings.get('l1')!.details).toMatchObject({ title: 'Cabin', description: 'Wood stove', amenities: ['wifi', 'stove'] });
  });

  it('retries a create whose answer was lost with the same key and body: one listing', async () => {
    const { queue, server } = setup();
    const draft = queue.start('rental');
    queue.edit(draft.draftId, { title: 'Loft' });
    server.state.loseNextAnswer = true;
    expect((await queue.sync(draft.draftId)).state).toBe('offline');
    queue.edit(draft.draftId, { title: 'Loft with a view' });
    expect(await queue.sync(draft.draftId)).toEqual({ state: 'saved' });
    expect(server.listings.size).toBe(1);
    expect(server.listings.get('l1')!.details.title).toBe('Loft with a view');
  });

  it('publishes once however often submit is pressed, even when an answer is lost', async () => {
    const { queue, server } = setup();
    const draft = queue.start('rental');
    queue.edit(draft.draftId, { title: 'Barn' });
    server.state.loseNextAnswer = true;
    await queue.sync(draft.draftId);
    await queue.submit(draft.draftId);
    await queue.submit(draft.draftId);
    expect(server.listings.size).toBe(1);
    expect(server.listings.get('l1')!.published).toBe(1);
    expect(queue.get(draft.draftId)!).toMatchObject({ published: true, revision: server.listings.get('l1')!.revision });
  });

  it('runs syncs of one draft one after another, so two quick edits create one listing', async () => {
    const { queue, server } = setup();
    const draft = queue.start('rental');
    queue.edit(draft.draftId, { title: 'A' });
    const first = queue.sync(draft.draftId);
    queue.edit(draft.draftId, { title: 'AB' });
    const second = queue.sync(draft.draftId);
    await Promise.all([first, second]);
    expect(server.listings.size).toBe(1);
    expect(server.listings.get('l1')!.details.title).toBe('AB');
  });

  it('shows a refused change with its reason and keeps it', async () => {
    const { queue, server } = setup();
    const draft = queue.start('rental');
    queue.edit(draft.draftId, { title: 'Hut' });
    await queue.sync(draft.draftId);
    const refusal = new Error('photos.0: Invalid URL');
    server.transport.update = async () => {
      throw refusal;
    };
    queue.edit(draft.draftId, { photos: 'not-a-url' });
    expect(await queue.sync(draft.draftId)).toEqual({ state: 'rejected', error: refusal, pending: 1 });
    expect(queue.get(draft.draftId)!.form.photos).toBe('not-a-url');
  });

  it('does not change the kind once the listing exists', async () => {
    const { queue } = setup();
    const draft = queue.start('rental');
    queue.edit(draft.draftId, { title: 'T' });
    await queue.sync(draft.draftId);
    expect(queue.edit(draft.draftId, { kind: 'hotel' }).kind).toBe('rental');
  });
});

describe('a listing edited from more than one browser', () => {
  const saved = {
    title: 'Harbour Inn',
    description: 'Twelve rooms on the quay',
    location: { lat: 41.14, lon: -8.61, city: 'Porto', country: 'PT', timeZone: 'Europe/Lisbon' },
    photos: ['https://img.example/1.jpg', 'https://img.example/2.jpg'],
    amenities: ['wifi', 'breakfast'],
    currency: 'EUR',
    unitTypes: [
      { unitTypeId: 'l1.double', name: 'Double', count: 8, capacity: 2, price: { amount: 9_050, currency: 'EUR' } },
      { unitTypeId: 'l1.suite', name: 'Suite', count: 2, capacity: 4, price: { amount: 21_000, currency: 'EUR' } },
    ],
    instantBook: true,
    cancellationPolicy: 'strict',
  } satisfies ListingDetails;
  /** A listing saved by another browser (revision 2), and a queue in a browser that never saw it. */
  const elsewhere = () => {
    const world = setup();
    world.server.listings.set('l1', { kind: 'hotel', details: structuredClone(saved), published: 1, revision: 2 });
    return world;
  };

  it('opens with every saved field and every unit type, nothing to send; an edit of the second unit type sends the unit types and nothing else', async () => {
    const { queue, server } = elsewhere();
    const draft = queue.adopt(await server.transport.load('l1'));
    expect(draft).toMatchObject({ listingId: 'l1', kind: 'hotel', revision: 2, published: true });
    expect(draft.form).toMatchObject({
      title: 'Harbour Inn',
      description: 'Twelve rooms on the quay',
      city: 'Porto',
      country: 'PT',
      lat: '41.14',
      lon: '-8.61',
      timeZone: 'Europe/Lisbon',
      photos: 'https://img.example/1.jpg\nhttps://img.example/2.jpg',
      amenities: 'wifi, breakfast',
      units: [
        { key: 'double', name: 'Double', count: '8', capacity: '2', price: '90.5' },
        { key: 'suite', name: 'Suite', count: '2', capacity: '4', price: '210' },
      ],
      instantBook: true,
      cancellationPolicy: 'strict',
    });
    expect(pendingChanges(draft)).toEqual({});
    expect(queue.adopt(await server.transport.load('l1')).draftId).toBe(draft.draftId);

    editUnit(queue, draft.draftId, 'suite', { price: '225' });
    expect(Object.keys(pendingChanges(queue.get(draft.draftId)!))).toEqual(['unitTypes']);
    expect(await queue.sync(draft.draftId)).toEqual({ state: 'saved' });
    expect(server.listings.get('l1')!.details.unitTypes).toEqual([
      { ...saved.unitTypes[0], unitTypeId: 'double' },
      { unitTypeId: 'suite', name: 'Suite', count: 2, capacity: 4, price: { amount: 22_500, currency: 'EUR' } },
    ]);
    expect(server.listings.get('l1')!.details.title).toBe('Harbour Inn');
  });

  it('an edit made on an older revision takes in the other browser’s save and is sent again: both changes kept', async () => {
    const { queue, server } = elsewhere();
    const { saveElsewhere } = server;
    const draft = queue.adopt(await server.transport.load('l1'));
    saveElsewhere('l1', { description: 'Twelve rooms and a roof terrace' });
    queue.edit(draft.draftId, { title: 'Harbour Inn & Terrace' });
    expect(await queue.sync(draft.draftId)).toEqual({ state: 'saved' });
    expect(server.listings.get('l1')!.details).toMatchObject({ title: 'Harbour Inn & Terrace', description: 'Twelve rooms and a roof terrace' });
    expect(queue.get(draft.draftId)!.form.description).toBe('Twelve rooms and a roof terrace');
    expect(queue.get(draft.draftId)!.revision).toBe(server.listings.get('l1')!.revision);
  });

  it('opening the form again shows what was saved elsewhere meanwhile', async () => {
    const { queue, server } = elsewhere();
    const { saveElsewhere } = server;
    const draft = queue.adopt(await server.transport.load('l1'));
    saveElsewhere('l1', { amenities: ['wifi', 'breakfast', 'parking'] });
    expect(await queue.refresh(draft.draftId)).toEqual({ state: 'saved' });
    expect(queue.get(draft.draftId)!.form.amenities).toBe('wifi, breakfast, parking');
    expect(pendingChanges(queue.get(draft.draftId)!)).toEqual({});
  });

  it('opening the form offline keeps what is typed and says it waits', async () => {
    const { queue, server } = elsewhere();
    const draft = queue.adopt(await server.transport.load('l1'));
    queue.edit(draft.draftId, { title: 'Harbour Inn, renovated' });
    server.state.online = false;
    expect(await queue.refresh(draft.draftId)).toEqual({ state: 'offline', pending: 1 });
    expect(queue.get(draft.draftId)!.form.title).toBe('Harbour Inn, renovated');
  });

  it('the same field changed in both: a conflict naming it, nothing sent until the host keeps one', async () => {
    const { queue, server } = elsewhere();
    const { saveElsewhere } = server;
    const draft = queue.adopt(await server.transport.load('l1'));
    saveElsewhere('l1', { title: 'Quay Hotel' });
    queue.edit(draft.draftId, { title: 'Harbour House', amenities: 'wifi' });
    expect(await queue.sync(draft.draftId)).toEqual({ state: 'conflict', fields: ['title'] });
    expect(server.listings.get('l1')!.details).toMatchObject({ title: 'Quay Hotel', amenities: ['wifi', 'breakfast'] });
    expect(queue.get(draft.draftId)!.form.title).toBe('Harbour House');
    expect(await queue.sync(draft.draftId)).toEqual({ state: 'conflict', fields: ['title'] });

    expect(await queue.resolve(draft.draftId, 'mine')).toEqual({ state: 'saved' });
    expect(server.listings.get('l1')!.details).toMatchObject({ title: 'Harbour House', amenities: ['wifi'] });
  });

  it('taking the saved version replaces only the clashing fields', async () => {
    const { queue, server } = elsewhere();
    const { saveElsewhere } = server;
    const draft = queue.adopt(await server.transport.load('l1'));
    saveElsewhere('l1', { title: 'Quay Hotel' });
    queue.edit(draft.draftId, { title: 'Harbour House', amenities: 'wifi' });
    await queue.sync(draft.draftId);
    expect(await queue.resolve(draft.draftId, 'theirs')).toEqual({ state: 'saved' });
    expect(queue.get(draft.draftId)!.form).toMatchObject({ title: 'Quay Hotel', amenities: 'wifi' });
    expect(server.listings.get('l1')!.details).toMatchObject({ title: 'Quay Hotel', amenities: ['wifi'] });
  });
});

describe('a hotel with several unit types', () => {
  const hotel = () => {
    const world = setup();
    world.server.listings.set('l1', {
      kind: 'hotel',
      details: {
        title: 'Harbour Inn',
        currency: 'EUR',
        unitTypes: [
          { unitTypeId: 'l1.double', name: 'Double', count: 8, capacity: 2, price: { amount: 9_000, currency: 'EUR' } },
          { unitTypeId: 'l1.suite', name: 'Suite', count: 2, capacity: 4, price: { amount: 21_000, currency: 'EUR' } },
        ],
      },
      published: 0,
      revision: 2,
    });
    return world;
  };
  const unitTypes = (server: ReturnType<typeof setup>['server']) =>
    server.listings.get('l1')!.details.unitTypes!.map((u) => [u.unitTypeId.replace(/^l1\./, ''), u.name, u.count, u.price.amount]);

  it('adds a unit type once it is complete, and never drops one whose price is being retyped', async () => {
    const { queue, server } = hotel();
    const draft = queue.adopt(await server.transport.load('l1'));
    queue.edit(draft.draftId, { units: [...draft.form.units, emptyUnit('terrace')] });
    editUnit(queue, draft.draftId, 'terrace', { name: 'Terrace room', count: '3' });
    editUnit(queue, draft.draftId, 'suite', { price: '' });
    expect(pendingChanges(queue.get(draft.draftId)!)).toEqual({});
    expect(await queue.sync(draft.draftId)).toEqual({ state: 'saved' });
    expect(server.state.calls).toBe(1);

    editUnit(queue, draft.draftId, 'terrace', { price: '120' });
    editUnit(queue, draft.draftId, 'suite', { price: '230' });
    expect(await queue.sync(draft.draftId)).toEqual({ state: 'saved' });
    expect(unitTypes(server)).toEqual([
      ['double', 'Double', 8, 9_000],
      ['suite', 'Suite', 2, 23_000],
      ['terrace', 'Terrace room', 3, 12_000],
    ]);
  });

  it('removes a unit type', async () => {
    const { queue, server } = hotel();
    const draft = queue.adopt(await server.transport.load('l1'));
    queue.edit(draft.draftId, { units: draft.form.units.filter((u) => u.key !== 'double') });
    expect(await queue.sync(draft.draftId)).toEqual({ state: 'saved' });
    expect(unitTypes(server)).toEqual([['suite', 'Suite', 2, 21_000]]);
  });

  it('merges unit types edited in two browsers: another unit type, another attribute, one added and one removed', async () => {
    const { queue, server } = hotel();
    const draft = queue.adopt(await server.transport.load('l1'));
    server.saveElsewhere('l1', {
      unitTypes: [
        { unitTypeId: 'double', name: 'Double', count: 9, capacity: 2, price: { amount: 9_000, currency: 'EUR' } },
        { unitTypeId: 'loft', name: 'Loft', count: 1, capacity: 3, price: { amount: 15_000, currency: 'EUR' } },
      ],
    });
    queue.edit(draft.draftId, { units: [...queue.get(draft.draftId)!.form.units, { key: 'single', name: 'Single', count: '4', capacity: '1', price: '60' }] });
    editUnit(queue, draft.draftId, 'double', { price: '95' });
    expect(await queue.sync(draft.draftId)).toEqual({ state: 'saved' });
    // The other browser removed the suite (untouched here) and added the loft; this one added the single and repriced the double.
    expect(unitTypes(server)).toEqual([
      ['double', 'Double', 9, 9_500],
      ['loft', 'Loft', 1, 15_000],
      ['single', 'Single', 4, 6_000],
    ]);
    expect(queue.get(draft.draftId)!.form.units.map((u) => u.key)).toEqual(['double', 'loft', 'single']);
    expect(pendingChanges(queue.get(draft.draftId)!)).toEqual({});
  });

  it('the same attribute changed in both, or a unit type changed here and removed there: conflicts naming them, each settled by the host', async () => {
    const { queue, server } = hotel();
    const draft = queue.adopt(await server.transport.load('l1'));
    server.saveElsewhere('l1', {
      unitTypes: [{ unitTypeId: 'double', name: 'Double', count: 8, capacity: 2, price: { amount: 9_900, currency: 'EUR' } }],
    });
    editUnit(queue, draft.draftId, 'double', { price: '95' });
    editUnit(queue, draft.draftId, 'suite', { name: 'Junior suite' });
    expect(await queue.sync(draft.draftId)).toEqual({ state: 'conflict', fields: ['units/double/price', 'units/suite'] });
    const { conflict, form } = queue.get(draft.draftId)!;
    expect(fieldLabel('units/double/price', form, conflict!.theirs)).toBe('Unit type “Double”: price');
    expect(valueAt(form, 'units/suite')).toMatchObject({ name: 'Junior suite' });
    expect(valueAt(conflict!.theirs, 'units/suite')).toBeUndefined();

    expect(await queue.resolve(draft.draftId, 'theirs')).toEqual({ state: 'saved' });
    expect(queue.get(draft.draftId)!.form.units).toEqual([{ key: 'double', name: 'Double', count: '8', capacity: '2', price: '99' }]);
    expect(unitTypes(server)).toEqual([['double', 'Double', 8, 9_900]]);
  });

  it('keeping mine sends back a unit type the other browser removed', async () => {
    const { queue, server } = hotel();
    const draft = queue.adopt(await server.transport.load('l1'));
    server.saveElsewhere('l1', { unitTypes: [{ unitTypeId: 'double', name: 'Double', count: 8, capacity: 2, price: { amount: 9_000, currency: 'EUR' } }] });
    editUnit(queue, draft.draftId, 'suite', { count: '3' });
    expect(await queue.sync(draft.draftId)).toEqual({ state: 'conflict', fields: ['units/suite'] });
    expect(await queue.resolve(draft.draftId, 'mine')).toEqual({ state: 'saved' });
    expect(unitTypes(server)).toEqual([
      ['double', 'Double', 8, 9_000],
      ['suite', 'Suite', 3, 21_000],
    ]);
  });

  it('reads a draft kept by the earlier form (one unit type shown, the others riding along) with every unit type, its conflict too', () => {
    const { queue, store } = setup();
    const old = {
      draftId: 'old',
      kind: 'hotel',
      form: {
        ...emptyForm(),
        units: undefined,
        unitTypeId: 'double',
        unitName: 'Double',
        unitCount: '8',
        unitCapacity: '2',
        unitPrice: '90',
        otherUnitTypes: [{ unitTypeId: 'suite', name: 'Suite', count: 2, capacity: 4, price: { amount: 21_000, currency: 'EUR' } }],
      },
      acked: {},
      publishKey: 'k',
      published: false,
      updatedAt: '2026-01-01T00:00:00.000Z',
      conflict: { fields: ['title', 'unitPrice'], theirs: { ...emptyForm(), units: undefined, unitTypeId: 'double', unitPrice: '99' } },
    };
    store.setItem('stayhub.draft.old', JSON.stringify(old));
    const draft = queue.get('old')!;
    expect(draft.form.units).toEqual([
      { key: 'double', name: 'Double', count: '8', capacity: '2', price: '90' },
      { key: 'suite', name: 'Suite', count: '2', capacity: '4', price: '210' },
    ]);
    expect(draft.form).not.toHaveProperty('unitName');
    expect(draft.conflict!.fields).toEqual(['title', 'units/double/price']);
    expect(valueAt(draft.conflict!.theirs, 'units/double/price')).toBe('99');
  });
});

describe('the browser store of drafts', () => {
  it('keeps the drafts of each signed-in user apart', () => {
    const backing = new Map<string, string>();
    const storage = {
      get length() {
        return backing.size;
      },
      key: (i: number) => [...backing.keys()][i] ?? null,
      getItem: (k: string) => backing.get(k) ?? null,
      setItem: (k: string, v: string) => void backing.set(k, v),
      removeItem: (k: string) => void backing.delete(k),
      clear: () => backing.clear(),
    } as Storage;
    let user = 'ana';
    const { server } = setup();
    const queue = new DraftQueue(
      browserStore(storage, () => user),
      server.transport,
      { newId: () => `d-${user}`, now: () => '2026-01-01T00:00:00Z' },
    );
    queue.start('rental');
    expect(queue.all().map((d) => d.draftId)).toEqual(['d-ana']);
    user = 'ben';
    expect(queue.all()).toEqual([]);
    expect([...backing.keys()]).toEqual(['ana:stayhub.draft.d-ana']);
  });
});

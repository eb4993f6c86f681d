import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Pool } from '@stayhub/event-sourcing';
import { testDatabaseUrl } from '@stayhub/event-sourcing/testing';
import { announceCheckpoints, CheckpointChanges } from '../checkpoint-changes.ts';
import { createSearchTables } from './search-tables.ts';
import { LISTING_CALENDARS, LISTINGS } from './pg-projection.ts';
import { PgListingReader, type ListingCalendarRow } from './postgres.ts';
import type { ListingView } from './port.ts';
import { ListingViewCache } from './view-cache.ts';

const view = (title: string): ListingView => ({
  listingId: 'l-1',
  hostId: 'h-1',
  kind: 'rental',
  status: 'published',
  details: { title },
  rating: null,
  ratingCount: 0,
  updatedAt: '2030-01-01T00:00:00Z',
});

describe('listing views kept in process', () => {
  // given: a store whose current title the spec sets, read through the cache with a version the spec moves
  const given = () => {
    const state = { version: 'v1' as string | undefined, title: 'Flat', reads: 0, now: 0 };
    const cache = new ListingViewCache({ version: () => state.version, maxEntries: 2, ttlMs: 1000, now: () => state.now });
    const get = (id = 'l-1', fresh = false) =>
      cache.get(
        'listings',
        id,
        async () => {
          state.reads += 1;
          return { ...view(state.title), listingId: id };
        },
        fresh,
      );
    return { state, cache, get };
  };

  it('serves a kept view until a change to listing documents is announced', async () => {
    const { state, get } = given();
    expect((await get())?.details).toEqual({ title: 'Flat' });
    state.title = 'Loft';
    expect((await get())?.details).toEqual({ title: 'Flat' });
    expect(state.reads).toBe(1);
    state.version = 'v2';
    expect((await get())?.details).toEqual({ title: 'Loft' });
    expect(state.reads).toBe(2);
  });

  it('never serves a view read before a change that was announced while it was read', async () => {
    const { state, cache, get } = given();
    // The change commits after the read's snapshot; its announcement arrives before the read returns.
    const stale = cache.get('listings', 'l-1', async () => {
      state.version = 'v2';
      return view('Flat');
    });
    expect((await stale)?.details).toEqual({ title: 'Flat' });
    state.title = 'Loft';
    expect((await get())?.details).toEqual({ title: 'Loft' });
  });

  it('reads through for a reader with a consistency token, and keeps what it read', async () => {
    const { state, get } = given();
    await get();
    state.title = 'Loft';
    expect((await get('l-1', true))?.details).toEqual({ title: 'Loft' });
    expect((await get())?.details).toEqual({ title: 'Loft' });
    expect(state.reads).toBe(2);
  });

  it('keeps nothing while announcements cannot be heard', async () => {
    const { state, cache, get } = given();
    state.version = undefined;
    await get();
    await get();
    expect(state.reads).toBe(2);
    expect(cache.size).toBe(0);
  });

  it('keeps a missing listing as missing only until a change is announced', async () => {
    const { state, cache } = given();
    let exists = false;
    const read = async () => (exists ? view('Flat') : undefined);
    expect(await cache.get('listings', 'l-1', read)).toBeUndefined();
    exists = true;
    expect(await cache.get('listings', 'l-1', read)).toBeUndefined();
    state.version = 'v2';
    expect(await cache.get('listings', 'l-1', read)).toBeDefined();
  });

  it('is bounded: the least recently used view goes first, and none is served past its TTL', async () => {
    const { state, cache, get } = given();
    await get('a');
    await get('b');
    await get('a');
    await get('c');
    expect(cache.size).toBe(2);
    const reads = state.reads;
    await get('a');
    expect(state.reads).toBe(reads);
    await get('b');
    expect(state.reads).toBe(reads + 1);
    state.now += 1000;
    await get('b');
    expect(state.reads).toBe(reads + 2);
  });

  it('keeps a view per read-model target: a swapped-in target is read afresh', async () => {
    const { state, cache } = given();
    const read = async () => {
      state.reads += 1;
      return view('Flat');
    };
    await cache.get('listings', 'l-1', read);
    await cache.get('listings_r2', 'l-1', read);
    expect(state.reads).toBe(2);
  });
});

/** The reader's and the projector's pools on the test database with the search tables, the reader hearing announcements from now on. */
const givenDatabase = async () => {
  const url = await testDatabaseUrl();
  const reader = createPool(url, 4);
  const projector = createPool(url, 2);
  await createSearchTables(projector, 'listings');
  const changes = new CheckpointChanges(reader);
  await changes.start();
  const close = async () => {
    await changes.close();
    await reader.end();
    await projector.end();
  };
  return { reader, projector, changes, close };
};

describe('PgListingReader with views kept until the projectors announce a change', () => {
  let reader: Pool;
  let projector: Pool;
  let changes: CheckpointChanges;
  let close: () => Promise<void>;
  let listings: PgListingReader;
  const write = (title: string) =>
    projector.query(
      `INSERT INTO listings (listing_id, host_id, kind, status, doc, updated_at) VALUES ('l-1', 'h-1', 'rental', 'published', $1, now())
       ON CONFLICT (listing_id) DO UPDATE SET doc = EXCLUDED.doc`,
      [JSON.stringify({ ...view(title), rating: { sum: 0, count: 0 }, reviewedBookings: [], revision: 1 })],
    );
  beforeAll(async () => {
    ({ reader, projector, changes, close } = await givenDatabase());
    const cache = new ListingViewCache({ version: () => (changes.listening ? changes.versionOf([LISTINGS]) : undefined), maxEntries: 100, ttlMs: 600_000 });
    listings = new PgListingReader(reader, undefined, cache);
  });
  afterAll(() => close());

  it('serves the kept view until the change is announced, then the new one; a fresh read sees it at once', async () => {
    await write('Flat');
    expect((await listings.get('l-1'))?.details).toEqual({ title: 'Flat' });
    // given: the projector wrote a new title but has not announced it yet
    await write('Loft');
    expect((await listings.get('l-1'))?.details).toEqual({ title: 'Flat' });
    expect((await listings.get('l-1', { fresh: true }))?.details).toEqual({ title: 'Loft' });
    await write('Barn');
    // when: it announces what its batch changed, after the commit
    announceCheckpoints(projector, new Map([[LISTINGS, '00000000000000000001-00000000000000000009']]));
    // then: the kept view is not served again once the announcement is heard
    await expect.poll(async () => (await listings.get('l-1'))?.details, { timeout: 5000 }).toEqual({ title: 'Barn' });
  });

  it('a calendar change alone keeps the listing views', async () => {
    await write('Flat');
    announceCheckpoints(projector, new Map([[LISTINGS, '00000000000000000001-00000000000000000010']]));
    await expect.poll(async () => (await listings.get('l-1'))?.details, { timeout: 5000 }).toEqual({ title: 'Flat' });
    await write('Loft');
    announceCheckpoints(projector, new Map([['listings.calendar', '00000000000000000001-00000000000000000011']]));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await listings.get('l-1'))?.details).toEqual({ title: 'Flat' });
  });
});

describe('PgListingReader with calendar rows kept until the projectors announce a change', () => {
  let db: Awaited<ReturnType<typeof givenDatabase>>;
  let listings: PgListingReader;
  // The room type has 3 rooms; `used` of them are taken on the night of 2 April.
  const book = (used: number) =>
    db.projector.query(
      `INSERT INTO listings_calendar (unit_type_id, month, nights) VALUES ('l-2.room', '2030-04', $1)
       ON CONFLICT (unit_type_id, month) DO UPDATE SET nights = EXCLUDED.nights`,
      [[0, used]],
    );
  const free = async (fresh = false) => (await listings.availability('l-2', ['2030-04-02'], { fresh }))?.[0]?.unitTypes[0]?.free;
  const announce = (name: string, n: number) => announceCheckpoints(db.projector, new Map([[name, `00000000000000000001-${String(n).padStart(20, '0')}`]]));
  beforeAll(async () => {
    db = await givenDatabase();
    await db.projector.query(
      `INSERT INTO listings_unit_types (unit_type_id, listing_id, name, count, capacity, price, currency) VALUES ('l-2.room', 'l-2', 'Room', 3, 2, 9000, 'EUR')
       ON CONFLICT (unit_type_id) DO NOTHING`,
    );
    const calendars = new ListingViewCache<readonly ListingCalendarRow[]>({
      version: () => (db.changes.listening ? db.changes.versionOf([LISTINGS, LISTING_CALENDARS]) : undefined),
      maxEntries: 100,
      ttlMs: 600_000,
    });
    listings = new PgListingReader(db.reader, undefined, undefined, calendars);
  });
  afterAll(() => db.close());

  it('serves the kept rows until a change to calendars or listings is announced; a fresh read sees a change at once', async () => {
    await book(1);
    expect(await free()).toBe(2);
    // given: a booking written but not announced yet
    await book(2);
    expect(await free()).toBe(2);
    announce(LISTING_CALENDARS, 30);
    await expect.poll(() => free(), { timeout: 5000 }).toBe(1);
    await book(3);
    expect(await free()).toBe(1);
    expect(await free(true)).toBe(0);
    // a change to the listing (its unit types) retires the kept rows too
    await book(0);
    expect(await free()).toBe(0);
    announce(LISTINGS, 31);
    await expect.poll(() => free(), { timeout: 5000 }).toBe(3);
  });

  it('keeps a quarter of rows at a time: another stay in the same quarter is served from them, a stay across two quarters reads both', async () => {
    const used = (month: string, nights: number[]) =>
      db.projector.query(
        `INSERT INTO listings_calendar (unit_type_id, month, nights) VALUES ('l-2.room', $1, $2)
         ON CONFLICT (unit_type_id, month) DO UPDATE SET nights = EXCLUDED.nights`,
        [month, nights],
      );
    const freeOn = async (nights: string[], fresh = false) => (await listings.availability('l-2', nights, { fresh }))?.map((day) => day.unitTypes[0]?.free);
    await used('2030-05', [1]);
    await used('2030-06', [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
    await used('2030-07', [1]);
    announce(LISTING_CALENDARS, 40);
    await expect.poll(() => freeOn(['2030-05-01']), { timeout: 5000 }).toEqual([2]);
    // given: June (the same quarter as May) changed, not announced yet
    await used('2030-06', [3]);
    // then: a stay in June is answered from the quarter's rows kept with May's
    expect(await freeOn(['2030-06-01'])).toEqual([3]);
    // a stay from June into July reads July's quarter beside the kept one
    expect(await freeOn(['2030-06-30', '2030-07-01'])).toEqual([1, 2]);
    // a fresh read sees the change at once (and keeps what it read)
    expect(await freeOn(['2030-06-01', '2030-06-30'], true)).toEqual([0, 3]);
    announce(LISTING_CALENDARS, 41);
    await expect.poll(() => freeOn(['2030-06-01', '2030-06-30', '2030-07-01']), { timeout: 5000 }).toEqual([0, 3, 2]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './harness.ts';
import { publishedListing, register } from './fixtures.ts';

let stack: Stack;
beforeAll(async () => {
  // A long TTL, so that "served from the cache" does not depend on how fast the machine is.
  stack = await startStack({ settings: { SEARCH_CACHE_TTL_MS: 60_000 } });
});
afterAll(async () => {
  await stack?.stop();
});

const titles = (body: { items: { title: string }[] }) => body.items.map((i) => i.title).sort();

describe('GET /listings/search', () => {
  it('refuses unknown parameters with a 400 problem naming each of them', async () => {
    const reply = await stack.query.get('/listings/search?q=loft&colour=red&sortBy=price');
    expect(reply.status).toBe(400);
    expect(reply.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(JSON.stringify(reply.body.errors)).toMatch(/colour/);
    expect(JSON.stringify(reply.body.errors)).toMatch(/sortBy/);
  });

  it('finds "Sea view rental 11rab1" by "sea veiw 11rab1": a typo per word, words missing or reordered', async () => {
    const host = await register(stack, 'host');
    const { consistencyToken } = await publishedListing(stack, host, 'rental', { title: 'Sea view rental 11rab1' });
    for (const q of ['sea veiw 11rab1', 'rentl 11rab1', '11rab1 view sea']) {
      const reply = await stack.query.get(`/listings/search?q=${encodeURIComponent(q)}&after=${consistencyToken}`);
      expect(titles(reply.body), q).toEqual(['Sea view rental 11rab1']);
    }
  });

  it('answers a repeated search from the cache until the projectors announce a change to what it reads; a consistency token skips it', async () => {
    const host = await register(stack, 'host');
    const first = await publishedListing(stack, host, 'rental', { title: 'Cachedword loft' });
    expect(titles((await stack.query.get(`/listings/search?q=cachedword&after=${first.consistencyToken}`)).body)).toEqual(['Cachedword loft']);
    // Once the announcement of the loft's batch has arrived, a plain search is cached.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(titles((await stack.query.get('/listings/search?q=cachedword')).body)).toEqual(['Cachedword loft']);
    // A change no projector announced (written behind their back): the cached answer is served.
    await stack.pool.query("UPDATE listings SET title = 'Cachedword loft (unannounced)' WHERE listing_id = $1", [first.listingId]);
    expect(titles((await stack.query.get('/listings/search?q=cachedword')).body)).toEqual(['Cachedword loft']);
    // A search with a consistency token reads the read model (and refreshes the entry).
    expect(titles((await stack.query.get(`/listings/search?q=cachedword&after=${first.consistencyToken}`)).body)).toEqual(['Cachedword loft (unannounced)']);
    // A listing the projectors applied and announced: the next plain search is computed again.
    const second = await publishedListing(stack, host, 'rental', { title: 'Cachedword villa' });
    expect((await stack.query.get(`/listings/${second.listingId}?after=${second.consistencyToken}`)).status).toBe(200);
    await expect
      .poll(async () => titles((await stack.query.get('/listings/search?q=cachedword')).body), { timeout: 5_000 })
      .toEqual(['Cachedword loft (unannounced)', 'Cachedword villa']);
  });

  it('pages by cursor: `next` asks for the page after the last item, and is null on the last page', async () => {
    const host = await register(stack, 'host');
    let token = '';
    for (const n of [1, 2, 3]) token = (await publishedListing(stack, host, 'rental', { title: `Pagedword flat ${n}` })).consistencyToken;
    const first = await stack.query.get(`/listings/search?q=pagedword&sort=price&pageSize=2&after=${token}`);
    expect(first.body).toMatchObject({ total: 3, totalText: '3' });
    expect(first.body.items).toHaveLength(2);
    const second = await stack.query.get(`/listings/search?q=pagedword&sort=price&pageSize=2&cursor=${first.body.next}`);
    expect(second.body.items).toHaveLength(1);
    expect(second.body.next).toBeNull();
    expect(new Set([...titles(first.body), ...titles(second.body)]).size).toBe(3);
  });

  it('filters by hotel stars, minimum rating, room type and cuisine, and shows stars, rating average and count', async () => {
    const host = await register(stack, 'host');
    let units = 0;
    const unit = (name: string, price: number) => ({
      unitTypeId: `${name.toLowerCase().replace(/ /g, '-')}-${Date.now().toString(36)}-${units++}`,
      name,
      count: 2,
      capacity: 4,
      price: { amount: price, currency: 'EUR' },
    });
    await publishedListing(stack, host, 'hotel', {
      title: 'Filterword grand hotel',
      stars: 5,
      unitTypes: [unit('Family suite', 30_000), unit('Double room', 15_000)],
    });
    await publishedListing(stack, host, 'hotel', { title: 'Filterword inn', stars: 3, unitTypes: [unit('Double room', 9_000)] });
    const slots = { minutes: 60, openingHours: { '1': [{ open: '18:00', close: '22:00' }] } };
    const { consistencyToken } = await publishedListing(stack, host, 'restaurant', {
      title: 'Filterword trattoria',
      cuisine: ['Italian', 'Pizza'],
      slots,
      unitTypes: [unit('Table for four', 1_000)],
    });
    const search = (params: string) => stack.query.get(`/listings/search?q=filterword&${params}&after=${consistencyToken}`);

    const fiveStars = await search('stars=4,5');
    expect(titles(fiveStars.body)).toEqual(['Filterword grand hotel']);
    expect(fiveStars.body.items[0]).toMatchObject({ stars: 5, rating: null, ratingCount: 0 });
    expect(titles((await search('roomType=suite')).body)).toEqual(['Filterword grand hotel']);
    expect(titles((await search('roomType=double%20room&maxPrice=10000')).body)).toEqual(['Filterword inn']);
    expect(titles((await search('cuisine=thai,italian')).body)).toEqual(['Filterword trattoria']);
    expect(titles((await search('cuisine=thai')).body)).toEqual([]);
    // None is rated yet: a minimum rating leaves them all out.
    expect((await search('minRating=1')).body).toMatchObject({ items: [], total: 0 });
  });

  it.each([
    ['stars=6', 'stars'],
    ['stars=4,x', 'stars'],
    ['minRating=0', 'minRating'],
    ['minRating=5.5', 'minRating'],
    ['roomType=%20-%20', 'roomType'],
    ['cuisine=', 'cuisine'],
  ])('refuses %s with a 400 problem naming %s', async (params, field) => {
    const reply = await stack.query.get(`/listings/search?${params}`);
    expect(reply.status).toBe(400);
    expect(reply.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(JSON.stringify(reply.body.errors)).toMatch(new RegExp(field));
  });
});

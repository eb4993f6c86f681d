import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, inTransaction, type Pool, type RecordedEvent } from '@stayhub/event-sourcing';
import { testDatabaseUrl } from '@stayhub/event-sourcing/testing';
import { cartsProjection, cartTables } from './pg-projection.ts';
import { applyEvents } from '../projection.ts';
import { describeProjection, recorded as specRecorded } from '../testing/projection-spec.ts';

const at = '2030-01-01T10:00:00.000Z';
let position = 0;
const recorded = (streamId: string, streamRevision: number, type: string, data: Record<string, unknown>): RecordedEvent => ({
  eventId: randomUUID(),
  type,
  schemaVersion: 1,
  streamId,
  streamRevision,
  globalPosition: String(++position).padStart(20, '0'),
  occurredAt: at,
  data: { userId: 'u1', ...data, at },
  metadata: {},
});
const cart = (revision: number, type: string, data: Record<string, unknown> = {}) => recorded('cart-u1', revision, type, data);
const wishlist = (revision: number, type: string, productId: string) => recorded('wishlist-u1', revision, type, { productId });

describe('carts projection', () => {
  let pool: Pool;
  const target = 'carts';
  const t = cartTables(target);
  const docs = async () => ({
    cart: (await pool.query(`SELECT doc FROM ${t.carts} WHERE user_id = 'u1'`)).rows[0]?.doc,
    wishlist: (await pool.query(`SELECT doc FROM ${t.wishlists} WHERE user_id = 'u1'`)).rows[0]?.doc,
  });
  const apply = (event: RecordedEvent) => inTransaction(pool, (client) => applyEvents(client, cartsProjection, [event], target));

  beforeAll(async () => {
    pool = createPool(await testDatabaseUrl(), 4);
    await inTransaction(pool, (client) => cartsProjection.migrate(client, target));
  });
  afterAll(async () => {
    await pool?.end();
  });

  it('gets the same rows when every event is delivered twice', async () => {
    const history = [
      cart(0, 'CartItemAdded', { productId: 'p1', quantity: 1 }),
      cart(1, 'CartItemAdded', { productId: 'p2', quantity: 2 }),
      cart(2, 'CartItemQuantityChanged', { productId: 'p1', quantity: 3, previous: 1 }),
      wishlist(0, 'WishlistItemAdded', 'p3'),
      wishlist(1, 'WishlistItemAdded', 'p4'),
      cart(3, 'CartItemRemoved', { productId: 'p2' }),
      wishlist(2, 'WishlistItemRemoved', 'p3'),
    ];
    for (const event of history) {
      await apply(event);
      const once = await docs();
      await apply(event);
      expect(await docs()).toEqual(once);
    }
    const { cart: lines, wishlist: list } = await docs();
    expect(lines).toMatchObject({ lines: [{ productId: 'p1', quantity: 3 }], revision: 3 });
    expect(list).toMatchObject({ productIds: ['p4'], revision: 2 });
  });

  it('empties the cart at checkout, and a stale redelivery does not refill it', async () => {
    const cleared = cart(4, 'CartCleared', { reason: 'checked_out' });
    await apply(cleared);
    await apply(cart(2, 'CartItemQuantityChanged', { productId: 'p1', quantity: 3, previous: 1 }));
    expect((await docs()).cart).toMatchObject({ lines: [], revision: 4 });
  });
});

const userCart = (events: { type: string; data: Record<string, unknown> }[], from = 0) =>
  specRecorded(
    'cart-u2',
    events.map((e) => ({ type: e.type, data: { userId: 'u2', ...e.data, at } })),
    from,
  );
const userWishlist = (events: { type: string; data: Record<string, unknown> }[], from = 0) =>
  specRecorded(
    'wishlist-u2',
    events.map((e) => ({ type: e.type, data: { userId: 'u2', ...e.data, at } })),
    from,
  );

describeProjection('carts projection, batched', {
  projection: cartsProjection,
  tables: (target) => Object.values(cartTables(target)),
  guardedByRevision: true,
  cases: [
    {
      name: 'items added, changed and removed in one batch leave the cart of the last',
      given: userCart([{ type: 'CartItemAdded', data: { productId: 'p1', quantity: 1 } }]),
      when: [
        ...userCart(
          [
            { type: 'CartItemAdded', data: { productId: 'p2', quantity: 2 } },
            { type: 'CartItemQuantityChanged', data: { productId: 'p1', quantity: 3, previous: 1 } },
            { type: 'CartItemRemoved', data: { productId: 'p2' } },
          ],
          1,
        ),
        ...userWishlist([{ type: 'WishlistItemAdded', data: { productId: 'p3' } }]),
      ],
      then: (rows, [carts, wishlists]) => {
        expect((rows[carts!]![0] as { doc: unknown }).doc).toMatchObject({ lines: [{ productId: 'p1', quantity: 3 }], revision: 3 });
        expect((rows[wishlists!]![0] as { doc: unknown }).doc).toMatchObject({ productIds: ['p3'] });
      },
    },
  ],
});

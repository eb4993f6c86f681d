import type { PoolClient } from 'pg';
import type { RecordedEvent } from '@stayhub/infra';
import type { PgProjection } from '../projection.ts';
import { cartDocumentHandles, cartEventTypes, evolveCartDocument, evolveWishlistDocument, type CartDocument, type WishlistDocument } from './cart-document.ts';

export const CARTS = 'carts';

/** Table names of a target: `carts` and `carts_wishlists` live. */
export const cartTables = (target: string) => ({ carts: target, wishlists: `${target}_wishlists` });

const upsert = async <D extends { userId: string; updatedAt: string; revision: number }>(
  client: PoolClient,
  table: string,
  event: RecordedEvent,
  evolve: (doc: D | undefined, event: RecordedEvent) => D | undefined,
) => {
  const userId = (event.data as { userId: string }).userId;
  const { rows } = await client.query<{ doc: D }>(`SELECT doc FROM ${table} WHERE user_id = $1 FOR UPDATE`, [userId]);
  const before = rows[0]?.doc;
  const doc = evolve(before, event);
  if (!doc || doc === before) return;
  await client.query(
    `INSERT INTO ${table} (user_id, doc, updated_at) VALUES ($1,$2,$3)
     ON CONFLICT (user_id) DO UPDATE SET doc = excluded.doc, updated_at = excluded.updated_at`,
    [userId, JSON.stringify(doc), doc.updatedAt],
  );
};

/** Cart and wishlist per user, one row each. */
export const cartsProjection: PgProjection = {
  name: CARTS,
  handles: cartDocumentHandles,
  async migrate(client: PoolClient, target: string) {
    const t = cartTables(target);
    await client.query(`
      CREATE TABLE IF NOT EXISTS ${t.carts} (user_id text PRIMARY KEY, doc jsonb NOT NULL, updated_at timestamptz NOT NULL);
      CREATE TABLE IF NOT EXISTS ${t.wishlists} (user_id text PRIMARY KEY, doc jsonb NOT NULL, updated_at timestamptz NOT NULL);`);
  },
  async apply(client: PoolClient, event: RecordedEvent, target: string) {
    const t = cartTables(target);
    if (cartEventTypes.has(event.type)) await upsert<CartDocument>(client, t.carts, event, evolveCartDocument);
    else await upsert<WishlistDocument>(client, t.wishlists, event, evolveWishlistDocument);
  },
  async drop(client: PoolClient, target: string) {
    const t = cartTables(target);
    await client.query(`DROP TABLE IF EXISTS ${t.wishlists}; DROP TABLE IF EXISTS ${t.carts};`);
  },
};

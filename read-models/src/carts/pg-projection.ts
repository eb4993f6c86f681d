import type { PoolClient } from 'pg';
import type { RecordedEvent } from '@stayhub/event-sourcing';
import { allWrites, foldTable, type DocumentTable } from '../pg-documents.ts';
import type { PgProjection } from '../projection.ts';
import { cartEventTypes, cartDocumentHandles, evolveCartDocument, evolveWishlistDocument, wishlistEventTypes } from './cart-document.ts';

const CARTS = 'carts';

/** Table names of a target: `carts` and `carts_wishlists` live. */
export const cartTables = (target: string) => ({ carts: target, wishlists: `${target}_wishlists` });

const perUser = <D extends { userId: string; updatedAt: string }>(
  table: (target: string) => string,
  handles: ReadonlySet<string>,
  evolve: (doc: D | undefined, event: RecordedEvent) => D | undefined,
): DocumentTable<D> => ({
  table,
  key: 'user_id',
  handles,
  keyOf: (event) => (event.data as { userId: string }).userId,
  evolve,
  row: (doc) => ({ user_id: doc.userId, doc, updated_at: doc.updatedAt }),
});

const carts = perUser((target) => cartTables(target).carts, cartEventTypes, evolveCartDocument);
const wishlists = perUser((target) => cartTables(target).wishlists, wishlistEventTypes, evolveWishlistDocument);

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
  async index() {},
  fold: async (db, events, target, options) =>
    allWrites(await Promise.all([foldTable(db, carts, events, target, options), foldTable(db, wishlists, events, target, options)])),
  async drop(client: PoolClient, target: string) {
    const t = cartTables(target);
    await client.query(`DROP TABLE IF EXISTS ${t.wishlists}; DROP TABLE IF EXISTS ${t.carts};`);
  },
};

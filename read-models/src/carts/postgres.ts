import type { Pool } from 'pg';
import { liveTargets } from '../checkpoints.ts';
import type { CartDocumentView, CartReader, WishlistView } from './port.ts';

const CARTS = 'carts';

export class PgCartReader implements CartReader {
  constructor(private readonly pool: Pool) {}

  async cart(userId: string): Promise<CartDocumentView | undefined> {
    const { carts } = await liveTargets(this.pool, [CARTS]);
    const { rows } = await this.pool.query<{ doc: CartDocumentView }>(`SELECT doc - 'revision' AS doc FROM ${carts} WHERE user_id = $1`, [userId]);
    return rows[0]?.doc;
  }

  async wishlist(userId: string): Promise<WishlistView | undefined> {
    const { carts } = await liveTargets(this.pool, [CARTS]);
    const { rows } = await this.pool.query<{ doc: WishlistView }>(`SELECT doc - 'revision' AS doc FROM ${carts}_wishlists WHERE user_id = $1`, [userId]);
    return rows[0]?.doc;
  }
}

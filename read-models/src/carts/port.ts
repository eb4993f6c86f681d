/** Carts and wishlists per shopper, as the projectors keep them. */
type CartLineView = { productId: string; quantity: number };
export type CartDocumentView = { userId: string; lines: CartLineView[]; updatedAt: string };
export type WishlistView = { userId: string; productIds: string[]; updatedAt: string };

export interface CartReader {
  cart(userId: string): Promise<CartDocumentView | undefined>;
  wishlist(userId: string): Promise<WishlistView | undefined>;
}

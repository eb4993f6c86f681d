import { z } from 'zod';
import { assertNever, unknownEvent, type Decider } from '../../shared/decider.ts';
import { Id, Instant } from '../../shared/primitives.ts';

/** One wishlist per user. Moving an item to the cart is AddToCart + RemoveFromWishlist, sent by the API. */
export const wishlistStreamId = (userId: string): string => `wishlist-${userId}`;

const item = z.object({ userId: Id, productId: Id, now: Instant });
const AddToWishlist = z.object({ type: z.literal('AddToWishlist'), data: item });
const RemoveFromWishlist = z.object({ type: z.literal('RemoveFromWishlist'), data: item });
export const WishlistCommand = z.discriminatedUnion('type', [AddToWishlist, RemoveFromWishlist]);
export type WishlistCommand = z.infer<typeof WishlistCommand>;

const WishlistItemData = z.object({ userId: Id, productId: Id, at: Instant });
export const WishlistEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('WishlistItemAdded'), data: WishlistItemData }),
  z.object({ type: z.literal('WishlistItemRemoved'), data: WishlistItemData }),
]);
export type WishlistEvent = z.infer<typeof WishlistEvent>;

export type WishlistState = { productIds: string[] };

const decide = (command: WishlistCommand, state: WishlistState): WishlistEvent[] => {
  const { userId, productId, now: at } = command.data;
  const listed = state.productIds.includes(productId);
  switch (command.type) {
    case 'AddToWishlist':
      return listed ? [] : [{ type: 'WishlistItemAdded', data: { userId, productId, at } }];
    case 'RemoveFromWishlist':
      return listed ? [{ type: 'WishlistItemRemoved', data: { userId, productId, at } }] : [];
    default:
      return assertNever(command);
  }
};

const evolve = (state: WishlistState, event: WishlistEvent): WishlistState => {
  const { productId } = event.data;
  switch (event.type) {
    case 'WishlistItemAdded':
      return state.productIds.includes(productId) ? state : { productIds: [...state.productIds, productId] };
    case 'WishlistItemRemoved':
      return { productIds: state.productIds.filter((id) => id !== productId) };
    default:
      return unknownEvent(state, event);
  }
};

export const wishlistDecider: Decider<WishlistCommand, WishlistState, WishlistEvent> = {
  initialState: { productIds: [] },
  evolve,
  decide,
};

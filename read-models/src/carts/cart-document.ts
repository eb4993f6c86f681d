import type { RecordedEvent } from '@stayhub/event-sourcing';
import { commerce } from '@stayhub/domain';

/** A shopper's cart: product ids and quantities (prices are looked up when read, and fixed only at checkout). */
export type CartDocument = { userId: string; lines: commerce.CartLine[]; revision: number; updatedAt: string };
/** A shopper's wishlist, oldest first. */
export type WishlistDocument = { userId: string; productIds: string[]; revision: number; updatedAt: string };

export const cartEventTypes: ReadonlySet<string> = new Set(commerce.CartEvent.options.map((option) => option.shape.type.value));
export const wishlistEventTypes: ReadonlySet<string> = new Set(commerce.WishlistEvent.options.map((option) => option.shape.type.value));
export const cartDocumentHandles = new Set<string>([...cartEventTypes, ...wishlistEventTypes]);

type Data = { userId: string; at?: string };

/** Pure: folds the event with the cart decider's own `evolve`; a redelivered event changes nothing. */
export const evolveCartDocument = (doc: CartDocument | undefined, event: RecordedEvent): CartDocument | undefined => {
  if (doc && event.streamRevision <= doc.revision) return doc;
  const data = event.data as Data;
  const state = commerce.cartDecider.evolve(doc ?? commerce.cartDecider.initialState, { type: event.type, data } as commerce.CartEvent);
  return { userId: data.userId, lines: state.lines, revision: event.streamRevision, updatedAt: data.at ?? event.occurredAt };
};

export const evolveWishlistDocument = (doc: WishlistDocument | undefined, event: RecordedEvent): WishlistDocument | undefined => {
  if (doc && event.streamRevision <= doc.revision) return doc;
  const data = event.data as Data;
  const state = commerce.wishlistDecider.evolve(doc ?? commerce.wishlistDecider.initialState, { type: event.type, data } as commerce.WishlistEvent);
  return { userId: data.userId, productIds: state.productIds, revision: event.streamRevision, updatedAt: data.at ?? event.occurredAt };
};

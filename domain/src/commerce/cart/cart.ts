import { z } from 'zod';
import { assertNever, unknownEvent, type Decider } from '../../shared/decider.ts';
import { ensure } from '../../shared/errors.ts';
import { Id, Instant } from '../../shared/primitives.ts';

/** One cart per user. It keeps product ids and quantities only: prices are snapshotted at checkout. */
export const cartStreamId = (userId: string): string => `cart-${userId}`;

export const MAX_CART_LINE_QUANTITY = 99;

// Commands
const AddToCart = z.object({
  type: z.literal('AddToCart'),
  data: z.object({ userId: Id, productId: Id, quantity: z.number().int().min(1).max(MAX_CART_LINE_QUANTITY), now: Instant }),
});
const SetCartItemQuantity = z.object({
  type: z.literal('SetCartItemQuantity'),
  data: z.object({ userId: Id, productId: Id, quantity: z.number().int().min(0).max(MAX_CART_LINE_QUANTITY), now: Instant }),
});
const RemoveFromCart = z.object({
  type: z.literal('RemoveFromCart'),
  data: z.object({ userId: Id, productId: Id, now: Instant }),
});
const CartClearReason = z.enum(['checked_out', 'user']);
const ClearCart = z.object({
  type: z.literal('ClearCart'),
  data: z.object({ userId: Id, reason: CartClearReason, now: Instant }),
});
export const CartCommand = z.discriminatedUnion('type', [AddToCart, SetCartItemQuantity, RemoveFromCart, ClearCart]);
export type CartCommand = z.infer<typeof CartCommand>;

// Events: `CartItemAdded` opens a line, `CartItemQuantityChanged` carries the line's new quantity.
const LineQuantity = z.number().int().min(1).max(MAX_CART_LINE_QUANTITY);
const CartItemAddedData = z.object({ userId: Id, productId: Id, quantity: LineQuantity, at: Instant });
const CartItemQuantityChangedData = z.object({ userId: Id, productId: Id, quantity: LineQuantity, previous: LineQuantity, at: Instant });
const CartItemRemovedData = z.object({ userId: Id, productId: Id, at: Instant });
const CartClearedData = z.object({ userId: Id, reason: CartClearReason, at: Instant });
export const CartEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('CartItemAdded'), data: CartItemAddedData }),
  z.object({ type: z.literal('CartItemQuantityChanged'), data: CartItemQuantityChangedData }),
  z.object({ type: z.literal('CartItemRemoved'), data: CartItemRemovedData }),
  z.object({ type: z.literal('CartCleared'), data: CartClearedData }),
]);
export type CartEvent = z.infer<typeof CartEvent>;

export type CartLine = { productId: string; quantity: number };
export type CartState = { lines: CartLine[] };

const quantityOf = (state: CartState, productId: string): number => state.lines.find((line) => line.productId === productId)?.quantity ?? 0;

const lineQuantity = (quantity: number, min: number): void =>
  ensure(
    Number.isInteger(quantity) && quantity >= min && quantity <= MAX_CART_LINE_QUANTITY,
    'AMOUNT_INVALID',
    `A cart line holds ${min} to ${MAX_CART_LINE_QUANTITY} items`,
    { quantity },
  );

/** From the current quantity of a line to the wanted one, as events. */
const setTo = (state: CartState, userId: string, productId: string, quantity: number, at: string): CartEvent[] => {
  const previous = quantityOf(state, productId);
  if (quantity === previous) return [];
  if (quantity === 0) return [{ type: 'CartItemRemoved', data: { userId, productId, at } }];
  if (previous === 0) return [{ type: 'CartItemAdded', data: { userId, productId, quantity, at } }];
  return [{ type: 'CartItemQuantityChanged', data: { userId, productId, quantity, previous, at } }];
};

const decide = (command: CartCommand, state: CartState): CartEvent[] => {
  const { data } = command;
  switch (command.type) {
    case 'AddToCart': {
      lineQuantity(command.data.quantity, 1);
      const quantity = quantityOf(state, command.data.productId) + command.data.quantity;
      lineQuantity(quantity, 1);
      return setTo(state, data.userId, command.data.productId, quantity, data.now);
    }
    case 'SetCartItemQuantity':
      lineQuantity(command.data.quantity, 0);
      return setTo(state, data.userId, command.data.productId, command.data.quantity, data.now);
    case 'RemoveFromCart':
      return setTo(state, data.userId, command.data.productId, 0, data.now);
    case 'ClearCart':
      return state.lines.length === 0 ? [] : [{ type: 'CartCleared', data: { userId: data.userId, reason: command.data.reason, at: data.now } }];
    default:
      return assertNever(command);
  }
};

const withLine = (state: CartState, productId: string, quantity: number): CartState => ({
  lines: state.lines.some((line) => line.productId === productId)
    ? state.lines.map((line) => (line.productId === productId ? { productId, quantity } : line))
    : [...state.lines, { productId, quantity }],
});

const evolve = (state: CartState, event: CartEvent): CartState => {
  switch (event.type) {
    case 'CartItemAdded':
    case 'CartItemQuantityChanged':
      return withLine(state, event.data.productId, event.data.quantity);
    case 'CartItemRemoved':
      return { lines: state.lines.filter((line) => line.productId !== event.data.productId) };
    case 'CartCleared':
      return { lines: [] };
    default:
      return unknownEvent(state, event);
  }
};

export const cartDecider: Decider<CartCommand, CartState, CartEvent> = {
  initialState: { lines: [] },
  evolve,
  decide,
};

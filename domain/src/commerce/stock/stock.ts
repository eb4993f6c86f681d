import { z } from 'zod';
import { assertNever, unknownEvent, type Decider } from '../../shared/decider.ts';
import { ensure, fail } from '../../shared/errors.ts';
import { Id, Instant } from '../../shared/primitives.ts';
import { Quantity, Sku } from '../primitives.ts';

/** One stream per SKU: the consistency boundary that keeps concurrent checkouts from overselling. */
export const stockStreamId = (sku: string): string => `stock-${sku}`;

export const StockReleaseReason = z.enum(['out_of_stock', 'payment_declined', 'expired', 'cancelled', 'order_closed']);
export type StockReleaseReason = z.infer<typeof StockReleaseReason>;

// Commands
const ReceiveStock = z.object({
  type: z.literal('ReceiveStock'),
  data: z.object({ sku: Sku, quantity: Quantity, receiptId: Id, now: Instant }),
});
const HoldStock = z.object({
  type: z.literal('HoldStock'),
  data: z.object({ sku: Sku, holdId: Id, quantity: Quantity, expiresAt: Instant, now: Instant }),
});
const ConfirmStock = z.object({
  type: z.literal('ConfirmStock'),
  data: z.object({ sku: Sku, holdId: Id, now: Instant }),
});
const ReleaseStock = z.object({
  type: z.literal('ReleaseStock'),
  data: z.object({ sku: Sku, holdId: Id, reason: StockReleaseReason, now: Instant }),
});
export const StockCommand = z.discriminatedUnion('type', [ReceiveStock, HoldStock, ConfirmStock, ReleaseStock]);
export type StockCommand = z.infer<typeof StockCommand>;

// Events
const StockReceivedData = z.object({ sku: Sku, receiptId: Id, quantity: Quantity, at: Instant });
const StockHeldData = z.object({ sku: Sku, holdId: Id, quantity: Quantity, expiresAt: Instant, at: Instant });
const StockHoldConfirmedData = z.object({ sku: Sku, holdId: Id, quantity: Quantity, at: Instant });
const StockReleasedData = z.object({ sku: Sku, holdId: Id, quantity: Quantity, reason: StockReleaseReason, at: Instant });
export const StockEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('StockReceived'), data: StockReceivedData }),
  z.object({ type: z.literal('StockHeld'), data: StockHeldData }),
  z.object({ type: z.literal('StockHoldConfirmed'), data: StockHoldConfirmedData }),
  z.object({ type: z.literal('StockReleased'), data: StockReleasedData }),
]);
export type StockEvent = z.infer<typeof StockEvent>;

type StockHold = { quantity: number; expiresAt: string; status: 'held' | 'confirmed' | 'released' };
/** `onHand` counts units in the warehouse; confirmed holds have left it, held ones are reserved. */
export type StockState = { onHand: number; holds: Record<string, StockHold>; receipts: Record<string, true> };

export const availableOf = (state: StockState): number =>
  state.onHand - Object.values(state.holds).reduce((sum, hold) => sum + (hold.status === 'held' ? hold.quantity : 0), 0);

const positive = (quantity: number): void =>
  ensure(Number.isSafeInteger(quantity) && quantity > 0, 'AMOUNT_INVALID', 'Quantity must be a whole number above 0', { quantity });

const receive = ({ data }: z.infer<typeof ReceiveStock>, state: StockState): StockEvent[] => {
  positive(data.quantity);
  if (state.receipts[data.receiptId]) return [];
  return [{ type: 'StockReceived', data: { sku: data.sku, receiptId: data.receiptId, quantity: data.quantity, at: data.now } }];
};

const hold = ({ data }: z.infer<typeof HoldStock>, state: StockState): StockEvent[] => {
  positive(data.quantity);
  // The hold id is the order id: a retried task must not reserve twice, nor revive a released hold.
  if (state.holds[data.holdId]) return [];
  const available = availableOf(state);
  ensure(available >= data.quantity, 'OUT_OF_STOCK', `Only ${available} of ${data.sku} available`, {
    sku: data.sku,
    available,
    requested: data.quantity,
  });
  const { now, ...held } = data;
  return [{ type: 'StockHeld', data: { ...held, at: now } }];
};

const confirm = ({ data }: z.infer<typeof ConfirmStock>, state: StockState): StockEvent[] => {
  const held = state.holds[data.holdId] ?? fail('STOCK_HOLD_NOT_FOUND', 'No such stock hold', { holdId: data.holdId });
  ensure(held.status !== 'released', 'STOCK_HOLD_RELEASED', 'The stock hold was already released', { holdId: data.holdId });
  if (held.status === 'confirmed') return [];
  return [{ type: 'StockHoldConfirmed', data: { sku: data.sku, holdId: data.holdId, quantity: held.quantity, at: data.now } }];
};

const release = ({ data }: z.infer<typeof ReleaseStock>, state: StockState): StockEvent[] => {
  const held = state.holds[data.holdId];
  if (held?.status !== 'held') return [];
  return [{ type: 'StockReleased', data: { sku: data.sku, holdId: data.holdId, quantity: held.quantity, reason: data.reason, at: data.now } }];
};

const decide = (command: StockCommand, state: StockState): StockEvent[] => {
  switch (command.type) {
    case 'ReceiveStock':
      return receive(command, state);
    case 'HoldStock':
      return hold(command, state);
    case 'ConfirmStock':
      return confirm(command, state);
    case 'ReleaseStock':
      return release(command, state);
    default:
      return assertNever(command);
  }
};

const withHold = (state: StockState, holdId: string, status: StockHold['status']): StockState => {
  const held = state.holds[holdId];
  return held ? { ...state, holds: { ...state.holds, [holdId]: { ...held, status } } } : state;
};

const evolve = (state: StockState, event: StockEvent): StockState => {
  switch (event.type) {
    case 'StockReceived':
      return { ...state, onHand: state.onHand + event.data.quantity, receipts: { ...state.receipts, [event.data.receiptId]: true } };
    case 'StockHeld': {
      const { holdId, quantity, expiresAt } = event.data;
      return { ...state, holds: { ...state.holds, [holdId]: { quantity, expiresAt, status: 'held' } } };
    }
    case 'StockHoldConfirmed': {
      const held = state.holds[event.data.holdId];
      if (held?.status !== 'held') return state;
      return { ...withHold(state, event.data.holdId, 'confirmed'), onHand: state.onHand - held.quantity };
    }
    case 'StockReleased':
      return withHold(state, event.data.holdId, 'released');
    default:
      return unknownEvent(state, event);
  }
};

export const stockDecider: Decider<StockCommand, StockState, StockEvent> = {
  initialState: { onHand: 0, holds: {}, receipts: {} },
  evolve,
  decide,
};

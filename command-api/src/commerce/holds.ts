import { commerce, DomainError } from '@stayhub/domain';
import type { EventMetadata, Handled } from '@stayhub/event-sourcing';
import type { CommandDeps } from '../shared/deps.ts';

type OrderHandled = Handled<commerce.OrderState, commerce.OrderEvent>;
export type HoldOutcome =
  | { kind: 'held'; handled: OrderHandled }
  | { kind: 'unavailable'; handled: OrderHandled; error: DomainError }
  /** The order's hold on this SKU exists but was released already: nothing to report. */
  | { kind: 'released' };

/**
 * Holds one order line on its SKU's stream, then tells the order. The hold id is the order id,
 * so the checkout request and the workflow's HoldStock task may both run it: the second changes
 * nothing. Out of stock is an answer, not an error: the order records it and fails.
 */
export const holdLine = async (
  deps: CommandDeps,
  line: { orderId: string; sku: string; quantity: number; expiresAt: string },
  metadata: EventMetadata,
): Promise<HoldOutcome> => {
  const { orderId, sku } = line;
  const at = () => deps.clock.now().toISOString();
  const order = (command: commerce.OrderCommand) => deps.processor.handle(commerce.orderStreamId(orderId), commerce.orderDecider, command, metadata);
  try {
    const held = await deps.processor.handle(
      commerce.stockStreamId(sku),
      commerce.stockDecider,
      { type: 'HoldStock', data: { sku, holdId: orderId, quantity: line.quantity, expiresAt: line.expiresAt, now: at() } },
      metadata,
    );
    if (held.state.holds[orderId]?.status === 'released') return { kind: 'released' };
  } catch (error) {
    if (!(error instanceof DomainError) || error.code !== 'OUT_OF_STOCK') throw error;
    return { kind: 'unavailable', error, handled: await order({ type: 'RecordStockUnavailable', data: { orderId, sku, now: at() } }) };
  }
  return { kind: 'held', handled: await order({ type: 'RecordStockHeld', data: { orderId, sku, now: at() } }) };
};

export type OrderHolds = {
  state: commerce.OrderState;
  /** Position of the last append ('' if nothing was appended). */
  position: string;
  unavailable?: DomainError;
};

/** Holds every line of an order not yet held, in SKU order; stops at the first SKU that is out of stock. */
export const holdOrder = async (deps: CommandDeps, order: Exclude<commerce.OrderState, { status: 'none' }>, metadata: EventMetadata): Promise<OrderHolds> => {
  let result: OrderHolds = { state: order, position: '' };
  const pending = order.lines.filter((line) => !order.heldSkus.includes(line.sku)).sort((a, b) => a.sku.localeCompare(b.sku));
  for (const line of pending) {
    const outcome = await holdLine(deps, { orderId: order.orderId, sku: line.sku, quantity: line.quantity, expiresAt: order.paymentDeadline }, metadata);
    if (outcome.kind === 'released') continue;
    result = { state: outcome.handled.state, position: outcome.handled.position || result.position };
    if (outcome.kind === 'unavailable') return { ...result, unavailable: outcome.error };
  }
  return result;
};

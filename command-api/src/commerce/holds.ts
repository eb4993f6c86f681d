import { commerce, DomainError } from '@stayhub/domain';
import type { EventMetadata, Handled } from '@stayhub/infra';
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
  const order = (command: commerce.OrderCommand) =>
    deps.processor.handle(commerce.orderStreamId(orderId), commerce.orderDecider, command, metadata);
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

import { commerce, DomainError, type PaymentOperation } from '@stayhub/domain';
import type { EventMetadata, Workflow } from '@stayhub/event-sourcing';
import { PaymentGatewayError } from '@stayhub/payments';
import type { CommandDeps } from '../shared/deps.ts';
import { holdLine, holdOrder } from './holds.ts';

type Task = commerce.CheckoutTask;

/** Tasks that move money: parked, they show on the order as a payment issue. */
const moneyOperation: Partial<Record<Task['type'], PaymentOperation>> = { RequestPayment: 'capture', RefundPayment: 'refund' };

/**
 * The checkout saga: reactions are decided in the domain (`checkoutReactions`), tasks are carried
 * out here as commands or gateway calls. The task id is the gateway's idempotency key, so a task
 * retried after a crash never charges or refunds twice. A gateway that does not answer fails the
 * task, which the runner retries with backoff, while the order's durable deadline keeps running.
 */
export const checkoutWorkflow = (deps: CommandDeps): Workflow<Task> => {
  const load = async (orderId: string) => (await deps.processor.load(commerce.orderStreamId(orderId), commerce.orderDecider, { current: true })).state;
  const order = (orderId: string, command: commerce.OrderCommand, metadata: EventMetadata) =>
    deps.processor.handle(commerce.orderStreamId(orderId), commerce.orderDecider, command, metadata);
  const stock = (sku: string, command: commerce.StockCommand, metadata: EventMetadata) =>
    deps.processor.handle(commerce.stockStreamId(sku), commerce.stockDecider, command, metadata);

  const cardOf = async (orderId: string): Promise<string> => {
    const token = await deps.secrets.paymentMethod(orderId);
    if (!token) throw new Error(`order ${orderId} has no card token in its payment record`);
    return token;
  };

  return {
    name: 'checkout',
    // With the runner's backoff (at most a minute apart), 30 attempts keep a payment retried past the 15-minute deadline.
    maxAttempts: 30,
    react: (event) => commerce.checkoutReactions(event),
    onParked: async (task, { now, taskId, error }) => {
      const operation = moneyOperation[task.type];
      if (!operation) return;
      const data = { orderId: task.orderId, taskId, operation, error: error.slice(0, 2000), now: now.toISOString() };
      await order(task.orderId, { type: 'RecordPaymentIssue', data }, { actor: 'workflow:checkout', causationId: taskId, correlationId: task.orderId });
    },
    onRecovered: async (task, { now, taskId }) => {
      if (!moneyOperation[task.type]) return;
      const data = { orderId: task.orderId, taskId, now: now.toISOString() };
      await order(task.orderId, { type: 'ResolvePaymentIssue', data }, { actor: 'workflow:checkout', causationId: taskId, correlationId: task.orderId });
    },
    execute: async (task, { now, taskId, attempt }) => {
      const at = now.toISOString();
      const metadata: EventMetadata = { actor: 'workflow:checkout', causationId: taskId, correlationId: task.orderId };
      switch (task.type) {
        case 'HoldStock': {
          // Checkout holds inline; this covers a crash between placing the order and holding its stock.
          const state = await load(task.orderId);
          if (state.status !== 'placed' || state.heldSkus.includes(task.sku)) return;
          await holdLine(deps, task, metadata);
          return;
        }
        case 'RequestPayment': {
          const state = await load(task.orderId);
          if (state.status !== 'payment_pending') {
            // An earlier attempt may have charged and lost the answer before the deadline closed the
            // order: record that charge, so the order refunds it (OrderLatePaymentReceived).
            const earlier = attempt > 1 ? await deps.gateway.findCharge(taskId) : undefined;
            if (earlier?.status === 'captured') {
              await order(
                task.orderId,
                { type: 'RecordPaymentSucceeded', data: { orderId: task.orderId, paymentId: earlier.paymentId, amount: earlier.amount, now: at } },
                metadata,
              );
            }
            return;
          }
          try {
            const paymentMethod = await cardOf(task.orderId);
            const result = await deps.gateway.charge({ idempotencyKey: taskId, amount: task.amount, paymentMethod, reference: task.orderId });
            await order(
              task.orderId,
              result.status === 'captured'
                ? { type: 'RecordPaymentSucceeded', data: { orderId: task.orderId, paymentId: result.paymentId, amount: result.amount, now: at } }
                : { type: 'RecordPaymentFailed', data: { orderId: task.orderId, reason: result.reason, now: at } },
              metadata,
            );
          } catch (error) {
            // PaymentGatewayUnavailable is rethrown: the runner retries, the ExpireOrder deadline still runs.
            if (!(error instanceof PaymentGatewayError)) throw error;
            await order(task.orderId, { type: 'RecordPaymentFailed', data: { orderId: task.orderId, reason: error.code, now: at } }, metadata);
          }
          return;
        }
        case 'ExpireOrder':
          await order(task.orderId, { type: 'ExpireOrder', data: { orderId: task.orderId, now: at } }, metadata);
          return;
        case 'ConfirmStock':
          try {
            await stock(task.sku, { type: 'ConfirmStock', data: { sku: task.sku, holdId: task.orderId, now: at } }, metadata);
          } catch (error) {
            // A paid order whose hold is gone was sold without stock: retrying cannot fix it, a person must.
            if (!(error instanceof DomainError)) throw error;
            deps.log.error({ err: error, orderId: task.orderId, sku: task.sku }, 'a paid order could not confirm its stock hold');
          }
          return;
        case 'ReleaseStock':
          await stock(task.sku, { type: 'ReleaseStock', data: { sku: task.sku, holdId: task.orderId, reason: task.reason, now: at } }, metadata);
          return;
        case 'ReceiveStock':
          await stock(task.sku, { type: 'ReceiveStock', data: { sku: task.sku, quantity: task.quantity, receiptId: task.receiptId, now: at } }, metadata);
          return;
        case 'RefundPayment': {
          const state = await load(task.orderId);
          const paymentId = task.paymentId ?? (state.status === 'none' ? null : state.paymentId);
          if (!paymentId || task.amount.amount <= 0) return;
          const refund = await deps.gateway.refund({ idempotencyKey: taskId, paymentId, amount: task.amount, reference: task.orderId });
          await order(
            task.orderId,
            { type: 'RecordRefund', data: { orderId: task.orderId, refundId: refund.refundId, amount: refund.amount, now: at } },
            metadata,
          );
          return;
        }
        case 'ClearCart': {
          let state = await load(task.orderId);
          // The cart is emptied once the order has its stock. If the checkout is still holding it, help: holds are idempotent.
          if (state.status === 'placed') state = (await holdOrder(deps, state, metadata)).state;
          if (state.status === 'placed') throw new Error(`order ${task.orderId} has not got its stock yet; the cart is cleared after`);
          // An order refused for stock (or never paid) leaves the cart as it was, to try again.
          if (state.status === 'none' || state.status === 'failed' || state.status === 'expired') return;
          await deps.processor.handle(
            commerce.cartStreamId(task.userId),
            commerce.cartDecider,
            { type: 'ClearCart', data: { userId: task.userId, reason: 'checked_out', now: at } },
            metadata,
          );
          return;
        }
        default:
          return assertTask(task);
      }
    },
  };
};

const assertTask = (task: never): never => {
  throw new Error(`Unknown checkout task ${JSON.stringify(task)}`);
};

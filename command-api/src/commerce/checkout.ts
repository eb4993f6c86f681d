import { z } from 'zod';
import { commerce } from '@stayhub/domain';
import { type Handled, type Step, newId } from '@stayhub/event-sourcing';
import { defineRoute, type Route } from '@stayhub/http-kit';
import type { CommandDeps } from '../shared/deps.ts';
import { accepted, IdParam, metadataOf } from '../shared/http.ts';
import { loadActiveProduct } from './streams.ts';

const Item = z.object({ productId: IdParam.shape.id, quantity: z.number().int().min(1).max(commerce.MAX_CART_LINE_QUANTITY) });
const CheckoutBody = z
  .object({
    fromCart: z.literal(true).optional(),
    items: z.array(Item).min(1).max(100).optional(),
    shippingPostalCode: z.string().trim().min(2).max(12),
    paymentMethod: z.string().min(1).max(200),
  })
  .refine((b) => (b.fromCart === true) !== (b.items !== undefined), { message: 'give fromCart: true, or items, not both', path: ['items'] });

export const checkoutRoutes = (deps: CommandDeps): Route[] => [
  defineRoute({
    method: 'post',
    path: '/checkout',
    summary:
      'Order the cart (fromCart: true) or a list of products at their current prices. Stock is held before the answer: ' +
      '201 with status payment_pending, or 409 OUT_OF_STOCK (then nothing is stored: no order, no hold). Payment follows within the deadline.',
    tags: ['orders'],
    auth: 'user',
    body: CheckoutBody,
    responses: { 201: { description: 'The order is placed and its stock held until the payment deadline' } },
    handler: async ({ body, req, user }) => {
      const userId = user!.userId;
      const now = deps.clock.now().toISOString();
      const metadata = metadataOf(req, user);
      const items = body.items ?? (await deps.processor.load(commerce.cartStreamId(userId), commerce.cartDecider)).state.lines;
      // Prices, names and delivery areas are snapshotted from each product's own stream.
      const lines: commerce.PlaceOrderLine[] = await Promise.all(
        items.map(async ({ productId, quantity }) => {
          const product = await loadActiveProduct(deps, productId);
          return { productId, sku: product.sku, name: product.name, unitPrice: product.price, quantity, shipping: product.shipping };
        }),
      );
      const orderId = newId();
      // the card token goes to the payment record, never into an event
      await deps.secrets.savePaymentMethod(orderId, body.paymentMethod);
      type Placed = Exclude<commerce.OrderState, { status: 'none' }>;
      const placedOrder = (earlier: Handled<any, any>[]) => earlier[0]!.state as Placed;
      const lineOf = (earlier: Handled<any, any>[], sku: string) => placedOrder(earlier).lines.find((line) => line.sku === sku)!;
      // The order and the hold of every line in one atomic append (lines in SKU order): stock that is
      // short refuses the whole checkout, and nothing is stored, neither the order nor any hold.
      const steps: Step[] = [
        {
          streamId: commerce.orderStreamId(orderId),
          decider: commerce.orderDecider,
          fresh: true,
          command: {
            type: 'PlaceOrder',
            data: {
              orderId,
              userId,
              lines,
              shippingPostalCode: body.shippingPostalCode,
              paymentDeadline: commerce.paymentDeadlineFor(now, deps.settings.ORDER_PAYMENT_TIMEOUT_MINUTES),
              fromCart: body.fromCart === true,
              now,
            },
          },
        },
        ...[...new Set(lines.map((line) => line.sku))].sort().flatMap((sku): Step[] => [
          {
            streamId: commerce.stockStreamId(sku),
            decider: commerce.stockDecider,
            command: (earlier: Handled<any, any>[]) => ({
              type: 'HoldStock',
              data: { sku, holdId: orderId, quantity: lineOf(earlier, sku).quantity, expiresAt: placedOrder(earlier).paymentDeadline, now },
            }),
          },
          { streamId: commerce.orderStreamId(orderId), decider: commerce.orderDecider, command: { type: 'RecordStockHeld', data: { orderId, sku, now } } },
        ]),
      ];
      // A short SKU is the domain's OUT_OF_STOCK: a 409 problem naming the SKU, what is available and what was asked.
      const handled = await deps.processor.handleAll(steps, metadata);
      const order = handled.at(-1)!.state as commerce.OrderState;
      if (order.status === 'none') throw new Error('an order was placed but its state is empty');
      const position = handled.find((h) => h.position)?.position ?? '';
      return accepted(
        201,
        { orderId, status: order.status, total: order.total, lines: order.lines, paymentDeadline: order.paymentDeadline },
        position,
        `/orders/${orderId}`,
      );
    },
  }),
];

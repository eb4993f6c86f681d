import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';
import { commerce } from '@stayhub/domain';
import { defineRoute, HttpProblem, type Route } from '@stayhub/infra';
import type { CommandDeps } from '../shared/deps.ts';
import { accepted, IdParam, metadataOf } from '../shared/http.ts';
import { holdOrder, type OrderHolds } from './holds.ts';
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
      '201 with status payment_pending, or 409 OUT_OF_STOCK (the order is then failed). Payment follows within the deadline.',
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
      const orderId = uuidv7();
      // the card token goes to the payment record, never into an event
      await deps.secrets.savePaymentMethod(orderId, body.paymentMethod);
      const placed = await deps.processor.handle(
        commerce.orderStreamId(orderId),
        commerce.orderDecider,
        {
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
        metadata,
      );
      if (placed.state.status === 'none') throw new Error('an order was placed but its state is empty');
      const order = placed.state;
      // Held before the answer, so that the client learns at once whether it got the stock.
      const held = await holdOrder(deps, order, metadata).catch((error: unknown): OrderHolds => {
        // The order is placed: its workflow holds what is left, so the client must not retry into a second order.
        deps.log.warn({ err: error, orderId }, 'stock hold failed during checkout; the workflow will retry it');
        return { state: order, position: '' };
      });
      const { state, unavailable } = held;
      const position = held.position || placed.position;
      if (unavailable) {
        throw new HttpProblem(409, 'OUT_OF_STOCK', unavailable.message, {
          type: 'urn:stayhub:error:OUT_OF_STOCK',
          code: 'OUT_OF_STOCK',
          orderId,
          order: { orderId, status: state.status },
          ...(unavailable.details ? { details: unavailable.details } : {}),
          consistencyToken: position,
        });
      }
      return accepted(201, { orderId, status: state.status, total: order.total, lines: order.lines, paymentDeadline: order.paymentDeadline }, position, `/orders/${orderId}`);
    },
  }),
];

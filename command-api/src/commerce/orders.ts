import type { Request } from 'express';
import { z } from 'zod';
import { commerce, fail } from '@stayhub/domain';
import { defineRoute, type AuthUser, type Route } from '@stayhub/http-kit';
import type { CommandDeps } from '../shared/deps.ts';
import { accepted, IdParam, metadataOf } from '../shared/http.ts';
import { loadOrderFor, loadProduct, type Order } from './streams.ts';

const CancelBody = z.object({ reason: z.string().trim().max(500).optional() }).default({});
const ShipBody = z.object({ carrier: z.string().trim().max(100).optional(), tracking: z.string().trim().max(200).optional() }).default({});

export const orderRoutes = (deps: CommandDeps): Route[] => {
  const now = () => deps.clock.now().toISOString();
  const handle = (orderId: string, command: commerce.OrderCommand, req: Request, user?: AuthUser) =>
    deps.processor.handle(commerce.orderStreamId(orderId), commerce.orderDecider, command, metadataOf(req, user));
  const reply = (orderId: string, handled: { state: commerce.OrderState; position: string }) => {
    const state = handled.state;
    return accepted(200, { orderId, status: state.status, ...(state.status === 'none' ? {} : { total: state.total }) }, handled.position, `/orders/${orderId}`);
  };
  /** Shipping is the sellers' job: the caller must sell every line of the order (an admin may act for them). */
  const ensureSellerOf = async (order: Order, user: AuthUser): Promise<void> => {
    if (user.role === 'admin') return;
    const products = await Promise.all([...new Set(order.lines.map((line) => line.productId))].map((id) => loadProduct(deps, id)));
    if (products.some((product) => product.sellerId !== user.userId))
      fail('NOT_PRODUCT_SELLER', 'Only the seller of every line may ship or deliver this order');
  };

  return [
    defineRoute({
      method: 'post',
      path: '/orders/:id/cancel',
      summary: 'Cancel an order before it ships: held stock is released, shelved stock restocked, any payment refunded',
      tags: ['orders'],
      auth: 'user',
      params: IdParam,
      body: CancelBody,
      handler: async ({ params, body, req, user }) => {
        const order = await loadOrderFor(deps, params.id, user!);
        // An operator cancels on the buyer's behalf; the event still names the buyer as the one it is for.
        const actorId = user!.role === 'admin' ? order.userId : user!.userId;
        const data = { orderId: params.id, actorId, ...(body.reason ? { reason: body.reason } : {}), now: now() };
        return reply(params.id, await handle(params.id, { type: 'CancelOrder', data }, req, user));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/orders/:id/ship',
      summary: 'Mark a confirmed order shipped (its seller, or an admin)',
      tags: ['orders'],
      auth: 'user',
      roles: ['host'],
      params: IdParam,
      body: ShipBody,
      handler: async ({ params, body, req, user }) => {
        await ensureSellerOf(await loadOrderFor(deps, params.id, user!), user!);
        const data = { orderId: params.id, actorId: user!.userId, ...body, now: now() };
        return reply(params.id, await handle(params.id, { type: 'ShipOrder', data }, req, user));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/orders/:id/deliver',
      summary: 'Mark a shipped order delivered (its seller, or an admin)',
      tags: ['orders'],
      auth: 'user',
      roles: ['host'],
      params: IdParam,
      handler: async ({ params, req, user }) => {
        await ensureSellerOf(await loadOrderFor(deps, params.id, user!), user!);
        return reply(params.id, await handle(params.id, { type: 'DeliverOrder', data: { orderId: params.id, actorId: user!.userId, now: now() } }, req, user));
      },
    }),
  ];
};

import type { Route } from '@stayhub/http-kit';
import type { CommandDeps } from '../shared/deps.ts';
import { cartRoutes } from './carts.ts';
import { checkoutRoutes } from './checkout.ts';
import { orderRoutes } from './orders.ts';
import { productRoutes } from './products.ts';
import { webhookRoutes } from './webhook.ts';

export { checkoutWorkflow } from './workflow.ts';

/** Catalog, stock, cart, wishlist, checkout, orders and the payment webhook. */
export const commerceRoutes = (deps: CommandDeps): Route[] => [
  ...productRoutes(deps),
  ...cartRoutes(deps),
  ...checkoutRoutes(deps),
  ...orderRoutes(deps),
  ...webhookRoutes(deps),
];

import type { Route } from '@stayhub/http-kit';
import type { QueryDeps } from '../shared/deps.ts';
import { cartQueryRoutes } from './carts.ts';
import { orderQueryRoutes } from './orders.ts';
import { productQueryRoutes } from './products.ts';
import { sellerRoutes } from './seller.ts';

/** Product search and detail, cart, wishlist, order history, and the sellers' products and orders to ship. */
export const commerceQueryRoutes = (deps: QueryDeps): Route[] => [
  ...productQueryRoutes(deps),
  ...cartQueryRoutes(deps),
  ...orderQueryRoutes(deps),
  ...sellerRoutes(deps),
];

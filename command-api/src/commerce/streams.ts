import { commerce, fail } from '@stayhub/domain';
import type { AuthUser } from '@stayhub/http-kit';
import type { CommandDeps } from '../shared/deps.ts';

export type Product = Exclude<commerce.ProductState, { status: 'none' }>;
export type Order = Exclude<commerce.OrderState, { status: 'none' }>;

export const loadProduct = async (deps: CommandDeps, productId: string): Promise<Product> => {
  const { state } = await deps.processor.load(commerce.productStreamId(productId), commerce.productDecider);
  return state.status === 'none' ? fail('PRODUCT_NOT_FOUND', `No product ${productId}`, { productId }) : state;
};

/** A product that can go into a cart or an order now. */
export const loadActiveProduct = async (deps: CommandDeps, productId: string): Promise<Product> => {
  const product = await loadProduct(deps, productId);
  return product.status === 'active' ? product : fail('PRODUCT_DISCONTINUED', `Product ${productId} is discontinued`, { productId });
};

const loadOrder = async (deps: CommandDeps, orderId: string): Promise<Order> => {
  const { state } = await deps.processor.load(commerce.orderStreamId(orderId), commerce.orderDecider, { current: true });
  return state.status === 'none' ? fail('ORDER_NOT_FOUND', `No order ${orderId}`, { orderId }) : state;
};

/**
 * An order as its buyer, one of its sellers or an operator sees it; to anyone else it does not
 * exist (404, as on the query side), so order ids cannot be probed through refusals.
 */
export const loadOrderFor = async (deps: CommandDeps, orderId: string, user: AuthUser): Promise<Order> => {
  const order = await loadOrder(deps, orderId);
  if (order.userId === user.userId || user.role === 'admin') return order;
  const sellers = await Promise.all([...new Set(order.lines.map((line) => line.productId))].map(async (id) => (await loadProduct(deps, id)).sellerId));
  return sellers.includes(user.userId) ? order : fail('ORDER_NOT_FOUND', `No order ${orderId}`, { orderId });
};

/** An operator (admin) acts for the seller; anyone else acts as themselves, and the decider judges. */
export const sellerActor = (user: AuthUser, product: Product): string => (user.role === 'admin' ? product.sellerId : user.userId);

export const ensureSeller = (user: AuthUser, product: Product): void => {
  if (user.role !== 'admin' && product.sellerId !== user.userId) {
    fail('NOT_PRODUCT_SELLER', 'Only the seller may do this', { productId: product.productId });
  }
};

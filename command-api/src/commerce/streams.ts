import { commerce, fail } from '@stayhub/domain';
import type { AuthUser } from '@stayhub/infra';
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

export const loadOrder = async (deps: CommandDeps, orderId: string): Promise<Order> => {
  const { state } = await deps.processor.load(commerce.orderStreamId(orderId), commerce.orderDecider);
  return state.status === 'none' ? fail('ORDER_NOT_FOUND', `No order ${orderId}`, { orderId }) : state;
};

/** An operator (admin) acts for the seller; anyone else acts as themselves, and the decider judges. */
export const sellerActor = (user: AuthUser, product: Product): string => (user.role === 'admin' ? product.sellerId : user.userId);

export const ensureSeller = (user: AuthUser, product: Product): void => {
  if (user.role !== 'admin' && product.sellerId !== user.userId) {
    fail('NOT_PRODUCT_SELLER', 'Only the seller may do this', { productId: product.productId });
  }
};

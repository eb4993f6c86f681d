export * from './product/product.ts';
export * from './stock/stock.ts';
export * from './cart/cart.ts';
export * from './wishlist/wishlist.ts';
export * from './order/messages.ts';
export * from './order/order.ts';
export * from './checkout-workflow.ts';
export * from './sku/sku-claim.ts';

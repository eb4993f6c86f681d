import type { Money } from '../shared/api.ts';

export type ProductSummary = { productId: string; sku: string; name: string; category: string; price: Money; image: string | null; deliveryDays: number; status: string; available: number };
export type ProductView = {
  productId: string;
  sellerId: string;
  sku: string;
  name: string;
  description: string;
  category: string;
  attributes: Record<string, string | number | boolean>;
  images: string[];
  price: Money;
  shipping: { postalPrefixes: string[]; deliveryDays: number };
  status: string;
  stock: { onHand: number; reserved: number; available: number; inStock: boolean };
};
export type Cart = { lines: { productId: string; quantity: number; product: ProductSummary | null }[]; itemCount: number; subtotal: Money | null };
export type Order = {
  orderId: string;
  status: string;
  lines: { productId: string; sku: string; name: string; unitPrice: Money; quantity: number }[];
  total: Money;
  shippingPostalCode: string;
  paymentDeadline: string;
  paid: Money;
  refunded: Money;
  timeline: { type: string; at: string }[];
  placedAt: string;
};

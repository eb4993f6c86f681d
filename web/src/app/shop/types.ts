import type { ProductSummary } from '@stayhub/read-models';
import type { Money } from '../shared/api.ts';

export type { ProductSummary, ProductView } from '@stayhub/read-models';
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
  timeline: { type: string; at: string; carrier?: string; tracking?: string }[];
  placedAt: string;
};

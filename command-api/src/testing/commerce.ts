import { commerce, money } from '@stayhub/domain';
import type { CommandApiSpec } from './http-spec.ts';

const at = '2030-03-01T09:00:00.000Z';

/**
 * A product as events: listed by its seller (its SKU claimed), with `stock` units received, and
 * discontinued when asked. Ships to postal codes starting with 10.
 */
export const givenProduct = async (
  api: CommandApiSpec,
  product: { productId: string; sellerId: string; sku: string; price?: number; stock?: number; discontinued?: boolean },
): Promise<void> => {
  const { productId, sellerId, sku } = product;
  await api.givenDecided(commerce.productStreamId(productId), commerce.productDecider, [
    {
      type: 'CreateProduct',
      data: {
        productId,
        sellerId,
        sku,
        name: `Product ${sku}`,
        description: '',
        category: 'kitchen',
        attributes: {},
        images: [],
        shipping: { postalPrefixes: ['10'], deliveryDays: 2 },
        price: money(product.price ?? 1_999, 'EUR'),
        now: at,
      },
    },
    ...(product.discontinued ? [{ type: 'DiscontinueProduct' as const, data: { productId, actorId: sellerId, now: at } }] : []),
  ]);
  await api.givenDecided(commerce.skuClaimStreamId(sku), commerce.skuClaimDecider, [{ type: 'ClaimSku', data: { sku, productId, now: at } }]);
  if (product.stock) {
    await api.givenDecided(commerce.stockStreamId(sku), commerce.stockDecider, [
      { type: 'ReceiveStock', data: { sku, quantity: product.stock, receiptId: `r-${sku}`, now: at } },
    ]);
  }
};

import { assertNever, unknownEvent, ensure, type Decider } from '../../shared/index.ts';

/**
 * A SKU names its stock stream (`stock-{sku}`), so two products must never share one: each SKU is
 * claimed by one product on `sku-{sku}` before the product exists, like an email by its user.
 */
export const skuClaimStreamId = (sku: string): string => `sku-${sku}`;

type ClaimSku = { type: 'ClaimSku'; data: { sku: string; productId: string; now: string } };
type SkuClaimed = { type: 'SkuClaimed'; data: { sku: string; productId: string; at: string } };
type SkuClaim = { productId: string | null };

export const skuClaimDecider: Decider<ClaimSku, SkuClaim, SkuClaimed> = {
  initialState: { productId: null },
  decide: (command, state) => {
    switch (command.type) {
      case 'ClaimSku': {
        const { sku, productId, now } = command.data;
        if (state.productId === productId) return [];
        ensure(state.productId === null, 'SKU_TAKEN', `SKU ${sku} belongs to another product`, { sku });
        return [{ type: 'SkuClaimed', data: { sku, productId, at: now } }];
      }
      default:
        return assertNever(command.type);
    }
  },
  evolve: (state, event) => {
    switch (event.type) {
      case 'SkuClaimed':
        return { productId: event.data.productId };
      default:
        return unknownEvent(state, event.type);
    }
  },
};

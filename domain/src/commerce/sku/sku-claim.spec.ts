import { describe, it } from 'vitest';
import { specFor, type SpecCase } from '../../shared/spec.ts';
import { skuClaimDecider } from './sku-claim.ts';

type Command = Parameters<typeof skuClaimDecider.decide>[0];
type Event = ReturnType<typeof skuClaimDecider.decide>[number];
const now = '2030-01-01T00:00:00.000Z';
const claim = (productId: string): Command => ({ type: 'ClaimSku', data: { sku: 'TV-55', productId, now } });
const claimed = (productId: string): Event => ({ type: 'SkuClaimed', data: { sku: 'TV-55', productId, at: now } });

describe('SKU claims', () => {
  const spec = specFor(skuClaimDecider);
  const cases: SpecCase<Command, Event>[] = [
    { name: 'a free SKU is claimed', when: claim('p1'), then: [claimed('p1')] },
    { name: 'the same product again records nothing', given: [claimed('p1')], when: claim('p1'), then: [] },
    { name: 'another product is refused', given: [claimed('p1')], when: claim('p2'), throws: 'SKU_TAKEN' },
  ];
  it.each(cases)('$name', spec.run);
});

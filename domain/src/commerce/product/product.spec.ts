import { describe, expect, it } from 'vitest';
import { specFor, type SpecCase } from '../../shared/spec.ts';
import { ProductCommand, ProductEvent, productDecider, productStreamId, shipsTo, type ProductCommand as Command } from './product.ts';

const now = '2026-03-01T10:00:00.000Z';
const later = '2026-03-02T10:00:00.000Z';
const eur = (amount: number) => ({ amount, currency: 'EUR' });
const shipping = { postalPrefixes: ['10', '750'], deliveryDays: 3 };
const details = {
  name: 'Espresso cup',
  description: 'Porcelain, 80 ml',
  category: 'kitchen',
  attributes: { material: 'porcelain', volumeMl: 80, dishwasherSafe: true },
  images: ['https://img.example/cup.jpg'],
  shipping,
};

const create: Command = {
  type: 'CreateProduct',
  data: { productId: 'p1', sellerId: 'seller', sku: 'CUP-80', ...details, price: eur(1250), now },
};
const created: ProductEvent = {
  type: 'ProductCreated',
  data: { productId: 'p1', sellerId: 'seller', sku: 'CUP-80', ...details, price: eur(1250), at: now },
};
const discontinued: ProductEvent = { type: 'ProductDiscontinued', data: { productId: 'p1', at: now } };

const cases: SpecCase<Command, ProductEvent>[] = [
  { name: 'creates a product', when: create, then: [created] },
  { name: 'refuses to create twice', given: [created], when: create, throws: 'PRODUCT_EXISTS' },
  {
    name: 'the seller updates details',
    given: [created],
    when: { type: 'UpdateProduct', data: { productId: 'p1', actorId: 'seller', changes: { name: 'Cup', attributes: { colour: 'red' } }, now: later } },
    then: [{ type: 'ProductUpdated', data: { productId: 'p1', changes: { name: 'Cup', attributes: { colour: 'red' } }, at: later } }],
  },
  {
    name: 'an empty update decides nothing',
    given: [created],
    when: { type: 'UpdateProduct', data: { productId: 'p1', actorId: 'seller', changes: {}, now: later } },
    then: [],
  },
  {
    name: 'only the seller updates',
    given: [created],
    when: { type: 'UpdateProduct', data: { productId: 'p1', actorId: 'other', changes: { name: 'Mine' }, now } },
    throws: 'NOT_PRODUCT_SELLER',
  },
  {
    name: 'a discontinued product is not updated',
    given: [created, discontinued],
    when: { type: 'UpdateProduct', data: { productId: 'p1', actorId: 'seller', changes: { name: 'Cup' }, now } },
    throws: 'PRODUCT_DISCONTINUED',
  },
  {
    name: 'an unknown product is not updated',
    when: { type: 'UpdateProduct', data: { productId: 'p1', actorId: 'seller', changes: { name: 'Cup' }, now } },
    throws: 'PRODUCT_NOT_FOUND',
  },
  {
    name: 'the seller changes the price',
    given: [created],
    when: { type: 'ChangePrice', data: { productId: 'p1', actorId: 'seller', price: eur(990), now: later } },
    then: [{ type: 'ProductPriceChanged', data: { productId: 'p1', previous: eur(1250), price: eur(990), at: later } }],
  },
  {
    name: 'the previous price is the last changed one',
    given: [created, { type: 'ProductPriceChanged', data: { productId: 'p1', previous: eur(1250), price: eur(990), at: now } }],
    when: { type: 'ChangePrice', data: { productId: 'p1', actorId: 'seller', price: eur(1100), now: later } },
    then: [{ type: 'ProductPriceChanged', data: { productId: 'p1', previous: eur(990), price: eur(1100), at: later } }],
  },
  {
    name: 'the same price decides nothing',
    given: [created],
    when: { type: 'ChangePrice', data: { productId: 'p1', actorId: 'seller', price: eur(1250), now } },
    then: [],
  },
  {
    name: 'only the seller changes the price',
    given: [created],
    when: { type: 'ChangePrice', data: { productId: 'p1', actorId: 'other', price: eur(1), now } },
    throws: 'NOT_PRODUCT_SELLER',
  },
  {
    name: 'a discontinued product keeps its price',
    given: [created, discontinued],
    when: { type: 'ChangePrice', data: { productId: 'p1', actorId: 'seller', price: eur(1), now } },
    throws: 'PRODUCT_DISCONTINUED',
  },
  {
    name: 'the seller discontinues',
    given: [created],
    when: { type: 'DiscontinueProduct', data: { productId: 'p1', actorId: 'seller', now } },
    then: [discontinued],
  },
  {
    name: 'discontinuing twice decides nothing',
    given: [created, discontinued],
    when: { type: 'DiscontinueProduct', data: { productId: 'p1', actorId: 'seller', now } },
    then: [],
  },
  {
    name: 'only the seller discontinues',
    given: [created],
    when: { type: 'DiscontinueProduct', data: { productId: 'p1', actorId: 'other', now } },
    throws: 'NOT_PRODUCT_SELLER',
  },
  {
    name: 'an unknown product is not discontinued',
    when: { type: 'DiscontinueProduct', data: { productId: 'p1', actorId: 'seller', now } },
    throws: 'PRODUCT_NOT_FOUND',
  },
];

describe('productDecider', () => {
  it.each(cases)('$name', specFor(productDecider).run);

  it('evolves updates and price changes into the state', () => {
    const events: ProductEvent[] = [
      created,
      { type: 'ProductUpdated', data: { productId: 'p1', changes: { name: 'Cup' }, at: later } },
      { type: 'ProductPriceChanged', data: { productId: 'p1', previous: eur(1250), price: eur(990), at: later } },
    ];
    const state = events.reduce(productDecider.evolve, productDecider.initialState);
    expect(state).toMatchObject({ status: 'active', name: 'Cup', description: details.description, price: eur(990), sku: 'CUP-80' });
  });

  it('schemas accept the messages and refuse a bad price or delivery time', () => {
    expect(ProductCommand.parse(create)).toEqual(create);
    expect(ProductEvent.parse(created)).toEqual(created);
    expect(ProductCommand.safeParse({ ...create, data: { ...create.data, price: { amount: 1.5, currency: 'EUR' } } }).success).toBe(false);
    expect(ProductCommand.safeParse({ ...create, data: { ...create.data, shipping: { ...shipping, deliveryDays: 61 } } }).success).toBe(false);
  });

  it('names its stream', () => expect(productStreamId('p1')).toBe('product-p1'));
});

describe('shipsTo', () => {
  it.each([
    ['10115', true],
    ['10999', true],
    ['75001', true],
    ['75 001', true],
    ['76001', false],
    ['1', false],
    ['20095', false],
    ['', false],
  ])('%s → %s', (postalCode, expected) => expect(shipsTo(shipping, postalCode)).toBe(expected));

  it('ignores case and spaces in prefixes too', () => expect(shipsTo({ postalPrefixes: ['sw1a'], deliveryDays: 1 }, 'SW1A 1AA')).toBe(true));
});

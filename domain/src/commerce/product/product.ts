import { z } from 'zod';
import { assertNever, unknownEvent, type Decider } from '../../shared/decider.ts';
import { ensure, fail } from '../../shared/errors.ts';
import { Money } from '../../shared/money.ts';
import { Id, Instant } from '../../shared/primitives.ts';
import { Sku } from '../primitives.ts';

export const productStreamId = (productId: string): string => `product-${productId}`;

const normalisePostal = (code: string): string => code.replace(/[\s-]/g, '').toUpperCase();

export const ProductShipping = z.object({
  /** Covered postal code prefixes: '10' covers 10115 and 10999; '750' covers 75001. */
  postalPrefixes: z
    .array(z.string().regex(/^[A-Za-z0-9 -]{1,10}$/))
    .min(1)
    .max(1000),
  deliveryDays: z.number().int().min(1).max(60),
});
export type ProductShipping = z.infer<typeof ProductShipping>;

/** True when one of the covered prefixes starts the postal code (spaces, dashes and case ignored). */
export const shipsTo = (shipping: ProductShipping, postalCode: string): boolean => {
  const code = normalisePostal(postalCode);
  return code.length > 0 && shipping.postalPrefixes.some((prefix) => code.startsWith(normalisePostal(prefix)));
};

export const ProductAttributes = z.record(z.string().min(1).max(100), z.union([z.string().max(1000), z.number(), z.boolean()]));
export type ProductAttributes = z.infer<typeof ProductAttributes>;

const productDetailFields = {
  name: z.string().trim().min(1).max(200),
  description: z.string().max(10_000),
  category: z.string().trim().min(1).max(100),
  attributes: ProductAttributes,
  images: z.array(z.url()).max(50),
  shipping: ProductShipping,
};
const ProductDetails = z.object(productDetailFields);
type ProductDetails = z.infer<typeof ProductDetails>;
export const ProductChanges = ProductDetails.partial();
export type ProductChanges = z.infer<typeof ProductChanges>;

// Commands
export const CreateProduct = z.object({
  type: z.literal('CreateProduct'),
  data: z.object({ productId: Id, sellerId: Id, sku: Sku, ...productDetailFields, price: Money, now: Instant }),
});
const UpdateProduct = z.object({
  type: z.literal('UpdateProduct'),
  data: z.object({ productId: Id, actorId: Id, changes: ProductChanges, now: Instant }),
});
const ChangePrice = z.object({
  type: z.literal('ChangePrice'),
  data: z.object({ productId: Id, actorId: Id, price: Money, now: Instant }),
});
const DiscontinueProduct = z.object({
  type: z.literal('DiscontinueProduct'),
  data: z.object({ productId: Id, actorId: Id, now: Instant }),
});
export const ProductCommand = z.discriminatedUnion('type', [CreateProduct, UpdateProduct, ChangePrice, DiscontinueProduct]);
export type ProductCommand = z.infer<typeof ProductCommand>;

// Events
const ProductCreatedData = z.object({ productId: Id, sellerId: Id, sku: Sku, ...productDetailFields, price: Money, at: Instant });
const ProductUpdatedData = z.object({ productId: Id, changes: ProductChanges, at: Instant });
const ProductPriceChangedData = z.object({ productId: Id, previous: Money, price: Money, at: Instant });
const ProductDiscontinuedData = z.object({ productId: Id, at: Instant });
export const ProductEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ProductCreated'), data: ProductCreatedData }),
  z.object({ type: z.literal('ProductUpdated'), data: ProductUpdatedData }),
  z.object({ type: z.literal('ProductPriceChanged'), data: ProductPriceChangedData }),
  z.object({ type: z.literal('ProductDiscontinued'), data: ProductDiscontinuedData }),
]);
export type ProductEvent = z.infer<typeof ProductEvent>;

export type Product = ProductDetails & { productId: string; sellerId: string; sku: string; price: Money };
export type ProductState = { status: 'none' } | ({ status: 'active' | 'discontinued' } & Product);

type Existing = Exclude<ProductState, { status: 'none' }>;

const existing = (state: ProductState): Existing => (state.status === 'none' ? fail('PRODUCT_NOT_FOUND', 'No such product') : state);

/** The seller edits an active product; a discontinued one stays as sold. */
const editable = (state: ProductState, actorId: string): Existing => {
  const product = existing(state);
  ensure(product.sellerId === actorId, 'NOT_PRODUCT_SELLER', 'Only the seller may change this product');
  ensure(product.status === 'active', 'PRODUCT_DISCONTINUED', 'The product is discontinued');
  return product;
};

const create = ({ data }: z.infer<typeof CreateProduct>, state: ProductState): ProductEvent[] => {
  ensure(state.status === 'none', 'PRODUCT_EXISTS', 'The product already exists', { productId: data.productId });
  const { now, ...product } = data;
  return [{ type: 'ProductCreated', data: { ...product, at: now } }];
};

const update = ({ data }: z.infer<typeof UpdateProduct>, state: ProductState): ProductEvent[] => {
  editable(state, data.actorId);
  const changes = Object.fromEntries(Object.entries(data.changes).filter(([, value]) => value !== undefined)) as ProductChanges;
  if (Object.keys(changes).length === 0) return [];
  return [{ type: 'ProductUpdated', data: { productId: data.productId, changes, at: data.now } }];
};

const changePrice = ({ data }: z.infer<typeof ChangePrice>, state: ProductState): ProductEvent[] => {
  const product = editable(state, data.actorId);
  if (product.price.amount === data.price.amount && product.price.currency === data.price.currency) return [];
  return [{ type: 'ProductPriceChanged', data: { productId: data.productId, previous: product.price, price: data.price, at: data.now } }];
};

const discontinue = ({ data }: z.infer<typeof DiscontinueProduct>, state: ProductState): ProductEvent[] => {
  const product = existing(state);
  ensure(product.sellerId === data.actorId, 'NOT_PRODUCT_SELLER', 'Only the seller may discontinue this product');
  if (product.status === 'discontinued') return [];
  return [{ type: 'ProductDiscontinued', data: { productId: data.productId, at: data.now } }];
};

const decide = (command: ProductCommand, state: ProductState): ProductEvent[] => {
  switch (command.type) {
    case 'CreateProduct':
      return create(command, state);
    case 'UpdateProduct':
      return update(command, state);
    case 'ChangePrice':
      return changePrice(command, state);
    case 'DiscontinueProduct':
      return discontinue(command, state);
    default:
      return assertNever(command);
  }
};

const evolve = (state: ProductState, event: ProductEvent): ProductState => {
  switch (event.type) {
    case 'ProductCreated': {
      const { at: _at, ...product } = event.data;
      return { status: 'active', ...product };
    }
    case 'ProductUpdated':
      return state.status === 'none' ? state : { ...state, ...event.data.changes };
    case 'ProductPriceChanged':
      return state.status === 'none' ? state : { ...state, price: event.data.price };
    case 'ProductDiscontinued':
      return state.status === 'none' ? state : { ...state, status: 'discontinued' };
    default:
      return unknownEvent(state, event);
  }
};

export const productDecider: Decider<ProductCommand, ProductState, ProductEvent> = {
  initialState: { status: 'none' },
  evolve,
  decide,
};

import { newId } from '@stayhub/event-sourcing';
import { z } from 'zod';
import { commerce, Money } from '@stayhub/domain';
import { defineRoute, type AuthUser, type Route } from '@stayhub/http-kit';
import type { Request } from 'express';
import type { CommandDeps } from '../shared/deps.ts';
import { accepted, IdParam, metadataOf } from '../shared/http.ts';
import { ensureSeller, loadProduct, sellerActor, type Product } from './streams.ts';

const Price = Money.refine((m) => m.amount > 0, { message: 'a price is above 0', path: ['amount'] });
const created = commerce.CreateProduct.shape.data;
const CreateBody = created.omit({ productId: true, sellerId: true, now: true, price: true }).extend({
  description: created.shape.description.default(''),
  attributes: created.shape.attributes.default({}),
  images: created.shape.images.default([]),
  price: Price,
});
const UpdateBody = commerce.ProductChanges.extend({ price: Price.optional() }).refine((b) => Object.values(b).some((v) => v !== undefined), {
  message: 'nothing to change',
});
const PriceBody = z.object({ price: Price });
const StockBody = z.object({
  quantity: z.number().int().min(1).max(1_000_000),
  /** The delivery note's id: the same receipt sent twice is counted once. */
  receiptId: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,200}$/)
    .optional(),
});

const view = (product: commerce.ProductState) =>
  product.status === 'none'
    ? { status: 'none' }
    : { productId: product.productId, sku: product.sku, name: product.name, status: product.status, price: product.price };

export const productRoutes = (deps: CommandDeps): Route[] => {
  const now = () => deps.clock.now().toISOString();
  const handle = (productId: string, command: commerce.ProductCommand, req: Request, user?: AuthUser) =>
    deps.processor.handle(commerce.productStreamId(productId), commerce.productDecider, command, metadataOf(req, user));
  const reply = (status: number, productId: string, state: commerce.ProductState, position: string) =>
    accepted(status, { productId, ...view(state) }, position, `/products/${productId}`);
  const simple = (product: Product, user: AuthUser) => ({ productId: product.productId, actorId: sellerActor(user, product), now: now() });

  return [
    defineRoute({
      method: 'post',
      path: '/products',
      summary: 'List a product for sale (sellers are hosts; an admin lists as operator); its SKU is claimed for its stock',
      tags: ['products'],
      auth: 'user',
      roles: ['host'],
      body: CreateBody,
      responses: { 201: { description: 'The product is listed' } },
      handler: async ({ body, req, user }) => {
        const productId = newId();
        const command: commerce.ProductCommand = { type: 'CreateProduct', data: { productId, sellerId: user!.userId, ...body, now: now() } };
        // Every rule is checked before the SKU is claimed, so a refused product claims nothing.
        commerce.productDecider.decide(command, commerce.productDecider.initialState);
        const metadata = metadataOf(req, user);
        await deps.processor.handle(
          commerce.skuClaimStreamId(body.sku),
          commerce.skuClaimDecider,
          { type: 'ClaimSku', data: { sku: body.sku, productId, now: now() } },
          metadata,
        );
        const handled = await handle(productId, command, req, user);
        return reply(201, productId, handled.state, handled.position);
      },
    }),
    defineRoute({
      method: 'put',
      path: '/products/:id',
      summary: 'Change details (name, description, category, attributes, images, shipping) and optionally the price',
      tags: ['products'],
      auth: 'user',
      roles: ['host'],
      params: IdParam,
      body: UpdateBody,
      handler: async ({ params, body, req, user }) => {
        const product = await loadProduct(deps, params.id);
        const { price, ...changes } = body;
        let handled = await handle(params.id, { type: 'UpdateProduct', data: { ...simple(product, user!), changes } }, req, user);
        let position = handled.position;
        if (price) {
          handled = await handle(params.id, { type: 'ChangePrice', data: { ...simple(product, user!), price } }, req, user);
          position = handled.position || position;
        }
        return reply(200, params.id, handled.state, position);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/products/:id/price',
      summary: 'Change the price; orders already placed keep the price they were placed at',
      tags: ['products'],
      auth: 'user',
      roles: ['host'],
      params: IdParam,
      body: PriceBody,
      handler: async ({ params, body, req, user }) => {
        const product = await loadProduct(deps, params.id);
        const handled = await handle(params.id, { type: 'ChangePrice', data: { ...simple(product, user!), price: body.price } }, req, user);
        return reply(200, params.id, handled.state, handled.position);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/products/:id/discontinue',
      summary: 'Stop selling a product; orders already placed go on',
      tags: ['products'],
      auth: 'user',
      roles: ['host'],
      params: IdParam,
      handler: async ({ params, req, user }) => {
        const product = await loadProduct(deps, params.id);
        const handled = await handle(params.id, { type: 'DiscontinueProduct', data: simple(product, user!) }, req, user);
        return reply(200, params.id, handled.state, handled.position);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/products/:id/stock',
      summary: "Receive stock for a product's SKU (a receiptId makes a repeated delivery count once)",
      tags: ['products'],
      auth: 'user',
      roles: ['host'],
      params: IdParam,
      body: StockBody,
      responses: { 201: { description: 'The stock change is recorded' } },
      handler: async ({ params, body, req, user }) => {
        const product = await loadProduct(deps, params.id);
        ensureSeller(user!, product);
        const handled = await deps.processor.handle(
          commerce.stockStreamId(product.sku),
          commerce.stockDecider,
          { type: 'ReceiveStock', data: { sku: product.sku, quantity: body.quantity, receiptId: body.receiptId ?? newId(), now: now() } },
          metadataOf(req, user),
        );
        const stock = { onHand: handled.state.onHand, available: commerce.availableOf(handled.state) };
        return accepted(201, { productId: params.id, sku: product.sku, ...stock }, handled.position, `/products/${params.id}`);
      },
    }),
  ];
};

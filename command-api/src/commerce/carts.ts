import type { Request } from 'express';
import { z } from 'zod';
import { commerce } from '@stayhub/domain';
import { defineRoute, type AuthUser, type Route } from '@stayhub/http-kit';
import type { CommandDeps } from '../shared/deps.ts';
import { accepted, IdParam, metadataOf } from '../shared/http.ts';
import { loadActiveProduct, loadProduct } from './streams.ts';

const ProductParam = z.object({ productId: IdParam.shape.id });
const LineBody = z.object({ productId: IdParam.shape.id, quantity: z.number().int().min(0).max(commerce.MAX_CART_LINE_QUANTITY) });
const MoveBody = z.object({ quantity: z.number().int().min(1).max(commerce.MAX_CART_LINE_QUANTITY).default(1) }).default({ quantity: 1 });

export const cartRoutes = (deps: CommandDeps): Route[] => {
  const now = () => deps.clock.now().toISOString();
  const cart = (userId: string, command: commerce.CartCommand, req: Request, user: AuthUser) =>
    deps.processor.handle(commerce.cartStreamId(userId), commerce.cartDecider, command, metadataOf(req, user));
  const wishlist = (userId: string, command: commerce.WishlistCommand, req: Request, user: AuthUser) =>
    deps.processor.handle(commerce.wishlistStreamId(userId), commerce.wishlistDecider, command, metadataOf(req, user));
  const cartReply = (handled: { state: commerce.CartState; position: string }) => accepted(200, { lines: handled.state.lines }, handled.position, '/carts/me');
  const wishlistReply = (handled: { state: commerce.WishlistState; position: string }) =>
    accepted(200, { productIds: handled.state.productIds }, handled.position, '/me/wishlist');

  return [
    defineRoute({
      method: 'put',
      path: '/carts/me/items',
      summary: 'Set how many of a product the cart holds (0 removes the line)',
      tags: ['cart'],
      auth: 'user',
      body: LineBody,
      handler: async ({ body, req, user }) => {
        if (body.quantity > 0) await loadActiveProduct(deps, body.productId);
        const data = { userId: user!.userId, productId: body.productId, quantity: body.quantity, now: now() };
        return cartReply(await cart(user!.userId, { type: 'SetCartItemQuantity', data }, req, user!));
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/carts/me/items/:productId',
      summary: 'Remove a product from the cart',
      tags: ['cart'],
      auth: 'user',
      params: ProductParam,
      handler: async ({ params, req, user }) =>
        cartReply(await cart(user!.userId, { type: 'RemoveFromCart', data: { userId: user!.userId, productId: params.productId, now: now() } }, req, user!)),
    }),
    defineRoute({
      method: 'delete',
      path: '/carts/me',
      summary: 'Empty the cart',
      tags: ['cart'],
      auth: 'user',
      handler: async ({ req, user }) =>
        cartReply(await cart(user!.userId, { type: 'ClearCart', data: { userId: user!.userId, reason: 'user', now: now() } }, req, user!)),
    }),
    defineRoute({
      method: 'put',
      path: '/me/wishlist/:productId',
      summary: 'Keep a product on the wishlist',
      tags: ['wishlist'],
      auth: 'user',
      params: ProductParam,
      handler: async ({ params, req, user }) => {
        await loadProduct(deps, params.productId);
        const data = { userId: user!.userId, productId: params.productId, now: now() };
        return wishlistReply(await wishlist(user!.userId, { type: 'AddToWishlist', data }, req, user!));
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/me/wishlist/:productId',
      summary: 'Take a product off the wishlist',
      tags: ['wishlist'],
      auth: 'user',
      params: ProductParam,
      handler: async ({ params, req, user }) => {
        const data = { userId: user!.userId, productId: params.productId, now: now() };
        return wishlistReply(await wishlist(user!.userId, { type: 'RemoveFromWishlist', data }, req, user!));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/me/wishlist/:productId/move-to-cart',
      summary: 'Move a wishlist product into the cart (added to what the cart already holds)',
      tags: ['wishlist', 'cart'],
      auth: 'user',
      params: ProductParam,
      body: MoveBody,
      handler: async ({ params, body, req, user }) => {
        await loadActiveProduct(deps, params.productId);
        const data = { userId: user!.userId, productId: params.productId, now: now() };
        // The cart first: if it refuses (line full), the product stays on the wishlist.
        const added = await cart(user!.userId, { type: 'AddToCart', data: { ...data, quantity: body.quantity } }, req, user!);
        const removed = await wishlist(user!.userId, { type: 'RemoveFromWishlist', data }, req, user!);
        return accepted(200, { lines: added.state.lines, wishlist: removed.state.productIds }, removed.position || added.position, '/carts/me');
      },
    }),
  ];
};

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY, MINUTE } from '@stayhub/event-sourcing';
import { jwtTokens } from '@stayhub/http-kit';
import { signWebhook, webhookSignatureHeader } from '@stayhub/payments';
import { committedHead } from '@stayhub/read-models';
import { startStack, type Stack } from '../harness.ts';
import { day, listingDetails } from '../fixtures.ts';
import { productBody, WEBHOOK_SECRET } from '../commerce-fixtures.ts';
import { runDueTasksSettled } from './settle.ts';

/*
 * Who may do what: every route of both APIs × every kind of caller → the status expected. Each
 * call gets a fresh resource (a booking, a listing, an order) so that one caller's success never
 * changes the next caller's answer; a refused call must store nothing.
 */
const actors = ['anonymous', 'guest', 'otherGuest', 'host', 'otherHost', 'admin'] as const;
type Actor = (typeof actors)[number];
type User = { userId: string; email: string; token: string };
type Call = { path: string; body?: unknown; headers?: Record<string, string> };
type Row = {
  api: 'command' | 'query';
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  route: string;
  call: (actor: Actor) => Promise<Call>;
  expect: Record<Exclude<Actor, never>, number>;
};

const ADMIN_EMAIL = 'ops@stayhub.test';
const PASSWORD = 'correct horse battery';
let stack: Stack;
const users = {} as Record<Exclude<Actor, 'anonymous'>, User>;
let nights = 0;

const ok = (reply: { status: number; body: any }, status: number) => {
  expect(reply.status, JSON.stringify(reply.body)).toBe(status);
  return reply.body;
};
const registerAs = async (email: string, role: 'guest' | 'host') => {
  ok(await stack.command.post('/auth/register', { email, password: PASSWORD, name: email.split('@')[0], role }), 202);
  const body = ok(await stack.command.post('/auth/login', { email, password: PASSWORD }), 200);
  return { userId: body.userId as string, email, token: body.token as string, role: body.role as string };
};
const relogin = async () => {
  for (const user of Object.values(users)) user.token = ok(await stack.command.post('/auth/login', { email: user.email, password: PASSWORD }), 200).token;
};
const as = (actor: Actor) => (actor === 'anonymous' ? {} : { token: users[actor].token });
const eventCount = async () => (await stack.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM es_events')).rows[0]!.n;

// Fresh resources, each made by its rightful owner.
const draft = async (owner: User = users.host) =>
  ok(await stack.command.post('/listings', { kind: 'rental', details: listingDetails() }, { token: owner.token }), 201).listingId as string;
const published = async (overrides: Record<string, unknown> = {}) => {
  const listingId = ok(await stack.command.post('/listings', { kind: 'rental', details: listingDetails(overrides) }, { token: users.host.token }), 201)
    .listingId as string;
  ok(await stack.command.post(`/listings/${listingId}/publish`, {}, { token: users.host.token }), 200);
  return listingId;
};
let instantListing: string;
let requestListing: string;
const stay = (listingId: string) => {
  nights += 2;
  return { listingId, checkIn: day(stack, 5 + nights), checkOut: day(stack, 6 + nights), guests: 1, paymentMethod: 'tok_visa' };
};
const requested = async () =>
  ok(await stack.command.post('/bookings', stay(requestListing), { token: users.guest.token }), 201) as { bookingId: string; consistencyToken: string };
const confirmed = async () => {
  const booking = ok(await stack.command.post('/bookings', stay(instantListing), { token: users.guest.token }), 201) as {
    bookingId: string;
    consistencyToken: string;
  };
  await runDueTasksSettled(stack);
  await runDueTasksSettled(stack);
  return booking;
};
let completed: Record<Actor, string>;
const product = async () => ok(await stack.command.post('/products', productBody(), { token: users.host.token }), 201).productId as string;
const stockedProduct = async () => {
  const productId = await product();
  ok(await stack.command.post(`/products/${productId}/stock`, { quantity: 50 }, { token: users.host.token }), 201);
  return productId;
};
let shelf: string;
const order = async () =>
  ok(
    await stack.command.post(
      '/checkout',
      { items: [{ productId: shelf, quantity: 1 }], shippingPostalCode: '10115', paymentMethod: 'tok_visa' },
      { token: users.guest.token },
    ),
    201,
  ) as {
    orderId: string;
    consistencyToken: string;
  };
const paidOrder = async () => {
  const placed = await order();
  await runDueTasksSettled(stack);
  await runDueTasksSettled(stack);
  return placed;
};
const shippedOrder = async () => {
  const placed = await paidOrder();
  ok(await stack.command.post(`/orders/${placed.orderId}/ship`, {}, { token: users.host.token }), 200);
  return placed;
};

const all = (status: number) => Object.fromEntries(actors.map((a) => [a, status])) as Record<Actor, number>;
const users200 = { ...all(200), anonymous: 401 };
let emails = 0;

const rows: Row[] = [
  // identity
  {
    api: 'command',
    method: 'post',
    route: '/auth/register',
    call: async () => ({ path: '/auth/register', body: { email: `new-${emails++}@stayhub.test`, password: PASSWORD, name: 'New' } }),
    expect: all(202),
  },
  {
    api: 'command',
    method: 'post',
    route: '/auth/login',
    call: async () => ({ path: '/auth/login', body: { email: users.guest.email, password: PASSWORD } }),
    expect: all(200),
  },
  { api: 'command', method: 'patch', route: '/me', call: async () => ({ path: '/me', body: { locale: 'en-GB' } }), expect: users200 },
  // listings
  {
    api: 'command',
    method: 'post',
    route: '/listings',
    call: async () => ({ path: '/listings', body: { kind: 'hotel', details: { title: 'Mine' } } }),
    expect: { anonymous: 401, guest: 403, otherGuest: 403, host: 201, otherHost: 201, admin: 201 },
  },
  {
    api: 'command',
    method: 'put',
    route: '/listings/{id}',
    call: async () => ({ path: `/listings/${await draft()}`, body: { title: 'Renamed' } }),
    expect: { anonymous: 401, guest: 403, otherGuest: 403, host: 200, otherHost: 403, admin: 403 },
  },
  {
    api: 'command',
    method: 'post',
    route: '/listings/{id}/publish',
    call: async () => ({ path: `/listings/${await draft()}/publish`, body: {} }),
    expect: { anonymous: 401, guest: 403, otherGuest: 403, host: 200, otherHost: 403, admin: 403 },
  },
  {
    api: 'command',
    method: 'post',
    route: '/listings/{id}/unlist',
    call: async () => ({ path: `/listings/${await published()}/unlist`, body: {} }),
    expect: { anonymous: 401, guest: 403, otherGuest: 403, host: 200, otherHost: 403, admin: 403 },
  },
  {
    api: 'command',
    method: 'put',
    route: '/listings/{id}/prices',
    call: async () => ({
      path: `/listings/${await published()}/prices`,
      body: { unitTypeId: 'flat', from: day(stack, 40), to: day(stack, 42), price: { amount: 15_000, currency: 'EUR' } },
    }),
    expect: { anonymous: 401, guest: 403, otherGuest: 403, host: 200, otherHost: 403, admin: 403 },
  },
  {
    api: 'command',
    method: 'post',
    route: '/listings/{id}/blocks',
    call: async () => ({ path: `/listings/${await published()}/blocks`, body: { unitTypeId: 'flat', from: day(stack, 40), to: day(stack, 42) } }),
    // an operator may block dates for a host (maintenance), though not edit the listing
    expect: { anonymous: 401, guest: 403, otherGuest: 403, host: 201, otherHost: 403, admin: 201 },
  },
  {
    api: 'command',
    method: 'post',
    route: '/listings/{id}/blocks/{blockId}/lift',
    call: async () => {
      const listingId = await published();
      const range = { unitTypeId: 'flat', from: day(stack, 40), to: day(stack, 42) };
      const { blockId } = ok(await stack.command.post(`/listings/${listingId}/blocks`, range, { token: users.host.token }), 201);
      return { path: `/listings/${listingId}/blocks/${blockId}/lift`, body: range };
    },
    expect: { anonymous: 401, guest: 403, otherGuest: 403, host: 200, otherHost: 403, admin: 200 },
  },
  // bookings
  {
    api: 'command',
    method: 'post',
    route: '/bookings',
    call: async () => ({ path: '/bookings', body: stay(instantListing) }),
    expect: { anonymous: 401, guest: 201, otherGuest: 201, host: 422, otherHost: 201, admin: 201 },
  },
  {
    api: 'command',
    method: 'post',
    route: '/bookings/{id}/approve',
    call: async () => ({ path: `/bookings/${(await requested()).bookingId}/approve`, body: {} }),
    expect: { anonymous: 401, guest: 403, otherGuest: 403, host: 200, otherHost: 404, admin: 403 },
  },
  {
    api: 'command',
    method: 'post',
    route: '/bookings/{id}/decline',
    call: async () => ({ path: `/bookings/${(await requested()).bookingId}/decline`, body: {} }),
    expect: { anonymous: 401, guest: 403, otherGuest: 403, host: 200, otherHost: 404, admin: 403 },
  },
  {
    api: 'command',
    method: 'post',
    route: '/bookings/{id}/cancel',
    call: async () => ({ path: `/bookings/${(await confirmed()).bookingId}/cancel`, body: {} }),
    expect: { anonymous: 401, guest: 200, otherGuest: 404, host: 200, otherHost: 404, admin: 403 },
  },
  {
    api: 'command',
    method: 'patch',
    route: '/bookings/{id}',
    call: async () => ({ path: `/bookings/${(await requested()).bookingId}`, body: { guests: 2 } }),
    expect: { anonymous: 401, guest: 200, otherGuest: 404, host: 403, otherHost: 404, admin: 403 },
  },
  {
    api: 'command',
    method: 'post',
    route: '/bookings/{id}/reviews',
    call: async (actor) => ({ path: `/bookings/${completed[actor]}/reviews`, body: { rating: 4, comment: 'fine' } }),
    expect: { anonymous: 401, guest: 201, otherGuest: 404, host: 201, otherHost: 404, admin: 403 },
  },
  // after the stay only the host gives money back; a table's deposit is the vendor's to mark (a rental has none: 422)
  {
    api: 'command',
    method: 'post',
    route: '/bookings/{id}/refunds',
    call: async () => ({ path: `/bookings/${completed.anonymous}/refunds`, body: { amount: 100 } }),
    expect: { anonymous: 401, guest: 403, otherGuest: 403, host: 201, otherHost: 404, admin: 403 },
  },
  {
    api: 'command',
    method: 'post',
    route: '/bookings/{id}/settle',
    call: async () => ({ path: `/bookings/${completed.anonymous}/settle`, body: {} }),
    expect: { anonymous: 401, guest: 403, otherGuest: 403, host: 422, otherHost: 404, admin: 403 },
  },
  {
    api: 'command',
    method: 'post',
    route: '/bookings/{id}/no-show',
    call: async () => ({ path: `/bookings/${completed.anonymous}/no-show`, body: {} }),
    expect: { anonymous: 401, guest: 403, otherGuest: 403, host: 422, otherHost: 404, admin: 403 },
  },
  // products: sellers are hosts; an admin acts as operator for the seller
  {
    api: 'command',
    method: 'post',
    route: '/products',
    call: async () => ({ path: '/products', body: productBody() }),
    expect: { anonymous: 401, guest: 403, otherGuest: 403, host: 201, otherHost: 201, admin: 201 },
  },
  {
    api: 'command',
    method: 'put',
    route: '/products/{id}',
    call: async () => ({ path: `/products/${await product()}`, body: { name: 'Renamed' } }),
    expect: { anonymous: 401, guest: 403, otherGuest: 403, host: 200, otherHost: 403, admin: 200 },
  },
  {
    api: 'command',
    method: 'post',
    route: '/products/{id}/price',
    call: async () => ({ path: `/products/${await product()}/price`, body: { price: { amount: 100, currency: 'EUR' } } }),
    expect: { anonymous: 401, guest: 403, otherGuest: 403, host: 200, otherHost: 403, admin: 200 },
  },
  {
    api: 'command',
    method: 'post',
    route: '/products/{id}/discontinue',
    call: async () => ({ path: `/products/${await product()}/discontinue`, body: {} }),
    expect: { anonymous: 401, guest: 403, otherGuest: 403, host: 200, otherHost: 403, admin: 200 },
  },
  {
    api: 'command',
    method: 'post',
    route: '/products/{id}/stock',
    call: async () => ({ path: `/products/${await product()}/stock`, body: { quantity: 3 } }),
    expect: { anonymous: 401, guest: 403, otherGuest: 403, host: 201, otherHost: 403, admin: 201 },
  },
  // carts and wishlists are the caller's own ("me"): nobody reaches another's
  {
    api: 'command',
    method: 'put',
    route: '/carts/me/items',
    call: async () => ({ path: '/carts/me/items', body: { productId: shelf, quantity: 1 } }),
    expect: users200,
  },
  { api: 'command', method: 'delete', route: '/carts/me/items/{productId}', call: async () => ({ path: `/carts/me/items/${shelf}` }), expect: users200 },
  { api: 'command', method: 'delete', route: '/carts/me', call: async () => ({ path: '/carts/me' }), expect: users200 },
  { api: 'command', method: 'put', route: '/me/wishlist/{productId}', call: async () => ({ path: `/me/wishlist/${shelf}`, body: {} }), expect: users200 },
  { api: 'command', method: 'delete', route: '/me/wishlist/{productId}', call: async () => ({ path: `/me/wishlist/${shelf}` }), expect: users200 },
  {
    api: 'command',
    method: 'post',
    route: '/me/wishlist/{productId}/move-to-cart',
    call: async () => ({ path: `/me/wishlist/${shelf}/move-to-cart`, body: { quantity: 1 } }),
    expect: users200,
  },
  {
    api: 'command',
    method: 'post',
    route: '/checkout',
    call: async () => ({ path: '/checkout', body: { items: [{ productId: shelf, quantity: 1 }], shippingPostalCode: '10115', paymentMethod: 'tok_visa' } }),
    expect: { ...all(201), anonymous: 401 },
  },
  // orders: the buyer cancels, the seller ships and delivers, an admin may do either
  {
    api: 'command',
    method: 'post',
    route: '/orders/{id}/cancel',
    call: async () => ({ path: `/orders/${(await order()).orderId}/cancel`, body: {} }),
    expect: { anonymous: 401, guest: 200, otherGuest: 404, host: 403, otherHost: 404, admin: 200 },
  },
  {
    api: 'command',
    method: 'post',
    route: '/orders/{id}/ship',
    call: async () => ({ path: `/orders/${(await paidOrder()).orderId}/ship`, body: {} }),
    expect: { anonymous: 401, guest: 403, otherGuest: 403, host: 200, otherHost: 404, admin: 200 },
  },
  {
    api: 'command',
    method: 'post',
    route: '/orders/{id}/deliver',
    call: async () => ({ path: `/orders/${(await shippedOrder()).orderId}/deliver`, body: {} }),
    expect: { anonymous: 401, guest: 403, otherGuest: 403, host: 200, otherHost: 404, admin: 200 },
  },
  // the gateway's webhook is authenticated by its signature, not by a user
  {
    api: 'command',
    method: 'post',
    route: '/payments/webhook',
    call: async () => {
      const body = JSON.stringify({
        eventId: `evt-${emails++}`,
        type: 'payment.declined',
        reference: 'not-an-order',
        amount: { amount: 100, currency: 'EUR' },
        idempotencyKey: 'k',
        occurredAt: stack.clock.now().toISOString(),
      });
      return { path: '/payments/webhook', body, headers: { [webhookSignatureHeader]: signWebhook(body, WEBHOOK_SECRET, stack.clock.now()) } };
    },
    expect: all(200),
  },
  // reads
  {
    api: 'command',
    method: 'get',
    route: '/admin/parked-tasks',
    call: async () => ({ path: '/admin/parked-tasks' }),
    expect: { anonymous: 401, guest: 403, otherGuest: 403, host: 403, otherHost: 403, admin: 200 },
  },
  {
    api: 'command',
    method: 'post',
    route: '/admin/parked-tasks/{taskId}/retry',
    call: async () => ({ path: '/admin/parked-tasks/refund:none:cancelled/retry', body: {} }),
    expect: { anonymous: 401, guest: 403, otherGuest: 403, host: 403, otherHost: 403, admin: 404 },
  },
  { api: 'query', method: 'get', route: '/users/{id}', call: async () => ({ path: `/users/${await profileSeen()}` }), expect: all(200) },
  { api: 'query', method: 'get', route: '/me', call: async () => ({ path: `/me?after=${await committedHead(stack.pool)}` }), expect: users200 },
  { api: 'query', method: 'get', route: '/listings/{id}/reviews', call: async () => ({ path: `/listings/${instantListing}/reviews` }), expect: all(200) },
  { api: 'query', method: 'get', route: '/listings/search', call: async () => ({ path: '/listings/search?q=flat' }), expect: all(200) },
  {
    api: 'query',
    method: 'get',
    route: '/listings/{id}',
    call: async () => ({ path: `/listings/${await draftSeen()}` }),
    expect: { anonymous: 404, guest: 404, otherGuest: 404, host: 200, otherHost: 404, admin: 200 },
  },
  {
    api: 'query',
    method: 'get',
    route: '/listings/{id}/availability',
    call: async () => ({ path: `/listings/${instantListing}/availability?from=${day(stack, 1)}&to=${day(stack, 5)}` }),
    expect: all(200),
  },
  {
    api: 'query',
    method: 'get',
    route: '/listings/{id}/blocks',
    call: async () => ({ path: `/listings/${await blockedSeen()}/blocks` }),
    expect: { anonymous: 401, guest: 404, otherGuest: 404, host: 200, otherHost: 404, admin: 200 },
  },
  // a draft's calendar is its host's business, like the draft itself
  {
    api: 'query',
    method: 'get',
    route: '/listings/{id}/availability',
    call: async () => ({ path: `/listings/${await draftSeen()}/availability?from=${day(stack, 1)}&to=${day(stack, 5)}` }),
    expect: { anonymous: 404, guest: 404, otherGuest: 404, host: 200, otherHost: 404, admin: 200 },
  },
  {
    api: 'query',
    method: 'get',
    route: '/bookings/{id}',
    call: async () => ({ path: `/bookings/${await bookingSeen()}` }),
    expect: { anonymous: 401, guest: 200, otherGuest: 404, host: 200, otherHost: 404, admin: 200 },
  },
  { api: 'query', method: 'get', route: '/me/bookings', call: async () => ({ path: '/me/bookings' }), expect: users200 },
  {
    api: 'query',
    method: 'get',
    route: '/host/bookings',
    call: async () => ({ path: '/host/bookings' }),
    expect: { anonymous: 401, guest: 403, otherGuest: 403, host: 200, otherHost: 200, admin: 200 },
  },
  {
    api: 'query',
    method: 'get',
    route: '/host/listings',
    call: async () => ({ path: '/host/listings' }),
    expect: { anonymous: 401, guest: 403, otherGuest: 403, host: 200, otherHost: 200, admin: 200 },
  },
  // a listing as its own host edits it: anyone else's looks missing
  {
    api: 'query',
    method: 'get',
    route: '/host/listings/{id}',
    call: async () => ({ path: `/host/listings/${await hostListingSeen()}` }),
    expect: { anonymous: 401, guest: 403, otherGuest: 403, host: 200, otherHost: 404, admin: 404 },
  },
  {
    api: 'query',
    method: 'get',
    route: '/host/earnings',
    call: async () => ({ path: '/host/earnings' }),
    expect: { anonymous: 401, guest: 403, otherGuest: 403, host: 200, otherHost: 200, admin: 200 },
  },
  {
    api: 'query',
    method: 'get',
    route: '/host/payouts',
    call: async () => ({ path: '/host/payouts' }),
    expect: { anonymous: 401, guest: 403, otherGuest: 403, host: 200, otherHost: 200, admin: 200 },
  },
  // what hosts wrote about a guest: the guest, and hosts who have had a request from them
  {
    api: 'query',
    method: 'get',
    route: '/users/{id}/reviews',
    call: async () => ({ path: `/users/${users.guest.userId}/reviews` }),
    expect: { anonymous: 401, guest: 200, otherGuest: 403, host: 200, otherHost: 403, admin: 200 },
  },
  { api: 'query', method: 'get', route: '/products/search', call: async () => ({ path: '/products/search?q=television' }), expect: all(200) },
  { api: 'query', method: 'get', route: '/products/{id}', call: async () => ({ path: `/products/${shelf}` }), expect: all(200) },
  { api: 'query', method: 'get', route: '/carts/me', call: async () => ({ path: '/carts/me' }), expect: users200 },
  { api: 'query', method: 'get', route: '/me/wishlist', call: async () => ({ path: '/me/wishlist' }), expect: users200 },
  { api: 'query', method: 'get', route: '/me/orders', call: async () => ({ path: '/me/orders' }), expect: users200 },
  {
    api: 'query',
    method: 'get',
    route: '/seller/products',
    call: async () => ({ path: '/seller/products' }),
    expect: { anonymous: 401, guest: 403, otherGuest: 403, host: 200, otherHost: 200, admin: 200 },
  },
  {
    api: 'query',
    method: 'get',
    route: '/seller/orders',
    call: async () => ({ path: '/seller/orders' }),
    expect: { anonymous: 401, guest: 403, otherGuest: 403, host: 200, otherHost: 200, admin: 200 },
  },
  {
    api: 'query',
    method: 'get',
    route: '/seller/stock-receipts',
    call: async () => ({ path: '/seller/stock-receipts' }),
    expect: { anonymous: 401, guest: 403, otherGuest: 403, host: 200, otherHost: 200, admin: 200 },
  },
  {
    api: 'query',
    method: 'get',
    route: '/orders/{id}',
    call: async () => ({ path: `/orders/${await orderSeen()}` }),
    expect: { anonymous: 401, guest: 200, otherGuest: 404, host: 404, otherHost: 404, admin: 200 },
  },
  // the inbox: each user's own; a notice of the host (a request for their listing) is theirs alone to mark read
  { api: 'query', method: 'get', route: '/me/notifications', call: async () => ({ path: '/me/notifications' }), expect: users200 },
  { api: 'query', method: 'get', route: '/me/notifications/unread-count', call: async () => ({ path: '/me/notifications/unread-count' }), expect: users200 },
  {
    api: 'query',
    method: 'post',
    route: '/me/notifications/{id}/read',
    call: async () => ({ path: `/me/notifications/${await noticeSeen()}/read`, body: {} }),
    expect: { anonymous: 401, guest: 404, otherGuest: 404, host: 200, otherHost: 404, admin: 404 },
  },
];

// Read models of a fresh resource, caught up before the call (a stale read answers 503, not 404).
const seen = async (api: 'query', path: string, token: string) => {
  const reply = await stack[api].get(path, { token });
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
};
const draftSeen = async () => {
  const listingId = await draft();
  await seen(
    'query',
    `/listings/${listingId}?after=${(await stack.command.put(`/listings/${listingId}`, { title: 'Draft' }, { token: users.host.token })).body.consistencyToken}`,
    users.host.token,
  );
  return listingId;
};
const hostListingSeen = async () => {
  const listingId = await draft();
  await seen(
    'query',
    `/host/listings/${listingId}?after=${(await stack.command.put(`/listings/${listingId}`, { title: 'Draft' }, { token: users.host.token })).body.consistencyToken}`,
    users.host.token,
  );
  return listingId;
};
const blockedSeen = async () => {
  const listingId = await published();
  const blocked = ok(
    await stack.command.post(`/listings/${listingId}/blocks`, { unitTypeId: 'flat', from: day(stack, 40), to: day(stack, 42) }, { token: users.host.token }),
    201,
  );
  await seen('query', `/listings/${listingId}/blocks?after=${blocked.consistencyToken}`, users.host.token);
  return listingId;
};
const bookingSeen = async () => {
  const booking = await requested();
  await seen('query', `/bookings/${booking.bookingId}?after=${booking.consistencyToken}`, users.guest.token);
  return booking.bookingId;
};
const profileSeen = async () => {
  const { userId } = await registerAs(`profile-${emails++}@stayhub.test`, 'guest');
  await seen('query', `/users/${userId}?after=${await committedHead(stack.pool)}`, users.guest.token);
  return userId;
};
const noticeSeen = async () => {
  const booking = await requested();
  const inbox = await stack.query.get(`/me/notifications?after=${booking.consistencyToken}`, { token: users.host.token });
  const notice = (inbox.body.items as { id: string; data: { bookingId?: string } }[]).find((n) => n.data.bookingId === booking.bookingId);
  expect(notice, JSON.stringify(inbox.body)).toBeDefined();
  return notice!.id;
};
const orderSeen = async () => {
  const placed = await order();
  await seen('query', `/orders/${placed.orderId}?after=${placed.consistencyToken}`, users.guest.token);
  return placed.orderId;
};

beforeAll(async () => {
  stack = await startStack({ workflows: 'manual', settings: { ADMIN_EMAILS: ` ${ADMIN_EMAIL.toUpperCase()} ` } });
  const admin = await registerAs(ADMIN_EMAIL, 'guest');
  expect(admin.role).toBe('admin');
  Object.assign(users, {
    admin,
    guest: await registerAs('guest@stayhub.test', 'guest'),
    otherGuest: await registerAs('other-guest@stayhub.test', 'guest'),
    host: await registerAs('host@stayhub.test', 'host'),
    otherHost: await registerAs('other-host@stayhub.test', 'host'),
  });
  instantListing = await published({ title: 'Instant flat' });
  requestListing = await published({ title: 'Ask-first flat', instantBook: false });
  shelf = await stockedProduct();
  // Stays that are over, one per caller, to review: book for tomorrow, then move past check-out.
  const stays = await Promise.all(actors.map(() => confirmed()));
  stack.clock.advance(DAY * ((nights + 8) as number));
  await runDueTasksSettled(stack);
  await runDueTasksSettled(stack);
  completed = Object.fromEntries(actors.map((actor, i) => [actor, stays[i]!.bookingId])) as Record<Actor, string>;
  await relogin();
});
afterAll(async () => {
  await stack?.stop();
});

describe('authorization table', () => {
  it('covers every route of both APIs', async () => {
    for (const api of ['command', 'query'] as const) {
      const document = (await stack[api].get('/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
      const routes = Object.entries(document.paths).flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method} ${path}`));
      const covered = rows.filter((row) => row.api === api).map((row) => `${row.method} ${row.route}`);
      expect(
        routes.filter((route) => !covered.includes(route)),
        `${api} routes without a row in the table`,
      ).toEqual([]);
      expect(
        covered.filter((route) => !routes.includes(route)),
        `${api} rows for routes that do not exist`,
      ).toEqual([]);
    }
  });

  it.each(rows.map((row) => [`${row.method.toUpperCase()} ${row.route}`, row] as const))('%s', async (_name, row) => {
    const outcome: Partial<Record<Actor, number>> = {};
    for (const actor of actors) {
      const call = await row.call(actor);
      const before = await eventCount();
      const options = { ...as(actor), ...(call.headers ? { headers: call.headers } : {}) };
      const client = stack[row.api];
      const reply =
        row.method === 'get'
          ? await client.get(call.path, options)
          : row.method === 'delete'
            ? await client.delete(call.path, options)
            : await client[row.method](call.path, call.body ?? {}, options);
      outcome[actor] = reply.status;
      if (reply.status >= 400) {
        expect(reply.headers.get('content-type'), `${actor}: ${JSON.stringify(reply.body)}`).toContain('application/problem+json');
        if (row.api === 'command') expect(await eventCount(), `${actor} was refused but events were stored`).toBe(before);
      }
    }
    expect(outcome).toEqual(row.expect);
  });

  it('a token with a bad signature, or past its expiry, is 401 on every secured route', async () => {
    const forged = jwtTokens('someone-elses-secret-someone-elses-secret', 60);
    const badSignature = await forged.issue({ userId: users.admin.userId, role: 'admin', email: ADMIN_EMAIL });
    const [header, payload] = users.guest.token.split('.');
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), role: 'admin' })).toString('base64url')}.${users.guest.token.split('.')[2]}`;
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${payload}.`;
    const expiring = users.otherGuest.token;
    stack.clock.advance(61 * MINUTE);
    for (const row of rows) {
      const path = row.route.replace(/\{[A-Za-z]+\}/g, 'some-id');
      for (const token of [badSignature, tampered, unsigned, expiring]) {
        const client = stack[row.api];
        const reply =
          row.method === 'get'
            ? await client.get(path, { token })
            : row.method === 'delete'
              ? await client.delete(path, { token })
              : await client[row.method](path, {}, { token });
        expect(reply.status, `${row.method} ${path}`).toBe(401);
        expect(reply.headers.get('www-authenticate')).toContain('Bearer');
      }
    }
    await relogin();
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY } from '@stayhub/event-sourcing';
import { startStack, type Reply, type Stack } from './harness.ts';
import { day, login, publishedListing, register } from './fixtures.ts';
import { addStock, checkout, createProduct, productBody } from './commerce-fixtures.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ workflows: 'manual' });
});
afterAll(async () => {
  await stack?.stop();
});

/** Command routes that answer 201 or 202 with nothing the query API serves: no Location, by design. */
const withoutResource = new Set([
  'POST /auth/register', // answers alike for a new and a taken email, so it points at no account
  'POST /admin/parked-tasks/{taskId}/retry', // a task of the workflow runner, shown by the command API's operator routes
]);

describe('Location headers', () => {
  it('every 201 and 202 of the command API points at a query API path that answers 200 for the caller', async () => {
    const followed = new Map<string, string>();
    /** Follows a reply's Location on the query API, waiting for its consistency token, as the caller. */
    const follow = async (route: string, reply: Reply, token: string) => {
      expect([201, 202], `${route}: ${JSON.stringify(reply.body)}`).toContain(reply.status);
      const location = reply.headers.get('location');
      expect(location, `${route} has a Location`).toMatch(/^\/[^?#]*$/);
      const seen = await stack.query.get(`${location}?after=${reply.body.consistencyToken}`, { token });
      expect(seen.status, `${route} -> GET ${location}: ${JSON.stringify(seen.body)}`).toBe(200);
      expect(seen.body.stale, `${route} -> GET ${location} caught up`).toBe(false);
      followed.set(route, location!);
    };

    const host = await register(stack, 'host', 'Hana');
    const guest = await register(stack, 'guest', 'Gil');
    await follow(
      'POST /listings',
      await stack.command.post('/listings', { kind: 'rental', details: { title: 'A draft, seen by its host' } }, { token: host.token }),
      host.token,
    );
    const { listingId } = await publishedListing(stack, host);
    await follow(
      'POST /listings/{id}/blocks',
      await stack.command.post(`/listings/${listingId}/blocks`, { unitTypeId: 'flat', from: day(stack, 20), to: day(stack, 22) }, { token: host.token }),
      host.token,
    );

    const booked = await stack.command.post(
      '/bookings',
      { listingId, checkIn: day(stack, 2), checkOut: day(stack, 3), guests: 1, paymentMethod: 'tok_visa' },
      { token: guest.token },
    );
    await follow('POST /bookings', booked, guest.token);
    await stack.runDueTasks();
    stack.clock.advance(4 * DAY);
    await stack.runDueTasks();
    const [guestToken, hostToken] = [await login(stack, guest), await login(stack, host)];
    const bookingId = booked.body.bookingId as string;
    await follow(
      'POST /bookings/{id}/reviews',
      await stack.command.post(`/bookings/${bookingId}/reviews`, { rating: 5, comment: 'Quiet and bright' }, { token: guestToken }),
      guestToken,
    );
    await follow(
      'POST /bookings/{id}/refunds',
      await stack.command.post(`/bookings/${bookingId}/refunds`, { amount: 1_000, reason: 'The kettle was broken' }, { token: hostToken }),
      hostToken,
    );

    const { productId } = await createProduct(stack, { token: hostToken });
    const stocked = await stack.command.post(`/products/${productId}/stock`, { quantity: 3 }, { token: hostToken });
    await follow('POST /products/{id}/stock', stocked, hostToken);
    await follow('POST /products', await stack.command.post('/products', productBody(), { token: hostToken }), hostToken);
    await addStock(stack, { token: hostToken }, productId, 1);
    await follow('POST /checkout', await checkout(stack, { token: guestToken }, { items: [{ productId, quantity: 1 }] }), guestToken);

    // every route documented with a 201 or 202 was followed here, or is one that points at nothing
    const document = (await stack.command.get('/openapi.json')).body as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
    const creating = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.entries(operations).flatMap(([method, op]) => (op.responses['201'] || op.responses['202'] ? [`${method.toUpperCase()} ${path}`] : [])),
    );
    expect(creating.filter((route) => !withoutResource.has(route)).sort()).toEqual([...followed.keys()].sort());
  });
});

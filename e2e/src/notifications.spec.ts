import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY, HOUR } from '@stayhub/event-sourcing';
import { startStack, type Stack } from './harness.ts';
import { day, login, publishedListing, register, waitUntil } from './fixtures.ts';
import { addStock, checkout, createProduct, orderReaches, settle } from './commerce-fixtures.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ workflows: 'manual' });
});
afterAll(async () => {
  await stack?.stop();
});

type Notice = { id: string; kind: string; text: string; data: Record<string, unknown>; at: string; readAt: string | null };
type Inbox = { items: Notice[]; unread: number; nextCursor: string | null; stale: boolean };
const inbox = async (token: string, query = '') => {
  const reply = await stack.query.get<Inbox>(`/me/notifications${query}`, { token });
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return reply.body;
};
const kinds = (box: Inbox) => box.items.map((n) => n.kind);
const problem = (reply: { status: number; headers: Headers }, status: number) => {
  expect(reply.status).toBe(status);
  expect(reply.headers.get('content-type')).toContain('application/problem+json');
};

describe('the in-app inbox', () => {
  it("a host sees the request with its response deadline, approves; the guest hears approved and confirmed; read marks are the owner's", async () => {
    const host = await register(stack, 'host', 'Hana');
    const guest = await register(stack, 'guest', 'Gil');
    const { listingId } = await publishedListing(stack, host, 'rental', { title: 'Harbour loft', instantBook: false });
    const requestedAt = stack.clock.now().getTime();
    const booked = await stack.command.post(
      '/bookings',
      { listingId, checkIn: day(stack, 10), checkOut: day(stack, 12), guests: 2, paymentMethod: 'tok_visa' },
      { token: guest.token },
    );
    expect(booked.status, JSON.stringify(booked.body)).toBe(201);

    const hostBox = await inbox(host.token, `?after=${booked.body.consistencyToken}`);
    expect(hostBox).toMatchObject({ unread: 1, nextCursor: null, stale: false });
    const [request] = hostBox.items;
    const respondBy = new Date(requestedAt + 24 * HOUR).toISOString();
    expect(request).toMatchObject({
      kind: 'booking.requested',
      readAt: null,
      data: { bookingId: booked.body.bookingId, listingId, listingTitle: 'Harbour loft', respondBy },
    });
    expect(request!.text).toContain('Harbour loft');
    expect(request!.text).toContain(`answer by ${respondBy.slice(0, 16).replace('T', ' ')} UTC`);
    expect(JSON.stringify(hostBox)).not.toContain(guest.email);
    expect((await inbox(guest.token)).items).toEqual([]);

    // only the owner marks it read; anyone else gets the 404 a missing notice gets, and changes nothing
    problem(await stack.query.post(`/me/notifications/${request!.id}/read`, {}, { token: guest.token }), 404);
    problem(await stack.query.post('/me/notifications/n_AAAAAAAAAAAAAAAAAAAAAA/read', {}, { token: host.token }), 404);
    expect((await stack.query.get('/me/notifications/unread-count', { token: host.token })).body).toEqual({ unread: 1, stale: false });
    const read = await stack.query.post(`/me/notifications/${request!.id}/read`, {}, { token: host.token });
    expect(read.status, JSON.stringify(read.body)).toBe(200);
    expect(read.body).toMatchObject({ id: request!.id, unread: 0 });
    const again = await stack.query.post(`/me/notifications/${request!.id}/read`, {}, { token: host.token });
    expect(again.body).toEqual(read.body);
    expect((await inbox(host.token)).items[0]).toMatchObject({ id: request!.id, readAt: read.body.readAt });

    const approved = await stack.command.post(`/bookings/${booked.body.bookingId}/approve`, {}, { token: host.token });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    await settle(stack);
    const guestBox = await waitUntil(
      () => inbox(guest.token),
      (box) => box.items.length >= 2,
    );
    expect(kinds(guestBox)).toEqual(['booking.confirmed', 'booking.approved']);
    expect(guestBox.unread).toBe(2);
    // the host's new notice comes before the one already read
    expect(kinds(await inbox(host.token))).toEqual(['booking.confirmed', 'booking.requested']);

    // the day before check-in, the reminder shows (not before)
    stack.clock.advance(8 * DAY);
    expect(kinds(await inbox(await login(stack, guest)))).not.toContain('booking.reminder');
    stack.clock.advance(2 * DAY);
    const reminded = await inbox(await login(stack, guest));
    expect(kinds(reminded)[0]).toBe('booking.reminder');
    expect(reminded.items[0]!.text).toBe(`Your stay begins tomorrow: "Harbour loft", ${day(stack, 0)} to ${day(stack, 2)}`);
  });

  it('pages unread first then newest, with a cursor; bad input is a 400 problem', async () => {
    const host = await register(stack, 'host');
    const guest = await register(stack, 'guest');
    const { listingId } = await publishedListing(stack, host, 'rental', { title: 'Paged flat', instantBook: false });
    let token = '';
    for (let i = 0; i < 3; i++) {
      const booked = await stack.command.post(
        '/bookings',
        { listingId, checkIn: day(stack, 20 + 2 * i), checkOut: day(stack, 21 + 2 * i), guests: 1, paymentMethod: 'tok_visa' },
        { token: guest.token },
      );
      expect(booked.status).toBe(201);
      token = booked.body.consistencyToken;
      stack.clock.advance(60_000);
    }
    const all = await inbox(host.token, `?after=${token}`);
    expect(all.items).toHaveLength(3);
    const first = await inbox(host.token, '?limit=2');
    expect(first.items.map((n) => n.id)).toEqual(all.items.slice(0, 2).map((n) => n.id));
    const rest = await inbox(host.token, `?limit=2&cursor=${first.nextCursor}`);
    expect(rest).toMatchObject({ items: [all.items[2]], nextCursor: null, unread: 3 });

    problem(await stack.query.get('/me/notifications?cursor=nonsense', { token: host.token }), 400);
    problem(await stack.query.get('/me/notifications?limit=0', { token: host.token }), 400);
    problem(await stack.query.get('/me/notifications?unread=true', { token: host.token }), 400);
    problem(await stack.query.post('/me/notifications/not-a-notice/read', {}, { token: host.token }), 400);
    problem(await stack.query.post(`/me/notifications/${all.items[0]!.id}/read`, { all: true }, { token: host.token }), 400);
    problem(await stack.query.get('/me/notifications'), 401);
    expect((await inbox(host.token)).unread).toBe(3);
  });

  it('a shopper hears the order confirmed and shipped; its seller that there is an order to ship', async () => {
    const seller = await register(stack, 'host', 'Sella');
    const shopper = await register(stack, 'guest', 'Shop');
    const { productId } = await createProduct(stack, seller);
    await addStock(stack, seller, productId, 5);
    const placed = await checkout(stack, shopper, { items: [{ productId, quantity: 1 }] });
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    await settle(stack);
    await orderReaches(stack, shopper, placed.body.orderId, 'confirmed');
    const toShip = await waitUntil(
      () => inbox(seller.token),
      (box) => box.items.length === 1,
    );
    expect(toShip.items[0]).toMatchObject({ kind: 'order.to_ship', data: { orderId: placed.body.orderId } });

    const shipped = await stack.command.post(`/orders/${placed.body.orderId}/ship`, { carrier: 'DHL', tracking: 'JD0001' }, { token: seller.token });
    expect(shipped.status, JSON.stringify(shipped.body)).toBe(200);
    const box = await inbox(shopper.token, `?after=${shipped.body.consistencyToken}`);
    expect(kinds(box)).toEqual(['order.shipped', 'order.confirmed']);
    expect(box.items[0]!.text).toBe('Your order has shipped with DHL (tracking JD0001)');
  });

  it('a host hears the payout sent', async () => {
    const host = await register(stack, 'host', 'Paid');
    const guest = await register(stack, 'guest');
    const { listingId } = await publishedListing(stack, host, 'rental', { title: 'Payout flat' });
    const booked = await stack.command.post(
      '/bookings',
      { listingId, checkIn: day(stack, 1), checkOut: day(stack, 2), guests: 1, paymentMethod: 'tok_visa' },
      { token: guest.token },
    );
    expect(booked.status).toBe(201);
    await settle(stack);
    stack.clock.advance(3 * DAY);
    await settle(stack);
    stack.clock.advance(2 * DAY);
    await settle(stack);
    const token = await login(stack, host);
    const box = await waitUntil(
      () => inbox(token),
      (b) => kinds(b).includes('payout.sent'),
    );
    expect(box.items.find((n) => n.kind === 'payout.sent')!.text).toMatch(/^Payout sent: \d+\.\d\d EUR$/);
  });
});

import type { PoolClient } from 'pg';
import type { RecordedEvent } from '@stayhub/infra';
import { eachEvent, type PgProjection } from '../projection.ts';
import { noticeId, noticeText, reminderAt, type NoticeData, type NoticeKind, type NoticeStay } from './notice.ts';

export const NOTIFICATIONS = 'notifications';

/**
 * Table names of a target: the notices, and what finding their recipients and words takes (each
 * booking's parties and stay, listing titles, which sellers an order's products belong to).
 */
export const notificationTables = (target: string) => ({
  notices: target,
  bookings: `${target}_bookings`,
  listings: `${target}_listings`,
  products: `${target}_products`,
  orders: `${target}_orders`,
});
type Tables = ReturnType<typeof notificationTables>;

type Amount = { amount: number; currency: string };
type Booking = { guestId: string; hostId: string; listingId: string; stay: NoticeStay; listingTitle: string | null };
type Data = Record<string, unknown> & { at: string };

const indexes = (target: string): string => `CREATE INDEX IF NOT EXISTS ${target}_inbox ON ${target} (user_id, at DESC, position DESC, notice_id DESC);`;

/**
 * A notice to one user, shown from `at` (a reminder's `at` is ahead of the event that set it);
 * notices of one instant keep the order of their events (`position`).
 */
const notify = async (client: PoolClient, t: Tables, event: RecordedEvent, id: string, userId: string, kind: NoticeKind, data: NoticeData, at: string): Promise<void> => {
  await client.query(
    `INSERT INTO ${t.notices} (notice_id, user_id, kind, text, data, at, position) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (notice_id) DO NOTHING`,
    [id, userId, kind, noticeText(kind, data), JSON.stringify(data), at, event.globalPosition],
  );
};

const bookingOf = async (client: PoolClient, t: Tables, bookingId: string): Promise<Booking | undefined> => {
  const { rows } = await client.query<{ guest_id: string; host_id: string; listing_id: string; stay: NoticeStay; title: string | null }>(
    `SELECT b.guest_id, b.host_id, b.listing_id, b.stay, l.title FROM ${t.bookings} b LEFT JOIN ${t.listings} l USING (listing_id) WHERE b.booking_id = $1`,
    [bookingId],
  );
  const row = rows[0];
  return row && { guestId: row.guest_id, hostId: row.host_id, listingId: row.listing_id, stay: row.stay, listingTitle: row.title };
};

const reminderId = (bookingId: string) => noticeId(`reminder:${bookingId}`);

/** Moves a reminder not shown yet (its time is after `at`), or takes it away when the stay is gone. */
const rescheduleReminder = async (client: PoolClient, t: Tables, bookingId: string, at: string, booking?: Booking): Promise<void> => {
  if (!booking) {
    await client.query(`DELETE FROM ${t.notices} WHERE notice_id = $1 AND at > $2`, [reminderId(bookingId), at]);
    return;
  }
  const data = reminderData(bookingId, booking);
  await client.query(`UPDATE ${t.notices} SET at = $3, text = $4, data = $5 WHERE notice_id = $1 AND at > $2`, [
    reminderId(bookingId), at, reminderAt(booking.stay, at), noticeText('booking.reminder', data), JSON.stringify(data),
  ]);
};

const reminderData = (bookingId: string, b: Booking): NoticeData => ({ bookingId, listingId: b.listingId, listingTitle: b.listingTitle, stay: b.stay });

const onBooking = async (client: PoolClient, t: Tables, event: RecordedEvent): Promise<void> => {
  const data = event.data as Data & { bookingId: string };
  const { bookingId, at } = data;
  const to = (userId: string) => noticeId(`${event.eventId}:${userId}`);
  if (event.type === 'BookingRequested') {
    const d = event.data as { guestId: string; hostId: string; listingId: string; stay: NoticeStay; guests: number; total: Amount; instantBook: boolean; respondBy?: string };
    await client.query(
      `INSERT INTO ${t.bookings} (booking_id, guest_id, host_id, listing_id, stay) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (booking_id) DO NOTHING`,
      [bookingId, d.guestId, d.hostId, d.listingId, JSON.stringify(d.stay)],
    );
    // an instant booking is told to the host when it is confirmed (paid), not before
    if (d.instantBook) return;
    const b = (await bookingOf(client, t, bookingId))!;
    await notify(client, t, event, to(d.hostId), d.hostId, 'booking.requested', { ...reminderData(bookingId, b), guests: d.guests, total: d.total, respondBy: d.respondBy ?? null }, at);
    return;
  }
  const b = await bookingOf(client, t, bookingId);
  if (!b) return;
  const about = reminderData(bookingId, b);
  switch (event.type) {
    case 'BookingApproved':
      return notify(client, t, event, to(b.guestId), b.guestId, 'booking.approved', about, at);
    case 'BookingDeclined':
      return notify(client, t, event, to(b.guestId), b.guestId, 'booking.declined', { ...about, reason: (event.data as { reason: string }).reason }, at);
    case 'BookingRequestExpired':
      return notify(client, t, event, to(b.guestId), b.guestId, 'booking.expired', about, at);
    case 'BookingPaymentFailed':
      return notify(client, t, event, to(b.guestId), b.guestId, 'booking.payment_failed', { ...about, reason: (event.data as { reason: string }).reason }, at);
    case 'BookingConfirmed':
      await notify(client, t, event, to(b.guestId), b.guestId, 'booking.confirmed', about, at);
      await notify(client, t, event, to(b.hostId), b.hostId, 'booking.confirmed', about, at);
      await notify(client, t, event, reminderId(bookingId), b.guestId, 'booking.reminder', about, reminderAt(b.stay, at));
      return;
    case 'BookingModified': {
      const stay = (event.data as { stay: NoticeStay }).stay;
      await client.query(`UPDATE ${t.bookings} SET stay = $2 WHERE booking_id = $1`, [bookingId, JSON.stringify(stay)]);
      return rescheduleReminder(client, t, bookingId, at, { ...b, stay });
    }
    case 'BookingCancelled': {
      const { byRole, refund } = event.data as { byRole: 'guest' | 'host'; refund: Amount };
      const told = { ...about, byRole, refund };
      await notify(client, t, event, to(b.guestId), b.guestId, 'booking.cancelled', told, at);
      if (byRole === 'guest') await notify(client, t, event, to(b.hostId), b.hostId, 'booking.cancelled', told, at);
      return rescheduleReminder(client, t, bookingId, at);
    }
    case 'GuestReviewedStay':
      return notify(client, t, event, to(b.hostId), b.hostId, 'review.received', about, at);
    case 'HostReviewedGuest':
      return notify(client, t, event, to(b.guestId), b.guestId, 'review.received', about, at);
    default:
      return;
  }
};

const onOrder = async (client: PoolClient, t: Tables, event: RecordedEvent): Promise<void> => {
  const data = event.data as Data & { orderId: string };
  const { orderId, at } = data;
  if (event.type === 'OrderPlaced') {
    const d = event.data as { userId: string; total: Amount; lines: { productId: string }[] };
    await client.query(`INSERT INTO ${t.orders} (order_id, user_id, total, product_ids) VALUES ($1, $2, $3, $4) ON CONFLICT (order_id) DO NOTHING`, [
      orderId, d.userId, JSON.stringify(d.total), d.lines.map((line) => line.productId),
    ]);
    return;
  }
  // the sellers are looked up when the order is confirmed, not placed: under Kafka a product's
  // events travel on another topic than the order's, so the later the better
  const { rows } = await client.query<{ user_id: string; total: Amount; sellers: string[] }>(
    `SELECT o.user_id, o.total, coalesce(array_agg(DISTINCT p.seller_id ORDER BY p.seller_id) FILTER (WHERE p.seller_id IS NOT NULL), '{}') AS sellers
       FROM ${t.orders} o LEFT JOIN ${t.products} p ON p.product_id = ANY(o.product_ids) WHERE o.order_id = $1 GROUP BY o.order_id`,
    [orderId],
  );
  const order = rows[0];
  if (!order) return;
  const to = (userId: string) => noticeId(`${event.eventId}:${userId}`);
  const about: NoticeData = { orderId, total: order.total };
  switch (event.type) {
    case 'OrderConfirmed':
      await notify(client, t, event, to(order.user_id), order.user_id, 'order.confirmed', about, at);
      for (const seller of order.sellers) await notify(client, t, event, to(seller), seller, 'order.to_ship', { orderId }, at);
      return;
    case 'OrderShipped': {
      const { carrier, tracking } = event.data as { carrier?: string; tracking?: string };
      return notify(client, t, event, to(order.user_id), order.user_id, 'order.shipped', { ...about, ...(carrier ? { carrier } : {}), ...(tracking ? { tracking } : {}) }, at);
    }
    case 'OrderDelivered':
      return notify(client, t, event, to(order.user_id), order.user_id, 'order.delivered', about, at);
    case 'OrderFailed':
      return notify(client, t, event, to(order.user_id), order.user_id, 'order.failed', { ...about, reason: (event.data as { reason: string }).reason }, at);
    case 'OrderExpired':
      return notify(client, t, event, to(order.user_id), order.user_id, 'order.failed', { ...about, reason: 'payment_timeout' }, at);
    default:
      return;
  }
};

const apply = async (client: PoolClient, event: RecordedEvent, target: string): Promise<void> => {
  const t = notificationTables(target);
  switch (event.type) {
    case 'ListingCreated':
    case 'ListingUpdated': {
      const d = event.data as { listingId: string; details?: { title?: string }; changes?: { title?: string } };
      const title = (d.details ?? d.changes)?.title;
      if (title === undefined) return;
      await client.query(`INSERT INTO ${t.listings} (listing_id, title) VALUES ($1, $2) ON CONFLICT (listing_id) DO UPDATE SET title = excluded.title`, [d.listingId, title]);
      return;
    }
    case 'ProductCreated': {
      const d = event.data as { productId: string; sellerId: string };
      await client.query(`INSERT INTO ${t.products} (product_id, seller_id) VALUES ($1, $2) ON CONFLICT (product_id) DO NOTHING`, [d.productId, d.sellerId]);
      return;
    }
    case 'HostPayoutSent': {
      const d = event.data as { hostId: string; payoutId: string; amount: Amount; at: string };
      await notify(client, t, event, noticeId(`${event.eventId}:${d.hostId}`), d.hostId, 'payout.sent', { payoutId: d.payoutId, amount: d.amount }, d.at);
      return;
    }
    default:
      // the rest of `handles`: a booking's events (reviews included) and an order's
      return event.type.startsWith('Order') ? onOrder(client, t, event) : onBooking(client, t, event);
  }
};

const bookingEvents = ['BookingRequested', 'BookingApproved', 'BookingDeclined', 'BookingRequestExpired', 'BookingPaymentFailed', 'BookingConfirmed', 'BookingModified', 'BookingCancelled'];
const orderEvents = ['OrderPlaced', 'OrderConfirmed', 'OrderShipped', 'OrderDelivered', 'OrderFailed', 'OrderExpired'];

/**
 * The in-app inbox: one row per notice to one user. Each notice's id comes from its event and
 * recipient, and rows are only inserted when absent (a reminder moved only before it shows), so the
 * checkpoint moving with the rows keeps every notice exactly once. Whether a notice was read is
 * the reader's own table, kept apart from these rows so that a rebuild keeps it.
 */
export const notificationsProjection: PgProjection = {
  name: NOTIFICATIONS,
  handles: new Set(['ListingCreated', 'ListingUpdated', 'ProductCreated', 'HostPayoutSent', 'GuestReviewedStay', 'HostReviewedGuest', ...bookingEvents, ...orderEvents]),
  async migrate(client: PoolClient, target: string, options = {}) {
    const t = notificationTables(target);
    await client.query(`
      CREATE TABLE IF NOT EXISTS ${t.notices} (
        notice_id text PRIMARY KEY,
        user_id   text NOT NULL,
        kind      text NOT NULL,
        text      text NOT NULL,
        data      jsonb NOT NULL,
        at        timestamptz NOT NULL,
        position  text NOT NULL
      );
      CREATE TABLE IF NOT EXISTS ${t.bookings} (booking_id text PRIMARY KEY, guest_id text NOT NULL, host_id text NOT NULL, listing_id text NOT NULL, stay jsonb NOT NULL);
      CREATE TABLE IF NOT EXISTS ${t.listings} (listing_id text PRIMARY KEY, title text NOT NULL);
      CREATE TABLE IF NOT EXISTS ${t.products} (product_id text PRIMARY KEY, seller_id text NOT NULL);
      CREATE TABLE IF NOT EXISTS ${t.orders} (order_id text PRIMARY KEY, user_id text NOT NULL, total jsonb NOT NULL, product_ids text[] NOT NULL);
      ${options.indexes === false ? '' : indexes(target)}`);
  },
  async index(client: PoolClient, target: string) {
    await client.query(indexes(target));
  },
  fold: eachEvent(apply),
  async drop(client: PoolClient, target: string) {
    const t = notificationTables(target);
    await client.query(`DROP TABLE IF EXISTS ${[t.orders, t.products, t.listings, t.bookings, t.notices].join(', ')}`);
  },
};

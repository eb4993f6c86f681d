import type { PoolClient } from 'pg';
import type { RecordedEvent } from '@stayhub/event-sourcing';
import { copyRows, insertNewRows, upsertRows, type FoldOptions, type PgWrite, type Queryable } from '../pg-documents.ts';
import type { PgProjection } from '../projection.ts';
import { Fold, reminderId, type BookingRow, type ListingRow, type Loaded, type NoticeRow, type OrderRow, type ProductRow } from './inbox-fold.ts';

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

const indexes = (target: string): string => `CREATE INDEX IF NOT EXISTS ${target}_inbox ON ${target} (user_id, at DESC, position DESC, notice_id DESC);`;

const keysOf = (events: readonly RecordedEvent[]) => {
  const bookings = new Set<string>();
  const orders = new Set<string>();
  const listings = new Set<string>();
  const products = new Set<string>();
  for (const event of events) {
    const d = event.data as { bookingId?: string; orderId?: string; listingId?: string; productId?: string };
    if (d.bookingId) bookings.add(d.bookingId);
    if (d.orderId) orders.add(d.orderId);
    if (d.listingId) listings.add(d.listingId);
    if (event.type === 'ProductCreated' && d.productId) products.add(d.productId);
  }
  return { bookings: [...bookings], orders: [...orders], listings, products };
};

const byKey = <R>(rows: R[], key: (row: R) => string) => new Map(rows.map((row) => [key(row), row]));

/**
 * Rows of one of the lookup tables by key: a named statement (planned once per connection, not per
 * batch), none at all when the batch asks for no key of it (a batch of bookings has no order or
 * product: a statement less each, and an empty array would be planned again every time).
 */
const rowsOf = async <R extends object>(db: Queryable, table: string, columns: string, key: string, keys: readonly string[]): Promise<R[]> =>
  keys.length === 0
    ? []
    : (
        await db.query<R>({
          name: `notifications_load:${table}`,
          text: `SELECT ${columns} FROM ${table} WHERE ${key} = ANY($1::text[])`,
          values: [keys],
        })
      ).rows;

/** Reads, outside the write transaction, every stored row the batch's events look up. */
const load = async (db: Queryable, t: Tables, events: readonly RecordedEvent[]): Promise<Loaded> => {
  const keys = keysOf(events);
  const [bookings, orders] = await Promise.all([
    rowsOf<BookingRow>(db, t.bookings, 'booking_id, guest_id, host_id, listing_id, stay, time_zone', 'booking_id', keys.bookings),
    rowsOf<OrderRow>(db, t.orders, 'order_id, user_id, total, product_ids', 'order_id', keys.orders),
  ]);
  for (const b of bookings) keys.listings.add(b.listing_id);
  for (const o of orders) for (const id of o.product_ids) keys.products.add(id);
  for (const event of events)
    if (event.type === 'OrderPlaced') for (const line of (event.data as { lines: { productId: string }[] }).lines) keys.products.add(line.productId);
  const [listings, products, reminders] = await Promise.all([
    rowsOf<ListingRow>(db, t.listings, 'listing_id, title', 'listing_id', [...keys.listings]),
    rowsOf<ProductRow>(db, t.products, 'product_id, seller_id', 'product_id', [...keys.products]),
    rowsOf<NoticeRow & { at: Date }>(db, t.notices, 'notice_id, user_id, kind, text, data, at, position', 'notice_id', keys.bookings.map(reminderId)),
  ]);
  return {
    bookings: byKey(bookings, (r) => r.booking_id),
    orders: byKey(orders, (r) => r.order_id),
    listings: byKey(listings, (r) => r.listing_id),
    products: byKey(products, (r) => r.product_id),
    reminders: byKey(
      reminders.map((r) => ({ ...r, at: r.at.toISOString() })),
      (r) => r.notice_id,
    ),
  };
};

const pick = <R>(rows: Map<string, R>, keys: Set<string>): R[] => [...keys].flatMap((key) => rows.get(key) ?? []);

/** The keys of the rows a batch found stored, before the fold adds its own to the same maps. */
const storedKeys = (s: Loaded) => ({
  bookings: new Set(s.bookings.keys()),
  listings: new Set(s.listings.keys()),
  reminders: new Set(s.reminders.keys()),
});
type Stored = ReturnType<typeof storedKeys>;

/**
 * The writes of a folded batch: each table once. In a bulk load (a rebuild into a fresh target, its
 * only writer) a row the batch did not find stored is new, and goes in with COPY: every notice (its
 * id is its event's), and the lookup rows and reminders first seen; only rows found stored are upserted.
 */
const writesOf =
  (t: Tables, s: Loaded, stored: Stored, fold: Fold, options: FoldOptions): PgWrite =>
  async (client) => {
    const { changed } = fold;
    const gone = [...changed.reminders].filter((id) => !s.reminders.has(id));
    if (options.bulk) {
      const split = <R>(rows: Map<string, R>, keys: Set<string>, known: Set<string>) => {
        const fresh: R[] = [];
        const old: R[] = [];
        for (const key of keys) {
          const row = rows.get(key);
          if (row) (known.has(key) ? old : fresh).push(row);
        }
        return { fresh, old };
      };
      const listings = split(s.listings, changed.listings, stored.listings);
      const bookings = split(s.bookings, changed.bookings, stored.bookings);
      const reminders = split(s.reminders, changed.reminders, stored.reminders);
      await copyRows(client, t.listings, listings.fresh);
      await upsertRows(client, t.listings, 'listing_id', listings.old);
      await copyRows(client, t.products, pick(s.products, changed.products));
      await copyRows(client, t.bookings, bookings.fresh);
      await upsertRows(client, t.bookings, 'booking_id', bookings.old);
      await copyRows(client, t.orders, pick(s.orders, changed.orders));
      await copyRows(client, t.notices, [...fold.notices.values(), ...reminders.fresh]);
      if (gone.length > 0) await client.query(`DELETE FROM ${t.notices} WHERE notice_id = ANY($1::text[])`, [gone]);
      await upsertRows(client, t.notices, 'notice_id', reminders.old);
      return;
    }
    await upsertRows(client, t.listings, 'listing_id', pick(s.listings, changed.listings));
    await insertNewRows(client, t.products, 'product_id', pick(s.products, changed.products));
    await upsertRows(client, t.bookings, 'booking_id', pick(s.bookings, changed.bookings));
    await insertNewRows(client, t.orders, 'order_id', pick(s.orders, changed.orders));
    await insertNewRows(client, t.notices, 'notice_id', [...fold.notices.values()]);
    if (gone.length > 0) await client.query(`DELETE FROM ${t.notices} WHERE notice_id = ANY($1::text[])`, [gone]);
    await upsertRows(client, t.notices, 'notice_id', pick(s.reminders, changed.reminders));
  };

const bookingEvents = [
  'BookingRequested',
  'BookingApproved',
  'BookingDeclined',
  'BookingRequestExpired',
  'BookingPaymentFailed',
  'BookingConfirmed',
  'BookingModified',
  'BookingCancelled',
];
const orderEvents = ['OrderPlaced', 'OrderConfirmed', 'OrderShipped', 'OrderDelivered', 'OrderFailed', 'OrderExpired'];

/**
 * The in-app inbox: one row per notice to one user. A batch reads the rows its events look up,
 * folds the events in memory and writes each table once. Each notice's id comes from its event and
 * recipient, and rows are only inserted when absent (a reminder moved only before it shows), so the
 * checkpoint moving with the rows keeps every notice exactly once. Whether a notice was read is
 * the reader's own table, kept apart from these rows so that a rebuild keeps it.
 */
export const notificationsProjection: PgProjection = {
  name: NOTIFICATIONS,
  handles: new Set([
    'ListingCreated',
    'ListingUpdated',
    'ProductCreated',
    'HostPayoutSent',
    'GuestReviewedStay',
    'HostReviewedGuest',
    ...bookingEvents,
    ...orderEvents,
  ]),
  async migrate(client: PoolClient, target: string, options = {}) {
    const t = notificationTables(target);
    await client.query(`
      CREATE TABLE IF NOT EXISTS ${t.notices} (
        notice_id text PRIMARY KEY,
        user_id   text NOT NULL,
        kind      text NOT NULL,
        text      text NOT NULL,
        -- json here and below: read whole, never queried into (see booking history's table)
        data      json NOT NULL,
        at        timestamptz NOT NULL,
        position  text NOT NULL
      );
      CREATE TABLE IF NOT EXISTS ${t.bookings} (booking_id text PRIMARY KEY, guest_id text NOT NULL, host_id text NOT NULL, listing_id text NOT NULL, stay json NOT NULL, time_zone text);
      -- the listing's zone, for times on its clock (rows of before have none: UTC)
      ALTER TABLE ${t.bookings} ADD COLUMN IF NOT EXISTS time_zone text;
      CREATE TABLE IF NOT EXISTS ${t.listings} (listing_id text PRIMARY KEY, title text NOT NULL);
      CREATE TABLE IF NOT EXISTS ${t.products} (product_id text PRIMARY KEY, seller_id text NOT NULL);
      CREATE TABLE IF NOT EXISTS ${t.orders} (order_id text PRIMARY KEY, user_id text NOT NULL, total json NOT NULL, product_ids text[] NOT NULL);
      ${options.indexes === false ? '' : indexes(target)}`);
  },
  async index(client: PoolClient, target: string) {
    await client.query(indexes(target));
  },
  async fold(db, events, target, options = {}) {
    const t = notificationTables(target);
    const loaded = await load(db, t, events);
    const stored = storedKeys(loaded);
    const fold = new Fold(loaded);
    for (const event of events) fold.apply(event);
    return writesOf(t, loaded, stored, fold, options);
  },
  async drop(client: PoolClient, target: string) {
    const t = notificationTables(target);
    await client.query(`DROP TABLE IF EXISTS ${[t.orders, t.products, t.listings, t.bookings, t.notices].join(', ')}`);
  },
};

import type { RecordedEvent } from '@stayhub/event-sourcing';
import { noticeId, noticeText, reminderAt, type NoticeData, type NoticeKind, type NoticeStay } from './notice.ts';

type Amount = { amount: number; currency: string };
type Data = Record<string, unknown> & { at: string };

export type BookingRow = { booking_id: string; guest_id: string; host_id: string; listing_id: string; stay: NoticeStay; time_zone: string | null };
export type ListingRow = { listing_id: string; title: string };
export type ProductRow = { product_id: string; seller_id: string };
export type OrderRow = { order_id: string; user_id: string; total: Amount; product_ids: string[] };
export type NoticeRow = { notice_id: string; user_id: string; kind: NoticeKind; text: string; data: NoticeData; at: string; position: string };

export const reminderId = (bookingId: string) => noticeId(`reminder:${bookingId}`);

/** What a batch reads before folding: the rows its events look up, by key. */
export type Loaded = {
  bookings: Map<string, BookingRow>;
  listings: Map<string, ListingRow>;
  products: Map<string, ProductRow>;
  orders: Map<string, OrderRow>;
  /** Reminders already stored, by notice id (a reminder is the one notice a later event changes). */
  reminders: Map<string, NoticeRow>;
};

/**
 * Folds a batch in memory, as the events would apply one by one: lookup rows change as their events
 * say, a notice is added unless its id is already there, and a reminder not shown yet (its time is
 * after the event's) moves with its stay or goes with its booking.
 */
export class Fold {
  readonly notices = new Map<string, NoticeRow>();
  readonly changed = {
    bookings: new Set<string>(),
    listings: new Set<string>(),
    products: new Set<string>(),
    orders: new Set<string>(),
    reminders: new Set<string>(),
  };

  constructor(private readonly s: Loaded) {}

  private notify(event: RecordedEvent, id: string, userId: string, kind: NoticeKind, data: NoticeData, at: string): void {
    if (this.notices.has(id) || this.s.reminders.has(id)) return;
    this.notices.set(id, { notice_id: id, user_id: userId, kind, text: noticeText(kind, data), data, at, position: event.globalPosition });
  }

  private about(bookingId: string, b: BookingRow): NoticeData {
    return {
      bookingId,
      listingId: b.listing_id,
      listingTitle: this.s.listings.get(b.listing_id)?.title ?? null,
      stay: b.stay,
      ...(b.time_zone ? { timeZone: b.time_zone } : {}),
    };
  }

  /** The listing's time zone as a booking event carries it (confirmed, modified), for when its stay begins. */
  private static zoneOf(event: RecordedEvent): string | undefined {
    return (event.data as { timeZone?: string }).timeZone;
  }

  private remind(event: RecordedEvent, bookingId: string, b: BookingRow, at: string): void {
    const id = reminderId(bookingId);
    if (this.s.reminders.has(id)) return;
    const data = this.about(bookingId, b);
    this.s.reminders.set(id, {
      notice_id: id,
      user_id: b.guest_id,
      kind: 'booking.reminder',
      text: noticeText('booking.reminder', data),
      data,
      at: reminderAt(b.stay, Fold.zoneOf(event), at),
      position: event.globalPosition,
    });
    this.changed.reminders.add(id);
  }

  /** Moves a reminder not shown yet (its time is after `at`), or takes it away when the stay is gone. */
  private reschedule(bookingId: string, at: string, b?: BookingRow, timeZone?: string): void {
    const id = reminderId(bookingId);
    const reminder = this.s.reminders.get(id);
    if (!reminder || Date.parse(reminder.at) <= Date.parse(at)) return;
    this.changed.reminders.add(id);
    if (!b) {
      this.s.reminders.delete(id);
      return;
    }
    const data = this.about(bookingId, b);
    this.s.reminders.set(id, { ...reminder, text: noticeText('booking.reminder', data), data, at: reminderAt(b.stay, timeZone, at) });
  }

  apply(event: RecordedEvent): void {
    switch (event.type) {
      case 'ListingCreated':
      case 'ListingUpdated': {
        const d = event.data as { listingId: string; details?: { title?: string }; changes?: { title?: string } };
        const title = (d.details ?? d.changes)?.title;
        if (title === undefined) return;
        this.s.listings.set(d.listingId, { listing_id: d.listingId, title });
        this.changed.listings.add(d.listingId);
        return;
      }
      case 'ProductCreated': {
        const d = event.data as { productId: string; sellerId: string };
        if (this.s.products.has(d.productId)) return;
        this.s.products.set(d.productId, { product_id: d.productId, seller_id: d.sellerId });
        this.changed.products.add(d.productId);
        return;
      }
      case 'HostPayoutSent': {
        const d = event.data as { hostId: string; payoutId: string; amount: Amount; at: string };
        this.notify(event, noticeId(`${event.eventId}:${d.hostId}`), d.hostId, 'payout.sent', { payoutId: d.payoutId, amount: d.amount }, d.at);
        return;
      }
      default:
        // the rest of `handles`: a booking's events (reviews included) and an order's
        if (event.type.startsWith('Order')) this.onOrder(event);
        else this.onBooking(event);
    }
  }

  private onBooking(event: RecordedEvent): void {
    const { bookingId, at } = event.data as Data & { bookingId: string };
    const to = (userId: string) => noticeId(`${event.eventId}:${userId}`);
    if (event.type === 'BookingRequested') {
      const d = event.data as {
        guestId: string;
        hostId: string;
        listingId: string;
        stay: NoticeStay;
        guests: number;
        total: Amount;
        instantBook: boolean;
        respondBy?: string;
        timeZone?: string;
      };
      if (!this.s.bookings.has(bookingId)) {
        this.s.bookings.set(bookingId, {
          booking_id: bookingId,
          guest_id: d.guestId,
          host_id: d.hostId,
          listing_id: d.listingId,
          stay: d.stay,
          time_zone: d.timeZone ?? null,
        });
        this.changed.bookings.add(bookingId);
      }
      // an instant booking is told to the host when it is confirmed (paid), not before
      if (d.instantBook) return;
      const b = this.s.bookings.get(bookingId)!;
      this.notify(
        event,
        to(b.host_id),
        b.host_id,
        'booking.requested',
        { ...this.about(bookingId, b), guests: d.guests, total: d.total, respondBy: d.respondBy ?? null },
        at,
      );
      return;
    }
    const b = this.s.bookings.get(bookingId);
    if (!b) return;
    const about = this.about(bookingId, b);
    const reason = () => (event.data as { reason: string }).reason;
    switch (event.type) {
      case 'BookingApproved':
        this.notify(event, to(b.guest_id), b.guest_id, 'booking.approved', about, at);
        return;
      case 'BookingDeclined':
        this.notify(event, to(b.guest_id), b.guest_id, 'booking.declined', { ...about, reason: reason() }, at);
        return;
      case 'BookingRequestExpired':
        this.notify(event, to(b.guest_id), b.guest_id, 'booking.expired', about, at);
        return;
      case 'BookingPaymentFailed':
        this.notify(event, to(b.guest_id), b.guest_id, 'booking.payment_failed', { ...about, reason: reason() }, at);
        return;
      case 'BookingConfirmed':
        this.notify(event, to(b.guest_id), b.guest_id, 'booking.confirmed', about, at);
        this.notify(event, to(b.host_id), b.host_id, 'booking.confirmed', about, at);
        this.remind(event, bookingId, b, at);
        return;
      case 'BookingModified': {
        const moved = { ...b, stay: (event.data as { stay: NoticeStay }).stay };
        this.s.bookings.set(bookingId, moved);
        this.changed.bookings.add(bookingId);
        this.reschedule(bookingId, at, moved, Fold.zoneOf(event));
        return;
      }
      case 'BookingCancelled': {
        const { byRole, refund } = event.data as { byRole: 'guest' | 'host'; refund: Amount };
        const told = { ...about, byRole, refund };
        this.notify(event, to(b.guest_id), b.guest_id, 'booking.cancelled', told, at);
        if (byRole === 'guest') this.notify(event, to(b.host_id), b.host_id, 'booking.cancelled', told, at);
        this.reschedule(bookingId, at);
        return;
      }
      case 'GuestReviewedStay':
        this.notify(event, to(b.host_id), b.host_id, 'review.received', about, at);
        return;
      case 'HostReviewedGuest':
        this.notify(event, to(b.guest_id), b.guest_id, 'review.received', about, at);
        return;
      default:
        return;
    }
  }

  private onOrder(event: RecordedEvent): void {
    const { orderId, at } = event.data as Data & { orderId: string };
    if (event.type === 'OrderPlaced') {
      const d = event.data as { userId: string; total: Amount; lines: { productId: string }[] };
      if (this.s.orders.has(orderId)) return;
      this.s.orders.set(orderId, { order_id: orderId, user_id: d.userId, total: d.total, product_ids: d.lines.map((line) => line.productId) });
      this.changed.orders.add(orderId);
      return;
    }
    const order = this.s.orders.get(orderId);
    if (!order) return;
    const to = (userId: string) => noticeId(`${event.eventId}:${userId}`);
    const shopper = order.user_id;
    const about: NoticeData = { orderId, total: order.total };
    switch (event.type) {
      case 'OrderConfirmed': {
        this.notify(event, to(shopper), shopper, 'order.confirmed', about, at);
        // the sellers are looked up when the order is confirmed, not placed: under Kafka a
        // product's events travel on another topic than the order's, so the later the better
        const sellers = new Set(order.product_ids.flatMap((id) => this.s.products.get(id)?.seller_id ?? []));
        for (const seller of [...sellers].sort()) this.notify(event, to(seller), seller, 'order.to_ship', { orderId }, at);
        return;
      }
      case 'OrderShipped': {
        const { carrier, tracking } = event.data as { carrier?: string; tracking?: string };
        this.notify(event, to(shopper), shopper, 'order.shipped', { ...about, ...(carrier ? { carrier } : {}), ...(tracking ? { tracking } : {}) }, at);
        return;
      }
      case 'OrderDelivered':
        this.notify(event, to(shopper), shopper, 'order.delivered', about, at);
        return;
      case 'OrderFailed':
        this.notify(event, to(shopper), shopper, 'order.failed', { ...about, reason: (event.data as { reason: string }).reason }, at);
        return;
      case 'OrderExpired':
        this.notify(event, to(shopper), shopper, 'order.failed', { ...about, reason: 'payment_timeout' }, at);
        return;
      default:
        return;
    }
  }
}

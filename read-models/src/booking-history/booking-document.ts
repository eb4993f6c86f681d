import QuickLRU from 'quick-lru';
import type { RecordedEvent } from '@stayhub/event-sourcing';
import { bookings, withIssue, withoutIssue, type PaymentIssue } from '@stayhub/domain';

type Stay = bookings.Stay;
type Money = { amount: number; currency: string };

/** A booking as guests and hosts list it: current vs past, with its timeline. */
export type BookingDocument = {
  bookingId: string;
  guestId: string;
  hostId: string;
  listingId: string;
  unitTypeId: string;
  kind: string;
  stay: Stay;
  start: string;
  end: string;
  guests: number;
  units: number;
  total: Money;
  paid: Money;
  refunded: Money;
  status: string;
  /** The oldest money task (capture, refund, payout) parked for a person; absent when all is well. */
  paymentIssue?: PaymentIssue;
  /** Every open one, oldest first. */
  paymentIssues?: PaymentIssue[];
  timeline: { type: string; at: string }[];
  revision: number;
  createdAt: string;
  updatedAt: string;
};

export const bookingDocumentHandles = new Set([
  'BookingRequested',
  'BookingApproved',
  'BookingDeclined',
  'BookingRequestExpired',
  'BookingPaid',
  'BookingConfirmed',
  'BookingPaymentFailed',
  'BookingPaymentOrphaned',
  'BookingCancelled',
  'BookingModified',
  'BookingRefunded',
  'BookingCompleted',
  'GuestReviewedStay',
  'HostReviewedGuest',
  'BookingPaymentIssueRaised',
  'BookingPaymentIssueResolved',
]);

/** Start and end of the stay as instants: check-in and check-out on the listing's clock (its zone as the event carries it). */
const bounds = (stay: Stay, timeZone: string | undefined): { start: string; end: string } => ({
  start: bookings.stayStart(stay, timeZone),
  end: bookings.stayEnd(stay, timeZone),
});

/** The status the domain's status machine gives (documents of before it was typed keep their string). */
const nextStatus = (status: string, event: RecordedEvent): string =>
  bookings.statusAfter(status as bookings.Booking['status'], { type: event.type, data: event.data } as bookings.BookingEvent);

type Data = Record<string, any>;

const withIssues = (doc: BookingDocument, issues: PaymentIssue[]): BookingDocument => {
  const { paymentIssue: _old, paymentIssues: _list, ...rest } = doc;
  return issues.length > 0 ? { ...rest, paymentIssue: issues[0]!, paymentIssues: issues } : rest;
};

/**
 * The latest folds, by event: booking history and host bookings evolve the same document from the
 * same events, and a replay hands the same event objects to both. `evolve` is pure, so a read model
 * whose document before an event is the very object another one had gets that one's result (the
 * same object, which COPY then serializes once, see `sharedValue`) instead of folding it again; any
 * other document, or a live runner's own events, fold as usual. Bounded and strong, not a WeakMap:
 * weak entries outlive young collections and grew a replay's heap by a third.
 */
const folded = new QuickLRU<RecordedEvent, { before: BookingDocument | undefined; after: BookingDocument | undefined }>({ maxSize: 4096 });

/** Pure: the next document for an event of the booking's stream; a redelivered event changes nothing. */
export const evolveBookingDocument = (doc: BookingDocument | undefined, event: RecordedEvent): BookingDocument | undefined => {
  const last = folded.get(event);
  if (last && last.before === doc) return last.after;
  const after = evolve(doc, event);
  folded.set(event, { before: doc, after });
  return after;
};

const evolve = (doc: BookingDocument | undefined, event: RecordedEvent): BookingDocument | undefined => {
  const data = event.data as Data;
  const at = (data.at as string | undefined) ?? event.occurredAt;
  if (event.type === 'BookingRequested') {
    if (doc) return doc;
    return {
      bookingId: data.bookingId,
      guestId: data.guestId,
      hostId: data.hostId,
      listingId: data.listingId,
      unitTypeId: data.unitTypeId,
      kind: data.kind,
      stay: data.stay,
      ...bounds(data.stay, data.timeZone),
      guests: data.guests,
      units: data.units,
      total: data.total,
      paid: { amount: 0, currency: data.total.currency },
      refunded: { amount: 0, currency: data.total.currency },
      status: nextStatus('awaiting_approval', event),
      timeline: [{ type: event.type, at }],
      revision: event.streamRevision,
      createdAt: at,
      updatedAt: at,
    };
  }
  if (!doc || event.streamRevision <= doc.revision) return doc;
  const next: BookingDocument = {
    ...doc,
    status: nextStatus(doc.status, event),
    timeline: [...doc.timeline, { type: event.type, at }],
    revision: event.streamRevision,
    updatedAt: at,
  };
  switch (event.type) {
    case 'BookingPaid':
      return { ...next, paid: { ...doc.paid, amount: doc.paid.amount + data.amount.amount } };
    case 'BookingRefunded':
      return { ...next, refunded: { ...doc.refunded, amount: doc.refunded.amount + data.amount.amount } };
    case 'BookingPaymentIssueRaised':
      return withIssues(next, withIssue(doc.paymentIssues ?? [], { taskId: data.taskId, operation: data.operation, error: data.error, since: at }));
    case 'BookingPaymentIssueResolved':
      return withIssues(next, withoutIssue(doc.paymentIssues ?? [], data.taskId));
    case 'BookingModified':
      return { ...next, stay: data.stay, ...bounds(data.stay, data.timeZone), guests: data.guests, units: data.units, total: data.total };
    default:
      return next;
  }
};

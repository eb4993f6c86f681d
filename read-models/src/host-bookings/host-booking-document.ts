import type { RecordedEvent } from '@stayhub/event-sourcing';
import { firstNameOf } from '../user-profiles/profile-document.ts';
import { bookingDocumentHandles, evolveBookingDocument, type BookingDocument } from '../booking-history/booking-document.ts';

type Money = { amount: number; currency: string };

/** The host's share of a booking once earned (after the stay): gross, platform fee, and net with every later adjustment. */
type HostShare = { gross: Money; fee: Money; net: Money };

/**
 * A booking as its host lists it: the booking's own document, plus the host's share from the
 * host's ledger stream (whose revision guards that part apart from the booking stream's).
 */
export type HostBookingDocument = BookingDocument & { payout?: HostShare; ledgerRevision?: number };

/** The first name a host sees of a guest. */
export type GuestName = { userId: string; firstName: string; revision: number };

/** A listing's title and the names of its unit types, by id. */
export type ListingNames = { listingId: string; title: string | null; unitTypes: Record<string, string>; revision: number };

const shareHandles = new Set(['HostEarningAccrued', 'HostEarningAdjusted']);
export const payoutHandles = new Set(['HostPayoutStarted', 'HostPayoutSent']);
export const guestNameHandles = new Set(['UserRegistered', 'UserProfileChanged']);
export const listingNameHandles = new Set(['ListingCreated', 'ListingUpdated', 'ListingPublished']);
export const hostBookingRowHandles = new Set([...bookingDocumentHandles, ...shareHandles]);

type Data = Record<string, any>;
const plus = (a: Money, b: Money): Money => ({ amount: a.amount + b.amount, currency: a.currency });

/** Pure: a booking event moves the booking part, a ledger event the host's share; a redelivered event changes nothing. */
export const evolveHostBooking = (doc: HostBookingDocument | undefined, event: RecordedEvent): HostBookingDocument | undefined => {
  // the booking's document carries every other field through (`...doc`), the host's share with them
  if (!shareHandles.has(event.type)) return evolveBookingDocument(doc, event) as HostBookingDocument | undefined;
  if (!doc || event.streamRevision <= (doc.ledgerRevision ?? -1)) return doc;
  const data = event.data as Data;
  const share: HostShare = { gross: data.gross, fee: data.fee, net: data.net };
  if (event.type === 'HostEarningAccrued') return { ...doc, payout: share, ledgerRevision: event.streamRevision };
  // an adjustment (a refund after the stay) nets against the share it corrects
  if (!doc.payout) return { ...doc, ledgerRevision: event.streamRevision };
  const payout = { gross: plus(doc.payout.gross, share.gross), fee: plus(doc.payout.fee, share.fee), net: plus(doc.payout.net, share.net) };
  return { ...doc, payout, ledgerRevision: event.streamRevision };
};

export const evolveGuestName = (doc: GuestName | undefined, event: RecordedEvent): GuestName | undefined => {
  if (doc && event.streamRevision <= doc.revision) return doc;
  const data = event.data as Data;
  if (event.type === 'UserRegistered') return doc ?? { userId: data.userId, firstName: firstNameOf(data.name), revision: event.streamRevision };
  if (!doc) return doc;
  const name = (data.changes as { name?: string } | undefined)?.name;
  return { ...doc, ...(name ? { firstName: firstNameOf(name) } : {}), revision: event.streamRevision };
};

export const evolveListingNames = (doc: ListingNames | undefined, event: RecordedEvent): ListingNames | undefined => {
  if (doc && event.streamRevision <= doc.revision) return doc;
  const data = event.data as Data;
  const details = (event.type === 'ListingUpdated' ? data.changes : data.details) as
    | { title?: string; unitTypes?: { unitTypeId: string; name: string }[] }
    | undefined;
  if (event.type !== 'ListingCreated' && !doc) return doc;
  const base: ListingNames = doc ?? { listingId: data.listingId, title: null, unitTypes: {}, revision: event.streamRevision };
  return {
    ...base,
    title: details?.title ?? base.title,
    unitTypes: details?.unitTypes ? Object.fromEntries(details.unitTypes.map((u) => [u.unitTypeId, u.name])) : base.unitTypes,
    revision: event.streamRevision,
  };
};

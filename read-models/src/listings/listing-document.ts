import type { RecordedEvent } from '@stayhub/event-sourcing';
import { daysBetween, listings } from '@stayhub/domain';
import { nightsBetween } from '../availability/nights.ts';
import type { NightPrices } from './night-prices.ts';

type Details = listings.ListingDetails;

/** The search and detail read model of one listing, as one document (a row here, an ES document at scale). */
export type ListingDocument = {
  listingId: string;
  hostId: string;
  kind: 'rental' | 'hotel' | 'restaurant';
  status: 'draft' | 'published' | 'unlisted';
  details: Details;
  /** Cheapest unit price, for the price filter and sort. */
  minPrice: number | null;
  /** Per unit type, the nights priced apart from its base price (amounts in the listing's currency). */
  nightPrices?: NightPrices;
  rating: { sum: number; count: number };
  reviewedBookings: string[];
  /** The listing stream revision already applied: a redelivered event is ignored. */
  revision: number;
  updatedAt: string;
};

export const listingDocumentHandles = new Set([
  'ListingCreated',
  'ListingUpdated',
  'ListingPublished',
  'ListingUnlisted',
  'GuestReviewedStay',
  'NightlyPricesSet',
]);

const withDetails = (doc: ListingDocument, details: Details): ListingDocument => {
  const prices = (details.unitTypes ?? []).map((unit) => unit.price.amount);
  return { ...doc, details, minPrice: prices.length > 0 ? Math.min(...prices) : null };
};

type Data = Record<string, any>;
type PricesSet = { unitTypeId: string; from: string; to: string; price: { amount: number } | null };

/** A change no decision could have made (more than a year of nights) changes nothing. */
const withNightPrices = (prices: NightPrices | undefined, e: PricesSet): NightPrices => {
  if (!(daysBetween(e.from, e.to) <= listings.MAX_PRICED_NIGHTS)) return prices ?? {};
  const nights = { ...prices?.[e.unitTypeId] };
  for (const night of nightsBetween(e.from, e.to)) {
    if (e.price) nights[night] = e.price.amount;
    else delete nights[night];
  }
  return { ...prices, [e.unitTypeId]: nights };
};

/** Pure: the next document for an event, or the same one if the event is old news. */
export const evolveListingDocument = (doc: ListingDocument | undefined, event: RecordedEvent): ListingDocument | undefined => {
  const data = event.data as Data;
  const at = (data.at as string | undefined) ?? event.occurredAt;
  if (event.type === 'GuestReviewedStay') {
    if (!doc || doc.reviewedBookings.includes(data.bookingId)) return doc;
    return {
      ...doc,
      rating: { sum: doc.rating.sum + Number(data.rating), count: doc.rating.count + 1 },
      reviewedBookings: [...doc.reviewedBookings, data.bookingId],
      updatedAt: at,
    };
  }
  if (doc && event.streamRevision <= doc.revision) return doc;
  switch (event.type) {
    case 'ListingCreated':
      return withDetails(
        {
          listingId: data.listingId,
          hostId: data.hostId,
          kind: data.kind,
          status: 'draft',
          details: {},
          minPrice: null,
          rating: { sum: 0, count: 0 },
          reviewedBookings: [],
          revision: event.streamRevision,
          updatedAt: at,
        },
        data.details ?? {},
      );
    case 'ListingUpdated':
      return doc && { ...withDetails(doc, { ...doc.details, ...data.changes }), revision: event.streamRevision, updatedAt: at };
    case 'ListingPublished':
      return doc && { ...withDetails(doc, data.details ?? doc.details), status: 'published', revision: event.streamRevision, updatedAt: at };
    case 'ListingUnlisted':
      return doc && { ...doc, status: 'unlisted', revision: event.streamRevision, updatedAt: at };
    case 'NightlyPricesSet':
      return doc && { ...doc, nightPrices: withNightPrices(doc.nightPrices, data as PricesSet), revision: event.streamRevision, updatedAt: at };
    default:
      return doc;
  }
};

export const listingIdOf = (event: RecordedEvent): string => (event.data as Data).listingId as string;

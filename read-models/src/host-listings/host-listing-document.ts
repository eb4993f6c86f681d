import type { RecordedEvent } from '@stayhub/event-sourcing';
import { listings } from '@stayhub/domain';

/** One of a host's own listings as the host manages it: every status, with what keeps a draft from being published. */
export type HostListing = {
  listingId: string;
  hostId: string;
  kind: listings.ListingKind;
  status: 'draft' | 'published' | 'unlisted';
  title: string | null;
  city: string | null;
  photo: string | null;
  unitTypes: number;
  /** The cheapest unit price, in minor units of `currency`. */
  minPrice: number | null;
  currency: string | null;
  /** Fields still missing before it can be published (the publish rule's own list); empty when complete. */
  missing: string[];
  complete: boolean;
  details: listings.ListingDetails;
  revision: number;
  createdAt: string;
  updatedAt: string;
};

export const hostListingHandles = new Set(['ListingCreated', 'ListingUpdated', 'ListingPublished', 'ListingUnlisted']);

const withDetails = (doc: HostListing, details: listings.ListingDetails): HostListing => {
  const units = details.unitTypes ?? [];
  const missing = listings.isComplete(doc.kind, details);
  return {
    ...doc,
    details,
    title: details.title ?? null,
    city: details.location?.city ?? null,
    photo: details.photos?.[0] ?? null,
    unitTypes: units.length,
    minPrice: units.length > 0 ? Math.min(...units.map((u) => u.price.amount)) : null,
    currency: details.currency ?? null,
    missing,
    complete: missing.length === 0,
  };
};

type Data = Record<string, any>;

/** Pure: the next document for an event of the listing's stream; the same one for an event it already has. */
export const evolveHostListing = (doc: HostListing | undefined, event: RecordedEvent): HostListing | undefined => {
  if (doc && event.streamRevision <= doc.revision) return doc;
  const data = event.data as Data;
  const at = (data.at as string | undefined) ?? event.occurredAt;
  const moved = (next: HostListing): HostListing => ({ ...next, revision: event.streamRevision, updatedAt: at });
  switch (event.type) {
    case 'ListingCreated': {
      const blank: HostListing = {
        listingId: data.listingId,
        hostId: data.hostId,
        kind: data.kind,
        status: 'draft',
        title: null,
        city: null,
        photo: null,
        unitTypes: 0,
        minPrice: null,
        currency: null,
        missing: [],
        complete: false,
        details: {},
        revision: event.streamRevision,
        createdAt: at,
        updatedAt: at,
      };
      return moved(withDetails(blank, data.details ?? {}));
    }
    case 'ListingUpdated':
      return doc && moved(withDetails(doc, { ...doc.details, ...data.changes }));
    case 'ListingPublished':
      return doc && moved({ ...withDetails(doc, data.details ?? doc.details), status: 'published' });
    case 'ListingUnlisted':
      return doc && moved({ ...doc, status: 'unlisted' });
    default:
      return doc;
  }
};

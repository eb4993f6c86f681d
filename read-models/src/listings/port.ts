/** The listing search port: PostgreSQL (word dictionary + GIN full text, GiST geo) by default, Elasticsearch at scale. */
export type ListingSearchQuery = {
  q?: string;
  lat?: number;
  lon?: number;
  radiusKm?: number;
  /** Nights wanted ([checkIn, checkOut)) or one restaurant slot; only listings with free units match. */
  checkIn?: string;
  checkOut?: string;
  slot?: string;
  guests?: number;
  minPrice?: number;
  maxPrice?: number;
  amenities?: string[];
  kind?: 'rental' | 'hotel' | 'restaurant';
  city?: string;
  /** Hotels with any of these star ratings. */
  stars?: number[];
  /** Listings rated at least this (an unrated listing does not match). */
  minRating?: number;
  /** Words every matching unit type's name has ("suite", "family room"): with dates, such a unit must be free. */
  roomType?: string;
  /** Restaurants serving any of these cuisines. */
  cuisine?: string[];
  sort: 'relevance' | 'price' | 'rating' | 'distance';
  page: number;
  pageSize: number;
  /** The `next` of the previous page: the page after its last item (keyset), instead of `page`. */
  cursor?: string;
};

export type UnitTypeView = { unitTypeId: string; name: string; count: number; capacity: number; price: { amount: number; currency: string } };

export type ListingSummary = {
  listingId: string;
  kind: string;
  title: string | null;
  city: string | null;
  country: string | null;
  location: { lat: number; lon: number } | null;
  minPrice: { amount: number; currency: string } | null;
  rating: number | null;
  ratingCount: number;
  /** A hotel's stars; null for others. */
  stars: number | null;
  amenities: string[];
  photo: string | null;
  distanceKm?: number;
  /** Unit types with room for the party on every asked night (when dates were asked). */
  availableUnitTypes?: string[];
};

/** Totals are exact up to this many matches; beyond it `total` is the bound and `totalText` says "1,000+". */
export const TOTAL_BOUND = 1000;

export type ListingSearchResult = {
  items: ListingSummary[];
  /** Matches, counted up to `TOTAL_BOUND`. */
  total: number;
  totalText: string;
  /** Pass as `cursor` for the page after this one; null on the last page. */
  next: string | null;
  page: number;
  pageSize: number;
};

const BEYOND_BOUND = `${TOTAL_BOUND.toLocaleString('en')}+`;
export const totalTextOf = (matches: number): string => (matches > TOTAL_BOUND ? BEYOND_BOUND : String(matches));

export type ListingView = {
  listingId: string;
  hostId: string;
  kind: string;
  status: string;
  details: Record<string, unknown>;
  rating: number | null;
  ratingCount: number;
  updatedAt: string;
};

export type AvailabilityDay = { key: string; unitTypes: { unitTypeId: string; free: number; count: number }[] };

export interface ListingReader {
  search(query: ListingSearchQuery): Promise<ListingSearchResult>;
  /** The same answer as `search`, as JSON text: what the query API writes out (and keeps in its cache) without serialising it again. */
  searchJson(query: ListingSearchQuery): Promise<string>;
  /** The changes (as the projectors announce them) that can alter the answer to a search of this shape: what a cache of it is keyed by. */
  searchDependsOn(query: ListingSearchQuery): readonly string[];
  /** `fresh`: read the read model itself, never a view kept in process (a reader after its own write). */
  get(listingId: string, options?: { fresh?: boolean }): Promise<ListingView | undefined>;
  /** `fresh`: read past anything kept in process (a read with a consistency token). */
  availability(listingId: string, keys: string[], options?: { fresh?: boolean }): Promise<AvailabilityDay[] | undefined>;
}

/** The listing search port: PostgreSQL (pg_trgm + earthdistance) by default, Elasticsearch at scale. */
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
  sort: 'relevance' | 'price' | 'rating' | 'distance';
  page: number;
  pageSize: number;
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
  amenities: string[];
  photo: string | null;
  distanceKm?: number;
  /** Unit types with room for the party on every asked night (when dates were asked). */
  availableUnitTypes?: string[];
};

export type ListingSearchResult = { items: ListingSummary[]; total: number; page: number; pageSize: number };

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
  get(listingId: string): Promise<ListingView | undefined>;
  availability(listingId: string, keys: string[]): Promise<AvailabilityDay[] | undefined>;
}

import type { Money } from '../shared/api.ts';

export type ListingSummary = {
  listingId: string;
  kind: string;
  title: string | null;
  city: string | null;
  country: string | null;
  location: { lat: number; lon: number } | null;
  minPrice: Money | null;
  rating: number | null;
  ratingCount: number;
  amenities: string[];
  photo: string | null;
  distanceKm?: number;
  availableUnitTypes?: string[];
};
export type SearchResult = { items: ListingSummary[]; total: number; page: number; pageSize: number; stale?: boolean };

export type UnitType = { unitTypeId: string; name: string; count: number; capacity: number; price: Money };
export type ListingDetails = {
  title?: string;
  description?: string;
  photos?: string[];
  location?: { lat: number; lon: number; city: string; country: string; address?: string; timeZone: string };
  amenities?: string[];
  cuisine?: string[];
  houseRules?: string[];
  currency?: string;
  instantBook?: boolean;
  cancellationPolicy?: 'flexible' | 'moderate' | 'strict';
  unitTypes?: UnitType[];
  slots?: { minutes: number; openingHours: Record<string, { open: string; close: string }[]> };
};
export type ListingView = {
  listingId: string;
  hostId: string;
  kind: 'rental' | 'hotel' | 'restaurant';
  status: string;
  details: ListingDetails;
  rating: number | null;
  ratingCount: number;
};
export type AvailabilityDay = { key: string; unitTypes: { unitTypeId: string; free: number; count: number }[] };

export type Stay = { kind: 'nights'; checkIn: string; checkOut: string } | { kind: 'slot'; start: string; minutes: number };
export type Booking = {
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
  timeline: { type: string; at: string }[];
  createdAt: string;
  updatedAt: string;
  responseDeadline?: string;
};
export type BookingPage = { items: Booking[]; total?: number; page?: number; pageSize?: number };

export const nightsBetween = (checkIn: string, checkOut: string): number =>
  Math.max(0, Math.round((Date.parse(`${checkOut}T00:00:00Z`) - Date.parse(`${checkIn}T00:00:00Z`)) / 86_400_000));

export const describeStay = (stay: Stay): string =>
  stay.kind === 'nights'
    ? `${stay.checkIn} → ${stay.checkOut} (${nightsBetween(stay.checkIn, stay.checkOut)} nights)`
    : `${new Date(stay.start).toLocaleString('en', { dateStyle: 'medium', timeStyle: 'short' })} (${stay.minutes} min)`;

export const addDays = (iso: string, days: number): string => new Date(Date.parse(`${iso}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
export const today = (): string => new Date().toISOString().slice(0, 10);

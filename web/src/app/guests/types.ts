import type { Stay } from '@stayhub/domain/bookings';
import type { ListingDetails } from '@stayhub/domain/listings';
import type { BookingPage as BookingPageView, BookingView, HostBookingPage as HostBookingPageView, ListingView as ListingReadView } from '@stayhub/read-models';

// What the query API answers is what its read models hold: the same types, imported as types only.
export type { AvailabilityDay, ListingSearchResult as SearchResult, ListingSummary, UnitTypeView as UnitType } from '@stayhub/read-models';
export type { ListingDetails, Stay };
export type ListingView = Omit<ListingReadView, 'details' | 'kind'> & { kind: 'rental' | 'hotel' | 'restaurant'; details: ListingDetails };
export type Booking = Omit<BookingView, 'stay'> & { stay: Stay };
export type BookingPage = Omit<BookingPageView, 'items'> & { items: Booking[] };
/** `GET /host/bookings`: the host's rows, with names and money. */
export type HostBooking = HostBookingPageView['items'][number];
export type HostBookingPage = HostBookingPageView;

export const nightsBetween = (checkIn: string, checkOut: string): number =>
  Math.max(0, Math.round((Date.parse(`${checkOut}T00:00:00Z`) - Date.parse(`${checkIn}T00:00:00Z`)) / 86_400_000));

export const describeStay = (stay: Stay): string =>
  stay.kind === 'nights'
    ? `${stay.checkIn} → ${stay.checkOut} (${nightsBetween(stay.checkIn, stay.checkOut)} nights)`
    : `${new Date(stay.start).toLocaleString('en', { dateStyle: 'medium', timeStyle: 'short' })} (${stay.minutes} min)`;

export const addDays = (iso: string, days: number): string => new Date(Date.parse(`${iso}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
export const today = (): string => new Date().toISOString().slice(0, 10);

import type { ListingDetails } from '../guests/types.ts';

export type ListingKind = 'rental' | 'hotel' | 'restaurant';

/** What the host typed, as typed: kept whole in the browser so that nothing is ever lost. */
export type ListingForm = {
  title: string;
  description: string;
  city: string;
  country: string;
  lat: string;
  lon: string;
  timeZone: string;
  address: string;
  photos: string;
  amenities: string;
  houseRules: string;
  cuisine: string;
  currency: string;
  unitName: string;
  unitCount: string;
  unitCapacity: string;
  unitPrice: string;
  slotMinutes: string;
  opens: string;
  closes: string;
  instantBook: boolean;
  cancellationPolicy: 'flexible' | 'moderate' | 'strict';
  /** The unit type the form edits ('main' for a listing the form created). */
  unitTypeId?: string;
  /** Unit types the form does not show, sent back unchanged so an edit never drops them. */
  otherUnitTypes?: ListingUnitType[];
};

type ListingUnitType = NonNullable<ListingDetails['unitTypes']>[number];

export const emptyForm = (): ListingForm => ({
  title: '',
  description: '',
  city: '',
  country: '',
  lat: '',
  lon: '',
  timeZone: 'UTC',
  address: '',
  photos: '',
  amenities: '',
  houseRules: '',
  cuisine: '',
  currency: 'EUR',
  unitName: '',
  unitCount: '1',
  unitCapacity: '2',
  unitPrice: '',
  slotMinutes: '90',
  opens: '18:00',
  closes: '23:00',
  instantBook: false,
  cancellationPolicy: 'moderate',
  unitTypeId: 'main',
  otherUnitTypes: [],
});

const list = (text: string, separator: RegExp) =>
  text
    .split(separator)
    .map((entry) => entry.trim())
    .filter(Boolean);
const number = (text: string) => (text.trim() === '' || Number.isNaN(Number(text)) ? undefined : Number(text));

/**
 * The listing details the form holds so far: each field once it is complete enough to send
 * (a place needs its coordinates, city, country and time zone; a unit type its name and price).
 */
export const detailsOf = (kind: ListingKind, form: ListingForm): ListingDetails => {
  const details: ListingDetails = {};
  if (form.title.trim()) details.title = form.title.trim();
  if (form.description.trim()) details.description = form.description;
  const lat = number(form.lat);
  const lon = number(form.lon);
  if (lat !== undefined && lon !== undefined && form.city.trim() && /^[A-Z]{2}$/.test(form.country.trim()) && form.timeZone.trim()) {
    details.location = {
      lat,
      lon,
      city: form.city.trim(),
      country: form.country.trim(),
      timeZone: form.timeZone.trim(),
      ...(form.address.trim() ? { address: form.address.trim() } : {}),
    };
  }
  const photos = list(form.photos, /\s+/);
  if (photos.length) details.photos = photos;
  const amenities = list(form.amenities, /,/);
  if (amenities.length) details.amenities = amenities;
  const rules = list(form.houseRules, /\n/);
  if (rules.length) details.houseRules = rules;
  const cuisine = list(form.cuisine, /,/);
  if (kind === 'restaurant' && cuisine.length) details.cuisine = cuisine;
  if (/^[A-Z]{3}$/.test(form.currency.trim())) details.currency = form.currency.trim();
  const price = number(form.unitPrice);
  const count = number(form.unitCount);
  const capacity = number(form.unitCapacity);
  if (form.unitName.trim() && price !== undefined && count !== undefined && capacity !== undefined && details.currency) {
    const unit = { unitTypeId: form.unitTypeId ?? 'main', name: form.unitName.trim(), count, capacity, price: { amount: Math.round(price * 100), currency: details.currency } };
    details.unitTypes = [unit, ...(form.otherUnitTypes ?? [])];
  }
  const minutes = number(form.slotMinutes);
  if (kind === 'restaurant' && minutes !== undefined && form.opens && form.closes) {
    const hours = [{ open: form.opens, close: form.closes }];
    details.slots = { minutes, openingHours: Object.fromEntries(['0', '1', '2', '3', '4', '5', '6'].map((day) => [day, hours])) };
  }
  details.instantBook = form.instantBook;
  details.cancellationPolicy = form.cancellationPolicy;
  return details;
};

const money = (amount: number) => String(amount / 100);

/**
 * The form a saved listing reads as: what another browser (or the API) saved, opened here for an
 * edit. The first unit type is the one the form shows; the others ride along unchanged.
 */
export const formOf = (kind: ListingKind, details: ListingDetails): ListingForm => {
  const form = emptyForm();
  const [unit, ...others] = details.unitTypes ?? [];
  const hours = Object.values(details.slots?.openingHours ?? {}).find((day) => day && day.length > 0)?.[0];
  return {
    ...form,
    title: details.title ?? '',
    description: details.description ?? '',
    ...(details.location
      ? {
          city: details.location.city,
          country: details.location.country,
          lat: String(details.location.lat),
          lon: String(details.location.lon),
          timeZone: details.location.timeZone,
          address: details.location.address ?? '',
        }
      : {}),
    photos: (details.photos ?? []).join('\n'),
    amenities: (details.amenities ?? []).join(', '),
    houseRules: (details.houseRules ?? []).join('\n'),
    cuisine: kind === 'restaurant' ? (details.cuisine ?? []).join(', ') : '',
    currency: details.currency ?? form.currency,
    ...(unit
      ? { unitTypeId: unit.unitTypeId, unitName: unit.name, unitCount: String(unit.count), unitCapacity: String(unit.capacity), unitPrice: money(unit.price.amount), otherUnitTypes: others }
      : {}),
    ...(details.slots && kind === 'restaurant' ? { slotMinutes: String(details.slots.minutes), ...(hours ? { opens: hours.open, closes: hours.close } : {}) } : {}),
    instantBook: details.instantBook ?? form.instantBook,
    cancellationPolicy: details.cancellationPolicy ?? form.cancellationPolicy,
  };
};

/** The words a host knows each form field by, for a message that names fields. */
export const fieldLabels: Record<keyof ListingForm, string> = {
  title: 'Title',
  description: 'Description',
  city: 'City',
  country: 'Country code',
  lat: 'Latitude',
  lon: 'Longitude',
  timeZone: 'Time zone',
  address: 'Address',
  photos: 'Photo URLs',
  amenities: 'Amenities',
  houseRules: 'House rules',
  cuisine: 'Cuisine',
  currency: 'Currency',
  unitName: 'Unit name',
  unitCount: 'Number of units',
  unitCapacity: 'Guests per unit',
  unitPrice: 'Price',
  slotMinutes: 'Minutes per seating',
  opens: 'Opens at',
  closes: 'Closes at',
  instantBook: 'Instant booking',
  cancellationPolicy: 'Cancellation policy',
  unitTypeId: 'Unit type',
  otherUnitTypes: 'Other unit types',
};

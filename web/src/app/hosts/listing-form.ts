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
  /** Rooms or tables of each type (a rental's one home), as typed; a unit type is sent once complete. */
  units: UnitForm[];
  slotMinutes: string;
  opens: string;
  closes: string;
  instantBook: boolean;
  cancellationPolicy: 'flexible' | 'moderate' | 'strict';
};

/** One unit type as typed. `key` names it for good (the server scopes it to the listing): 'main' for the first. */
export type UnitForm = { key: string; name: string; count: string; capacity: string; price: string };
export const UNIT_ATTRIBUTES = ['name', 'count', 'capacity', 'price'] as const;
export type UnitAttribute = (typeof UNIT_ATTRIBUTES)[number];

type ListingUnitType = NonNullable<ListingDetails['unitTypes']>[number];

export const emptyUnit = (key: string): UnitForm => ({ key, name: '', count: '1', capacity: '2', price: '' });

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
  units: [emptyUnit('main')],
  slotMinutes: '90',
  opens: '18:00',
  closes: '23:00',
  instantBook: false,
  cancellationPolicy: 'moderate',
});

/** A form as drafts kept it before it held every unit type (one shown, the others riding along). */
type FormBeforeUnits = Partial<ListingForm> & {
  unitTypeId?: string;
  unitName?: string;
  unitCount?: string;
  unitCapacity?: string;
  unitPrice?: string;
  otherUnitTypes?: ListingUnitType[];
};

/** A form kept in the browser by any version of the app, as this one reads it (older drafts are upcast, never lost). */
export const upcastForm = (kept: FormBeforeUnits): ListingForm => {
  const { unitTypeId, unitName, unitCount, unitCapacity, unitPrice, otherUnitTypes, ...form } = kept;
  if (form.units) return { ...emptyForm(), ...form, units: form.units };
  const first = {
    ...emptyUnit(unitTypeId ?? 'main'),
    ...(unitName !== undefined ? { name: unitName } : {}),
    ...(unitCount !== undefined ? { count: unitCount } : {}),
    ...(unitCapacity !== undefined ? { capacity: unitCapacity } : {}),
    ...(unitPrice !== undefined ? { price: unitPrice } : {}),
  };
  return { ...emptyForm(), ...form, units: [first, ...(otherUnitTypes ?? []).map(unitFormOf)] };
};

const list = (text: string, separator: RegExp) =>
  text
    .split(separator)
    .map((entry) => entry.trim())
    .filter(Boolean);
const number = (text: string) => (text.trim() === '' || Number.isNaN(Number(text)) ? undefined : Number(text));

/** A unit type as the API takes it, once its name, numbers and price are there. */
const unitTypeOf = (unit: UnitForm, currency: string): ListingUnitType | undefined => {
  const price = number(unit.price);
  const count = number(unit.count);
  const capacity = number(unit.capacity);
  if (!unit.name.trim() || price === undefined || count === undefined || capacity === undefined) return undefined;
  return { unitTypeId: unit.key, name: unit.name.trim(), count, capacity, price: { amount: Math.round(price * 100), currency } };
};

/**
 * The listing details the form holds so far: each field once it is complete enough to send
 * (a place needs its coordinates, city, country and time zone; a unit type its name and price).
 * A unit type being retyped is sent as the server last confirmed it (`acked`), so a half-typed
 * price never removes it; a new one goes once complete.
 */
export const detailsOf = (kind: ListingKind, form: ListingForm, acked: ListingDetails = {}): ListingDetails => {
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
  if (details.currency) {
    const confirmed = new Map((acked.unitTypes ?? []).map((unit) => [unit.unitTypeId, unit]));
    const currency = details.currency;
    const units = form.units.flatMap((unit) => {
      const complete = unitTypeOf(unit, currency) ?? confirmed.get(unit.key);
      return complete ? [complete] : [];
    });
    if (units.length > 0 || confirmed.size > 0) details.unitTypes = units;
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
const unitFormOf = (unit: ListingUnitType): UnitForm => ({
  key: unit.unitTypeId,
  name: unit.name,
  count: String(unit.count),
  capacity: String(unit.capacity),
  price: money(unit.price.amount),
});

/**
 * The form a saved listing reads as: what another browser (or the API) saved, opened here for an
 * edit, every unit type in it.
 */
export const formOf = (kind: ListingKind, details: ListingDetails): ListingForm => {
  const form = emptyForm();
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
    ...(details.unitTypes && details.unitTypes.length > 0 ? { units: details.unitTypes.map(unitFormOf) } : {}),
    ...(details.slots && kind === 'restaurant'
      ? { slotMinutes: String(details.slots.minutes), ...(hours ? { opens: hours.open, closes: hours.close } : {}) }
      : {}),
    instantBook: details.instantBook ?? form.instantBook,
    cancellationPolicy: details.cancellationPolicy ?? form.cancellationPolicy,
  };
};

/** A field of the form as a merge compares it: a plain field, a unit type (`units/{key}`) or one of its attributes (`units/{key}/{attribute}`). */
type PlainField = Exclude<keyof ListingForm, 'units'>;
export type FormField = PlainField | `units/${string}`;

export const plainFields = (form: ListingForm): PlainField[] =>
  (Object.keys(form) as (keyof ListingForm)[]).filter((field): field is PlainField => field !== 'units');
export const unitField = (key: string, attribute?: UnitAttribute): FormField => (attribute ? `units/${key}/${attribute}` : `units/${key}`);
const parseUnitField = (field: FormField): { key: string; attribute?: UnitAttribute } | undefined => {
  if (!field.startsWith('units/')) return undefined;
  const [, key = '', attribute] = field.split('/');
  return attribute ? { key, attribute: attribute as UnitAttribute } : { key };
};

/** A field's value in a form: a unit type (undefined when it is not there), one of its attributes, or a plain field. */
export const valueAt = (form: ListingForm, field: FormField): unknown => {
  const unit = parseUnitField(field);
  if (!unit) return form[field as PlainField];
  const found = form.units.find((u) => u.key === unit.key);
  return unit.attribute ? found?.[unit.attribute] : found;
};

/** `form` with `field` as it is in `from`: a unit type added, replaced or removed, or one attribute or plain field taken over. */
export const takeField = (form: ListingForm, field: FormField, from: ListingForm): ListingForm => {
  const unit = parseUnitField(field);
  if (!unit) return { ...form, [field]: from[field as PlainField] };
  const theirs = from.units.find((u) => u.key === unit.key);
  const mine = form.units.find((u) => u.key === unit.key);
  if (unit.attribute)
    return mine && theirs ? { ...form, units: form.units.map((u) => (u.key === unit.key ? { ...u, [unit.attribute!]: theirs[unit.attribute!] } : u)) } : form;
  if (!theirs) return { ...form, units: form.units.filter((u) => u.key !== unit.key) };
  return { ...form, units: mine ? form.units.map((u) => (u.key === unit.key ? theirs : u)) : [...form.units, theirs] };
};

/** The words a host knows each form field by, for a message that names fields. */
const fieldLabels: Record<PlainField, string> = {
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
  slotMinutes: 'Minutes per seating',
  opens: 'Opens at',
  closes: 'Closes at',
  instantBook: 'Instant booking',
  cancellationPolicy: 'Cancellation policy',
};
const unitLabels: Record<UnitAttribute, string> = { name: 'name', count: 'number', capacity: 'guests per unit', price: 'price' };

/** A field as a host reads it; a unit type by the name it has in either form. */
export const fieldLabel = (field: FormField, ...forms: ListingForm[]): string => {
  const unit = parseUnitField(field);
  if (!unit) return fieldLabels[field as PlainField];
  const name = forms.map((form) => form.units.find((u) => u.key === unit.key)?.name.trim()).find(Boolean);
  const which = name ? `Unit type “${name}”` : 'A new unit type';
  return unit.attribute ? `${which}: ${unitLabels[unit.attribute]}` : which;
};

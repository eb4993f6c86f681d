import { z } from 'zod';
import { Id, Money } from '../shared/index.ts';

export const ListingKind = z.enum(['rental', 'hotel', 'restaurant']);
export type ListingKind = z.infer<typeof ListingKind>;

export const CancellationPolicy = z.enum(['flexible', 'moderate', 'strict']);
export type CancellationPolicy = z.infer<typeof CancellationPolicy>;

const isTimeZone = (timeZone: string): boolean => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
};

const Location = z.object({
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
  city: z.string().trim().min(1).max(200),
  country: z.string().regex(/^[A-Z]{2}$/, 'ISO 3166 alpha-2 country code'),
  address: z.string().trim().min(1).max(500).optional(),
  timeZone: z.string().refine(isTimeZone, 'IANA time zone'),
});

/** Rooms of one type, or tables of one size; `price` is per unit and night, or a deposit per table. */
export const UnitType = z.object({
  unitTypeId: Id,
  name: z.string().trim().min(1).max(200),
  count: z.number().int().min(1).max(10_000),
  capacity: z.number().int().min(1).max(1_000),
  price: Money,
});
export type UnitType = z.infer<typeof UnitType>;

/**
 * Unit type ids are chosen by hosts ("double", "terrace-4") but name calendar streams, which are
 * global: they are scoped to the listing as `{listingId}.{key}`. Either form names the same type.
 */
export const scopedUnitTypeId = (listingId: string, id: string): string => (id.startsWith(`${listingId}.`) ? id : `${listingId}.${id}`);

const ClockTime = z.string().regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'HH:MM');
const OpeningInterval = z.object({ open: ClockTime, close: ClockTime }).refine((interval) => interval.open < interval.close, 'open must be before close');

/** JSON object keys, so weekdays are the strings '0' (Sunday) to '6'. */
const Weekday = z.enum(['0', '1', '2', '3', '4', '5', '6']);

export const Slots = z.object({
  minutes: z.number().int().min(15).max(480),
  openingHours: z.partialRecord(Weekday, z.array(OpeningInterval).max(10)),
});
export type Slots = z.infer<typeof Slots>;

const Tag = z.string().trim().min(1).max(100);

const detailsShape = {
  title: z.string().trim().min(1).max(200),
  description: z.string().max(10_000),
  photos: z.array(z.url({ protocol: /^https?$/ })).max(50),
  location: Location,
  amenities: z.array(Tag).max(100),
  cuisine: z.array(Tag).max(50),
  /** A hotel's official star rating (1 to 5); only hotels have one. */
  stars: z.number().int().min(1).max(5),
  houseRules: z.array(z.string().trim().min(1).max(500)).max(50),
  currency: z.string().regex(/^[A-Z]{3}$/, 'ISO 4217 currency code'),
  instantBook: z.boolean(),
  cancellationPolicy: CancellationPolicy,
  unitTypes: z
    .array(UnitType)
    .max(100)
    .refine((types) => new Set(types.map((t) => t.unitTypeId)).size === types.length, 'unitTypeId must be unique'),
  slots: Slots,
};

/** Everything optional: a draft is saved after every step of the form. */
export const ListingDetails = z.object(detailsShape).partial();
export type ListingDetails = z.infer<typeof ListingDetails>;

/** Details as saved: the unit type ids scoped to their listing. */
export const scopeUnitTypes = (listingId: string, details: ListingDetails): ListingDetails =>
  details.unitTypes ? { ...details, unitTypes: details.unitTypes.map((u) => ({ ...u, unitTypeId: scopedUnitTypeId(listingId, u.unitTypeId) })) } : details;

/** What a published listing always has. */
export const CompleteListingDetails = ListingDetails.required({
  title: true,
  description: true,
  photos: true,
  location: true,
  currency: true,
  instantBook: true,
  cancellationPolicy: true,
  unitTypes: true,
});
export type CompleteListingDetails = z.infer<typeof CompleteListingDetails>;

/** A listing's defaults, written into its first event so that readers never guess them. */
export const withDefaults = (details: ListingDetails): ListingDetails => ({
  ...details,
  instantBook: details.instantBook ?? false,
  cancellationPolicy: details.cancellationPolicy ?? 'moderate',
});

/**
 * What still keeps a listing from being published, as field paths for the form; empty when complete.
 * `unitTypes.price`: a price must be above zero; `unitTypes.currency`: prices not in the listing
 * currency; `unitTypes.single`: a rental has exactly one unit type with count 1.
 */
export const isComplete = (kind: ListingKind, details: ListingDetails): string[] => {
  const missing: string[] = [];
  const units = details.unitTypes ?? [];
  if (!details.title?.trim()) missing.push('title');
  if (!details.description?.trim()) missing.push('description');
  if (!details.photos?.length) missing.push('photos');
  if (!details.location) missing.push('location');
  if (!details.currency) missing.push('currency');
  if (units.length === 0) missing.push('unitTypes');
  if (units.some((unit) => unit.price.amount <= 0)) missing.push('unitTypes.price');
  if (details.currency && units.some((unit) => unit.price.currency !== details.currency)) missing.push('unitTypes.currency');
  if (kind === 'rental' && units.length > 0 && !(units.length === 1 && units[0]?.count === 1)) missing.push('unitTypes.single');
  if (kind === 'restaurant' && !details.slots) missing.push('slots');
  return missing;
};

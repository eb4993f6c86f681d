import { z } from 'zod';
import { assertNever, unknownEvent, ensure, fail, Id, Instant, type Decider } from '../shared/index.ts';
import { CompleteListingDetails, isComplete, ListingDetails, ListingKind, withDefaults, type UnitType } from './details.ts';
import { decideNightlyPrices, evolveNightlyPrices, NightlyPricesSetData, SetNightlyPrices, type NightlyPrices } from './prices.ts';

export const listingStreamId = (listingId: string): string => `listing-${listingId}`;

// Commands: the actor is the host acting on the listing; the route supplies `now`.
const commandBase = { listingId: Id, actorId: Id, now: Instant };

const CreateListing = z.object({
  type: z.literal('CreateListing'),
  data: z.object({ ...commandBase, kind: ListingKind, details: ListingDetails }),
});
type CreateListing = z.infer<typeof CreateListing>;
const UpdateListing = z.object({
  type: z.literal('UpdateListing'),
  data: z.object({ ...commandBase, changes: ListingDetails }),
});
type UpdateListing = z.infer<typeof UpdateListing>;
const PublishListing = z.object({ type: z.literal('PublishListing'), data: z.object(commandBase) });
type PublishListing = z.infer<typeof PublishListing>;
const UnlistListing = z.object({ type: z.literal('UnlistListing'), data: z.object(commandBase) });
type UnlistListing = z.infer<typeof UnlistListing>;
export const ListingCommand = z.discriminatedUnion('type', [CreateListing, UpdateListing, PublishListing, UnlistListing, SetNightlyPrices]);
export type ListingCommand = z.infer<typeof ListingCommand>;

export const ListingCreatedData = z.object({ listingId: Id, hostId: Id, kind: ListingKind, details: ListingDetails, at: Instant });
export const ListingUpdatedData = z.object({ listingId: Id, changes: ListingDetails, at: Instant });
export const ListingPublishedData = z.object({
  listingId: Id,
  hostId: Id,
  kind: ListingKind,
  details: CompleteListingDetails,
  at: Instant,
});
const ListingUnlistedData = z.object({ listingId: Id, at: Instant });
export type ListingCreatedData = z.infer<typeof ListingCreatedData>;
export type ListingUpdatedData = z.infer<typeof ListingUpdatedData>;
export type ListingPublishedData = z.infer<typeof ListingPublishedData>;

export const ListingEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ListingCreated'), data: ListingCreatedData }),
  z.object({ type: z.literal('ListingUpdated'), data: ListingUpdatedData }),
  z.object({ type: z.literal('ListingPublished'), data: ListingPublishedData }),
  z.object({ type: z.literal('ListingUnlisted'), data: ListingUnlistedData }),
  z.object({ type: z.literal('NightlyPricesSet'), data: NightlyPricesSetData }),
]);
export type ListingEvent = z.infer<typeof ListingEvent>;

type ListingStatus = 'draft' | 'published' | 'unlisted';
export type ExistingListing = {
  status: ListingStatus;
  listingId: string;
  hostId: string;
  kind: ListingKind;
  /** The merged record of every saved step. */
  details: ListingDetails;
  /** Per unit type, the nights priced apart from its base price. */
  prices?: NightlyPrices;
};
export type ListingState = { status: 'none' } | ExistingListing;

/** The unit type a booking asks for, or the error the booking should get. */
export const unitTypeOf = (state: ListingState, unitTypeId: string): UnitType => {
  if (state.status === 'none') return fail('LISTING_NOT_FOUND', 'No such listing');
  const unitType = state.details.unitTypes?.find((unit) => unit.unitTypeId === unitTypeId);
  return unitType ?? fail('UNIT_TYPE_NOT_FOUND', `No unit type ${unitTypeId} in listing ${state.listingId}`, { unitTypeId });
};

const ownedBy = (state: ListingState, actorId: string): ExistingListing => {
  if (state.status === 'none') return fail('LISTING_NOT_FOUND', 'No such listing');
  ensure(state.hostId === actorId, 'NOT_LISTING_OWNER', 'Only the host can change this listing');
  return state;
};

const ensureFitsKind = (kind: ListingKind, details: ListingDetails): void => {
  ensure(details.slots === undefined || kind === 'restaurant', 'LISTING_INVALID', 'Only restaurants have time slots', {
    field: 'slots',
  });
  ensure(details.stars === undefined || kind === 'hotel', 'LISTING_INVALID', 'Only hotels have stars', { field: 'stars' });
};

const ensureComplete = (kind: ListingKind, details: ListingDetails): CompleteListingDetails => {
  const missing = isComplete(kind, details);
  ensure(missing.length === 0, 'LISTING_INCOMPLETE', `Listing is incomplete: ${missing.join(', ')}`, { missing });
  return withDefaults(details) as CompleteListingDetails; // isComplete checked the other required fields
};

const create = ({ data }: CreateListing, state: ListingState): ListingEvent[] => {
  ensure(state.status === 'none', 'LISTING_EXISTS', `Listing ${data.listingId} already exists`);
  ensureFitsKind(data.kind, data.details);
  const details = withDefaults(data.details);
  return [{ type: 'ListingCreated', data: { listingId: data.listingId, hostId: data.actorId, kind: data.kind, details, at: data.now } }];
};

/** Only the fields that really change, so a re-sent form step records nothing. */
const effectiveChanges = (current: ListingDetails, changes: ListingDetails): ListingDetails =>
  Object.fromEntries(
    Object.entries(changes).filter(([field, value]) => value !== undefined && JSON.stringify(value) !== JSON.stringify(current[field as keyof ListingDetails])),
  );

const update = ({ data }: UpdateListing, state: ListingState): ListingEvent[] => {
  const listing = ownedBy(state, data.actorId);
  ensureFitsKind(listing.kind, data.changes);
  const changes = effectiveChanges(listing.details, data.changes);
  if (Object.keys(changes).length === 0) return [];
  if (listing.status === 'published') ensureComplete(listing.kind, { ...listing.details, ...changes });
  return [{ type: 'ListingUpdated', data: { listingId: listing.listingId, changes, at: data.now } }];
};

const publish = ({ data }: PublishListing, state: ListingState): ListingEvent[] => {
  const listing = ownedBy(state, data.actorId);
  if (listing.status === 'published') return [];
  const details = ensureComplete(listing.kind, listing.details);
  const { listingId, hostId, kind } = listing;
  return [{ type: 'ListingPublished', data: { listingId, hostId, kind, details, at: data.now } }];
};

const unlist = ({ data }: UnlistListing, state: ListingState): ListingEvent[] => {
  const listing = ownedBy(state, data.actorId);
  if (listing.status === 'unlisted') return [];
  ensure(listing.status === 'published', 'LISTING_NOT_PUBLISHED', 'Only a published listing can be unlisted');
  return [{ type: 'ListingUnlisted', data: { listingId: listing.listingId, at: data.now } }];
};

const setPrices = ({ data }: SetNightlyPrices, state: ListingState): ListingEvent[] => {
  const listing = ownedBy(state, data.actorId);
  const unitType = unitTypeOf(listing, data.unitTypeId);
  return decideNightlyPrices({ ...listing, currency: listing.details.currency }, unitType, data).map((event) => ({ type: 'NightlyPricesSet', data: event }));
};

const evolve = (state: ListingState, event: ListingEvent): ListingState => {
  switch (event.type) {
    case 'ListingCreated': {
      const { listingId, hostId, kind, details } = event.data;
      return { status: 'draft', listingId, hostId, kind, details };
    }
    case 'ListingUpdated':
      return state.status === 'none' ? state : { ...state, details: { ...state.details, ...event.data.changes } };
    case 'ListingPublished':
      return state.status === 'none' ? state : { ...state, status: 'published', details: event.data.details };
    case 'ListingUnlisted':
      return state.status === 'none' ? state : { ...state, status: 'unlisted' };
    case 'NightlyPricesSet':
      return state.status === 'none' ? state : { ...state, prices: evolveNightlyPrices(state.prices, event.data) };
    default:
      return unknownEvent(state, event);
  }
};

export const listingDecider: Decider<ListingCommand, ListingState, ListingEvent> = {
  initialState: { status: 'none' },
  decide: (command, state) => {
    switch (command.type) {
      case 'CreateListing':
        return create(command, state);
      case 'UpdateListing':
        return update(command, state);
      case 'PublishListing':
        return publish(command, state);
      case 'UnlistListing':
        return unlist(command, state);
      case 'SetNightlyPrices':
        return setPrices(command, state);
      default:
        return assertNever(command);
    }
  },
  evolve,
};

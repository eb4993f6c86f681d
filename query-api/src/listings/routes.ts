import { z } from 'zod';
import { bodyEtagOf, daysBetween, defineRoute, HttpProblem, NearIsoDate, queryInteger, queryNumber, type AuthUser } from '@stayhub/http-kit';
import type { Request } from 'express';
import { nightsBetween, slotTimes, type ListingView } from '@stayhub/read-models';
import type { QueryDeps } from '../shared/deps.ts';
import { catchUp, hasToken, notYet, Paging, staleHeaders, Token } from '../shared/consistency.ts';
import { cached, cacheKeyOf } from '../shared/search-cache.ts';
import { timeSearch } from '../shared/search-timing.ts';
import { searchShapeOf } from './search-metrics.ts';

const IsoDate = NearIsoDate;
const csv = z
  .string()
  .max(1000)
  .transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  );

const PRICE_RANGE =
  "Minor units per night. With checkIn/checkOut, a unit type's price is the average per night of the asked nights (each at its per-date price, else the base price); without them, its base price";

/** A slot is an instant with its offset, or a wall-clock time (`2030-05-01T19:30`) in the listing's time zone. */
const SlotTime = z.union([z.iso.datetime({ offset: true }), z.iso.datetime({ local: true })], {
  error: 'an instant with its offset (2030-05-01T17:30:00Z) or a wall-clock time (2030-05-01T19:30)',
});

const SearchQuery = z
  .object({
    q: z.string().trim().min(1).max(200).optional(),
    lat: queryNumber({ min: -90, max: 90 }).optional(),
    lon: queryNumber({ min: -180, max: 180 }).optional(),
    radiusKm: queryNumber({ positive: true, max: 20_000 }).optional(),
    checkIn: IsoDate.optional(),
    checkOut: IsoDate.optional(),
    slot: SlotTime.optional().meta({
      description: 'A restaurant slot: an instant with its offset, or a wall-clock time (2030-05-01T19:30) that each restaurant reads in its own time zone',
    }),
    guests: queryInteger({ min: 1, max: 1000 }).optional(),
    minPrice: queryInteger({ min: 0 }).optional().meta({ description: PRICE_RANGE }),
    maxPrice: queryInteger({ min: 0 }).optional().meta({ description: PRICE_RANGE }),
    amenities: csv.optional(),
    kind: z.enum(['rental', 'hotel', 'restaurant']).optional(),
    city: z.string().trim().min(1).max(200).optional(),
    stars: z
      .string()
      .regex(/^[1-5](,[1-5]){0,4}$/, 'star ratings 1 to 5, comma-separated')
      .transform((s) => [...new Set(s.split(',').map(Number))])
      .optional(),
    minRating: queryNumber({ min: 1, max: 5 }).optional(),
    roomType: z
      .string()
      .trim()
      .max(100)
      .refine((s) => /[a-z0-9]/i.test(s.normalize('NFKD')), 'a room type needs a letter or digit')
      .optional(),
    cuisine: csv.pipe(z.array(z.string().max(100)).min(1).max(20)).optional(),
    sort: z.enum(['relevance', 'price', 'rating', 'distance']).default('relevance'),
    after: Token,
    cursor: z.string().min(1).max(500).optional(),
    ...Paging,
  })
  .strict()
  .refine((q) => (q.lat === undefined) === (q.lon === undefined), { message: 'lat and lon go together', path: ['lat'] })
  .refine((q) => q.radiusKm === undefined || q.lat !== undefined, { message: 'radiusKm needs lat and lon', path: ['radiusKm'] })
  .refine((q) => (q.checkIn === undefined) === (q.checkOut === undefined), { message: 'checkIn and checkOut go together', path: ['checkOut'] })
  .refine((q) => !q.checkIn || !q.checkOut || q.checkIn < q.checkOut, { message: 'checkOut must be after checkIn', path: ['checkOut'] })
  .refine((q) => !q.checkIn || !q.checkOut || daysBetween(q.checkIn, q.checkOut) <= 60, { message: 'at most 60 nights', path: ['checkOut'] })
  .refine((q) => q.minPrice === undefined || q.maxPrice === undefined || q.minPrice <= q.maxPrice, { message: 'minPrice above maxPrice', path: ['minPrice'] })
  .refine((q) => q.sort !== 'distance' || q.lat !== undefined, { message: 'sort=distance needs lat and lon', path: ['sort'] });

const ListingId = z.object({ id: z.string().min(1).max(100) });
const AvailabilityQuery = z
  .object({ from: IsoDate, to: IsoDate, after: Token })
  .refine((q) => q.from < q.to, { message: 'to must be after from', path: ['to'] })
  .refine((q) => daysBetween(q.from, q.to) <= 366, { message: 'at most 366 days', path: ['to'] });
const SlotsQuery = z.object({ slots: csv.pipe(z.array(SlotTime).min(1).max(200)), after: Token });

/** Published listings are public; a draft or an unlisted one only to its host and operators. */
const visible = (listing: { status: string; hostId: string } | null | undefined, user: AuthUser | undefined): listing is { status: string; hostId: string } =>
  Boolean(listing && (listing.status === 'published' || listing.hostId === user?.userId || user?.role === 'admin'));

/**
 * A published listing read anonymously may be kept by any cache, a draft shown to its host only by
 * the host's own; either way revalidated on every use (its ETag answers 304 while unchanged), as a
 * host's edit must show at once.
 */
const cacheControl = (listing: { status: string }, user: AuthUser | undefined): string =>
  listing.status === 'published' && !user ? 'public, no-cache' : 'private, no-cache';

/**
 * A listing's answer as JSON text with its ETag, made once per view: the view cache hands out the
 * same (frozen) view until a change is announced, so a read it serves neither serialises nor hashes.
 */
const readyAnswers = () => {
  const made = new WeakMap<ListingView, { json: string; etag: string | undefined }>();
  const make = (req: Request, listing: ListingView, stale: boolean) => {
    const json = `${JSON.stringify(listing).slice(0, -1)},"stale":${stale}}`;
    return { json, etag: bodyEtagOf(req, json) };
  };
  return (req: Request, listing: ListingView, stale: boolean) => {
    if (stale) return make(req, listing, stale);
    let ready = made.get(listing);
    if (!ready) {
      ready = make(req, listing, stale);
      made.set(listing, ready);
    }
    return ready;
  };
};

export const listingRoutes = (deps: QueryDeps, answerOf = readyAnswers()) => [
  defineRoute({
    method: 'get',
    path: '/listings/search',
    summary:
      'Search published listings: fuzzy text, radius, dates or slot with free capacity, guests, price, amenities, kind, hotel stars, minimum rating, room type, cuisine; sorted and paged',
    tags: ['listings'],
    auth: 'none',
    query: SearchQuery,
    handler: async ({ query, req }) => {
      const stale = await catchUp(deps, req, query.after, ['listings']);
      const { after, ...asked } = query;
      // A read with a consistency token must see that write: it skips the cache (and refreshes it).
      const bypass = hasToken(req, after);
      // The answer stays the JSON text the reader made (and the cache kept): only `stale` is added to it.
      const result = await timeSearch('listings', searchShapeOf(asked), () =>
        cached(
          deps.searchCache,
          // Keyed by the changes announced to what it reads, a cached answer is not served once the projectors changed that.
          () => {
            const version = deps.changesVersion?.(deps.listings.searchDependsOn(asked));
            return version === undefined ? cacheKeyOf('listings', asked) : `${cacheKeyOf('listings', asked)}@${version}`;
          },
          bypass,
          () => deps.listings.searchJson(asked),
          (error) => deps.log.warn({ err: error }, 'search cache unavailable'),
        ),
      );
      return { json: `${result.slice(0, result.lastIndexOf('}'))},"stale":${stale}}`, headers: staleHeaders(stale) };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/listings/:id',
    summary: 'A listing with its details, unit types and rating',
    tags: ['listings'],
    auth: 'optional',
    hot: true,
    params: ListingId,
    query: z.object({ after: Token }),
    handler: async ({ params, query, req, user }) => {
      const stale = await catchUp(deps, req, query.after, ['listings']);
      const listing = await deps.listings.get(params.id, { fresh: hasToken(req, query.after) });
      if (!visible(listing, user)) {
        if (stale) throw notYet();
        throw new HttpProblem(404, 'Not Found', `No listing ${params.id}`);
      }
      return { ...answerOf(req, listing, stale), headers: { ...staleHeaders(stale), 'Cache-Control': cacheControl(listing, user) } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/listings/:id/availability',
    summary:
      'Free units per unit type for each night from `from` to `to` (exclusive), or for given restaurant `slots`: instants with an ' +
      "offset or wall-clock times (2030-05-01T19:30) in the listing's time zone. Each slot comes back as its instant (`key`), its " +
      'wall-clock time there (`local`, `timeZone`) and whether the restaurant serves it (`open`): a closed one has nothing free',
    tags: ['listings'],
    auth: 'optional',
    hot: true,
    params: ListingId,
    query: z.union([AvailabilityQuery, SlotsQuery]),
    handler: async ({ params, query, req, user }) => {
      const stale = await catchUp(deps, req, query.after, ['listings', 'availability']);
      // Nights need nothing of the listing: its calendar is read meanwhile (slots need its time zone first).
      // A read with a consistency token reads past what is kept in process, its calendar as its listing.
      const fresh = hasToken(req, query.after);
      const nights = 'from' in query ? deps.listings.availability(params.id, nightsBetween(query.from, query.to), { fresh }) : undefined;
      nights?.catch(() => undefined);
      const listing = await deps.listings.get(params.id, { fresh });
      // A draft's calendar is shown only to its host (and operators), like the draft itself.
      if (!visible(listing, user)) {
        if (stale) throw notYet();
        throw new HttpProblem(404, 'Not Found', `No listing ${params.id}`);
      }
      const asked = 'from' in query ? undefined : slotTimes(listing.details, query.slots);
      if (asked && asked.missing.length > 0) {
        throw new HttpProblem(
          400,
          'Bad Request',
          `No such time in ${asked.slots[0]?.timeZone ?? 'the listing time zone'}: the clocks skip ${asked.missing.join(', ')}`,
          {
            errors: asked.missing.map(() => ({ path: 'slots', message: 'a wall-clock time the clocks skip that day', code: 'invalid_format' })),
          },
        );
      }
      const free = await (nights ??
        deps.listings.availability(
          params.id,
          (asked?.slots ?? []).map((slot) => slot.key),
          { fresh },
        ));
      if (!free) {
        if (stale) throw notYet();
        throw new HttpProblem(404, 'Not Found', `No listing ${params.id}`);
      }
      // A slot the restaurant does not serve is never offered, whatever its calendar says.
      const days = asked
        ? free.map((day, i) => {
            const { local, timeZone, open } = asked.slots[i]!;
            return { ...day, local, timeZone, open, unitTypes: open ? day.unitTypes : day.unitTypes.map((u) => ({ ...u, free: 0 })) };
          })
        : free;
      // Laid out here, as the listing's answer is: sent as it is, without express's send.
      return {
        json: JSON.stringify({ listingId: params.id, days, stale }),
        headers: { ...staleHeaders(stale), 'Cache-Control': cacheControl(listing, user) },
      };
    },
  }),
];

import { z } from 'zod';
import { calendar, daysBetween, listings, nightsOf } from '@stayhub/domain';
import { StaleRevision, newId } from '@stayhub/event-sourcing';
import { defineRoute, HttpProblem, NearIsoDate, type Route } from '@stayhub/http-kit';
import type { CommandDeps } from '../shared/deps.ts';
import { accepted, IdParam, metadataOf } from '../shared/http.ts';

const UnitKey = z.string().regex(/^[A-Za-z0-9_.-]{1,120}$/, 'letters, digits, _ . and - only');

const Details = listings.ListingDetails.and(
  z.object({
    unitTypes: z
      .array(listings.UnitType.extend({ unitTypeId: UnitKey }))
      .max(100)
      .optional(),
  }),
);
const CreateBody = z.object({ kind: listings.ListingKind, details: Details.default({}) });
/** Nights (from/to) or restaurant slots of one unit type: what a block covers, and what lifting it names. */
const BlockRange = z.object({
  unitTypeId: UnitKey,
  from: NearIsoDate.optional(),
  to: NearIsoDate.optional(),
  slots: z
    .array(z.iso.datetime({ offset: true }))
    .min(1)
    .max(200)
    .optional(),
});
const rangeRules = <T extends z.infer<typeof BlockRange>>(schema: z.ZodType<T>) =>
  schema
    .refine((b) => (b.from && b.to && !b.slots) || (!b.from && !b.to && b.slots), { message: 'give from and to (dates), or slots' })
    .refine((b) => !b.from || !b.to || (b.from < b.to && daysBetween(b.from, b.to) <= 366), {
      message: 'to must be after from, at most 366 nights',
      path: ['to'],
    });
const BlockBody = rangeRules(BlockRange.extend({ units: z.number().int().min(1).max(10_000).optional() }));
const LiftBody = rangeRules(BlockRange);
const BlockParams = IdParam.extend({
  blockId: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only'),
});
const PricesBody = z
  .strictObject({
    unitTypeId: UnitKey,
    from: NearIsoDate,
    to: NearIsoDate,
    price: z
      .strictObject({ amount: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER), currency: z.string().regex(/^[A-Z]{3}$/, 'ISO 4217 currency code') })
      .nullable(),
  })
  .refine((b) => b.from < b.to && daysBetween(b.from, b.to) <= listings.MAX_PRICED_NIGHTS, {
    message: `to must be after from, at most ${listings.MAX_PRICED_NIGHTS} nights`,
    path: ['to'],
  });
const keysOf = (range: z.infer<typeof BlockRange>): string[] => range.slots ?? nightsOf(range.from!, range.to!);

const etag = (revision: number) => `"${revision}"`;
const ifMatch = (header: string | undefined): number | undefined => {
  if (header === undefined) return undefined;
  const match = /^"(\d+)"$/.exec(header.trim());
  if (!match) throw new HttpProblem(400, 'Bad Request', 'If-Match must be an ETag from a listing response, like "3"');
  return Number(match[1]);
};

export const listingRoutes = (deps: CommandDeps): Route[] => {
  const handle = async (listingId: string, command: listings.ListingCommand, req: Parameters<typeof metadataOf>[0], expectedRevision?: number) => {
    try {
      return await deps.processor.handle(listings.listingStreamId(listingId), listings.listingDecider, command, metadataOf(req, req.user), {
        ...(expectedRevision === undefined ? {} : { expectedRevision }),
      });
    } catch (error) {
      if (error instanceof StaleRevision) {
        throw new HttpProblem(412, 'Precondition Failed', `The listing changed since revision ${error.expected}; it is at ${error.actual}`, {
          currentRevision: error.actual,
        });
      }
      throw error;
    }
  };
  const reply = (status: number, listingId: string, handled: { state: listings.ListingState; revision: number; position: string }) => {
    const reply = accepted(status, { listingId, status: handled.state.status, revision: handled.revision }, handled.position, `/listings/${listingId}`);
    return { ...reply, headers: { ...reply.headers, ETag: etag(handled.revision) } };
  };
  const now = () => deps.clock.now().toISOString();
  /** A unit type of a listing its host (or an operator) may block and lift; 404 / 403 otherwise. */
  const hostsUnitType = async (listingId: string, unitKey: string, user: { userId: string; role: string }) => {
    const { state } = await deps.processor.load(listings.listingStreamId(listingId), listings.listingDecider);
    if (state.status === 'none') throw new HttpProblem(404, 'Not Found', `No listing ${listingId}`);
    if (state.hostId !== user.userId && user.role !== 'admin') throw new HttpProblem(403, 'Forbidden', 'Only the host blocks and lifts dates');
    const unitTypeId = listings.scopedUnitTypeId(listingId, unitKey);
    return { unitTypeId, unitType: listings.unitTypeOf(state, unitTypeId) };
  };

  return [
    defineRoute({
      method: 'post',
      path: '/listings',
      summary: 'Create a listing as a draft (any subset of details; the form saves every step)',
      tags: ['listings'],
      auth: 'user',
      roles: ['host'],
      body: CreateBody,
      responses: { 201: { description: 'The draft listing was created' } },
      handler: async ({ body, req, user }) => {
        const listingId = newId();
        const handled = await handle(
          listingId,
          {
            type: 'CreateListing',
            data: { listingId, actorId: user!.userId, now: now(), kind: body.kind, details: listings.scopeUnitTypes(listingId, body.details) },
          },
          req,
        );
        return reply(201, listingId, handled);
      },
    }),
    defineRoute({
      method: 'put',
      path: '/listings/:id',
      summary: 'Save changed details (a draft step, or an edit of a published listing); honours If-Match',
      tags: ['listings'],
      auth: 'user',
      roles: ['host'],
      params: IdParam,
      body: Details,
      headers: z.object({
        'if-match': z
          .string()
          .regex(/^"\d+"$/, 'an ETag from a listing response, like "3"')
          .optional(),
      }),
      handler: async ({ params, body, req, user }) => {
        const handled = await handle(
          params.id,
          { type: 'UpdateListing', data: { listingId: params.id, actorId: user!.userId, now: now(), changes: listings.scopeUnitTypes(params.id, body) } },
          req,
          ifMatch(req.header('if-match')),
        );
        return reply(200, params.id, handled);
      },
    }),
    ...(['publish', 'unlist'] as const).map((action) =>
      defineRoute({
        method: 'post',
        path: `/listings/:id/${action}`,
        summary: action === 'publish' ? 'Publish a complete listing (422 lists what is missing)' : 'Take a listing out of search',
        tags: ['listings'],
        auth: 'user',
        roles: ['host'],
        params: IdParam,
        handler: async ({ params, req, user }) => {
          const data = { listingId: params.id, actorId: user!.userId, now: now() };
          const handled = await handle(params.id, action === 'publish' ? { type: 'PublishListing', data } : { type: 'UnlistListing', data }, req);
          return reply(200, params.id, handled);
        },
      }),
    ),
    defineRoute({
      method: 'put',
      path: '/listings/:id/prices',
      summary:
        "Price the nights from (inclusive) to (exclusive) of a unit type apart from its base price (minor units, the listing's currency; at most a year at once); price null gives them back the base price. A booking's total sums its nights' prices",
      tags: ['listings'],
      auth: 'user',
      roles: ['host'],
      params: IdParam,
      body: PricesBody,
      handler: async ({ params, body, req, user }) => {
        const unitTypeId = listings.scopedUnitTypeId(params.id, body.unitTypeId);
        const { from, to, price } = body;
        const handled = await handle(
          params.id,
          { type: 'SetNightlyPrices', data: { listingId: params.id, actorId: user!.userId, now: now(), unitTypeId, from, to, price } },
          req,
        );
        return reply(200, params.id, handled);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/listings/:id/blocks',
      summary: 'Block nights (from/to) or slots of a unit type, e.g. for maintenance or outside bookings',
      tags: ['listings'],
      auth: 'user',
      roles: ['host'],
      params: IdParam,
      body: BlockBody,
      responses: { 201: { description: 'The nights or slots are blocked' } },
      handler: async ({ params, body, req, user }) => {
        const { unitTypeId, unitType } = await hostsUnitType(params.id, body.unitTypeId, user!);
        const keys = keysOf(body);
        const blockId = newId();
        // Every month of the block in one atomic append: a month that is full blocks nothing anywhere.
        const handled = await deps.processor.handleAll(
          calendar.calendarParts(unitTypeId, keys).map((part) => ({
            streamId: part.streamId,
            decider: calendar.calendarDecider,
            command: {
              type: 'BlockNights',
              data: { blockId, keys: part.keys, units: body.units ?? unitType.count, capacity: unitType.count, actorId: user!.userId, now: now() },
            },
          })),
          metadataOf(req, user),
        );
        const position = handled.find((h) => h.position)?.position ?? '';
        return accepted(201, { blockId, unitTypeId, keys }, position, `/listings/${params.id}/blocks`);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/listings/:id/blocks/:blockId/lift',
      summary: 'Lift a block: its nights (or slots), given as when it was made, become free again',
      tags: ['listings'],
      auth: 'user',
      roles: ['host'],
      params: BlockParams,
      body: LiftBody,
      handler: async ({ params, body, req, user }) => {
        const { unitTypeId } = await hostsUnitType(params.id, body.unitTypeId, user!);
        // Every month the block spans in one atomic append; a month without it changes nothing.
        const handled = await deps.processor.handleAll(
          calendar.calendarParts(unitTypeId, keysOf(body)).map((part) => ({
            streamId: part.streamId,
            decider: calendar.calendarDecider,
            command: { type: 'UnblockNights', data: { blockId: params.blockId, now: now() } },
          })),
          metadataOf(req, user),
        );
        const lifted = handled
          .flatMap((h) => h.events as calendar.CalendarEvent[])
          .flatMap((event) => (event.type === 'NightsUnblocked' ? event.data.keys : []));
        if (lifted.length === 0) throw new HttpProblem(404, 'Not Found', `No block ${params.blockId} of ${body.unitTypeId} in force in those dates`);
        const position = handled.find((h) => h.position)?.position ?? '';
        return accepted(200, { blockId: params.blockId, unitTypeId, keys: lifted.sort() }, position, `/listings/${params.id}/blocks`);
      },
    }),
  ];
};

import { z } from 'zod';
import { defineRoute, HttpProblem } from '@stayhub/http-kit';
import type { QueryDeps } from '../shared/deps.ts';
import { catchUp, notYet, Paging, staleHeaders, Token } from '../shared/consistency.ts';

const HOST_LISTINGS = ['host_listings'];
const Status = z.enum(['draft', 'published', 'unlisted']);

const HostListingRow = z.looseObject({
  listingId: z.string(),
  kind: z.enum(['rental', 'hotel', 'restaurant']),
  status: Status,
  title: z.string().nullable(),
  city: z.string().nullable(),
  photo: z.string().nullable(),
  unitTypes: z.number().int(),
  minPrice: z.number().int().nullable(),
  currency: z.string().nullable(),
  missing: z.array(z.string()),
  complete: z.boolean(),
  details: z.record(z.string(), z.unknown()),
  revision: z.number().int().describe('the listing stream revision: send it back as If-Match "n" with PUT /listings/:id'),
  updatedAt: z.string(),
});

const HostListingsBody = z.object({
  items: z.array(HostListingRow),
  page: z.number().int(),
  pageSize: z.number().int(),
  hasMore: z.boolean(),
  stale: z.boolean(),
});

export const hostRoutes = (deps: QueryDeps) => [
  defineRoute({
    method: 'get',
    path: '/host/listings',
    summary: "The caller's own listings, drafts included, most recently changed first, with what each still misses before it can be published",
    tags: ['listings'],
    auth: 'user',
    roles: ['host'],
    query: z.strictObject({ status: Status.optional(), after: Token, ...Paging }),
    responses: { 200: { description: 'A page of listings', schema: HostListingsBody } },
    handler: async ({ query, req, user }) => {
      const stale = await catchUp(deps, req, query.after, HOST_LISTINGS);
      const page = await deps.hostListings.byHost(user!.userId, query);
      return { body: { ...page, stale }, headers: staleHeaders(stale) };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/host/listings/:id',
    summary: "One of the caller's own listings, draft or not, with every saved detail; its ETag is the revision an edit sends back as If-Match",
    tags: ['listings'],
    auth: 'user',
    roles: ['host'],
    params: z.object({ id: z.string().min(1).max(100) }),
    query: z.strictObject({ after: Token }),
    responses: { 200: { description: 'The listing as its host edits it', schema: HostListingRow.extend({ stale: z.boolean() }) } },
    handler: async ({ params, query, req, user }) => {
      const stale = await catchUp(deps, req, query.after, HOST_LISTINGS);
      const listing = await deps.hostListings.get(user!.userId, params.id);
      // Another host's listing looks exactly like a missing one.
      if (!listing) {
        if (stale) throw notYet();
        throw new HttpProblem(404, 'Not Found', `No listing ${params.id} of yours`);
      }
      return { body: { ...listing, stale }, headers: { ...staleHeaders(stale), ETag: `"${listing.revision}"` } };
    },
  }),
];

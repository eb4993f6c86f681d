import { z } from 'zod';
import { defineRoute } from '@stayhub/infra';
import type { QueryDeps } from '../shared/deps.ts';
import { catchUp, Paging, staleHeaders, Token } from '../shared/consistency.ts';

const REVIEWS = ['reviews'];

export const reviewRoutes = (deps: QueryDeps) => [
  defineRoute({
    method: 'get',
    path: '/listings/:id/reviews',
    summary: "A listing's published reviews, newest first (rating, text, stay month, guest first name), with its average rating",
    tags: ['reviews'],
    auth: 'none',
    params: z.object({ id: z.string().min(1).max(100) }),
    query: z.object({ after: Token, ...Paging }),
    handler: async ({ params, query, req }) => {
      const stale = await catchUp(deps, req, query.after, REVIEWS);
      const page = await deps.reviews.ofListing(params.id, query);
      return { body: { ...page, stale }, headers: staleHeaders(stale) };
    },
  }),
];

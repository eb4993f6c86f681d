import { z } from 'zod';
import { defineRoute, HttpProblem } from '@stayhub/http-kit';
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
  defineRoute({
    method: 'get',
    path: '/users/:id/reviews',
    summary:
      "What hosts wrote about a guest once published, newest first (rating, text, stay month, host first name), with the guest's average; for the guest, and for hosts who have had a request from them",
    tags: ['reviews'],
    auth: 'user',
    params: z.object({ id: z.string().min(1).max(100) }),
    query: z.object({ after: Token, ...Paging }),
    handler: async ({ params, query, req, user }) => {
      const stale = await catchUp(deps, req, query.after, REVIEWS);
      const allowed = user!.userId === params.id || user!.role === 'admin' || (await deps.reviews.hasRequestFrom(user!.userId, params.id));
      if (!allowed) throw new HttpProblem(403, 'Forbidden', 'Only the guest, and hosts who have had a request from them, read what hosts wrote about a guest');
      const page = await deps.reviews.ofGuest(params.id, query);
      return { body: { ...page, stale }, headers: staleHeaders(stale) };
    },
  }),
];

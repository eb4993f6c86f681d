import { z } from 'zod';
import { defineRoute, HttpProblem } from '@stayhub/http-kit';
import type { QueryDeps } from '../shared/deps.ts';
import { catchUp, notYet, staleHeaders, Token } from '../shared/consistency.ts';

const PROFILES = ['user_profiles'];
const PUBLIC_PROFILE = ['user_profiles', 'reviews'];
/** How many of the newest reviews of a host's stays a profile shows (the rest: GET /listings/:id/reviews). */
const RECENT_REVIEWS = 3;

export const userRoutes = (deps: QueryDeps) => [
  defineRoute({
    method: 'get',
    path: '/users/:id',
    summary:
      "A user's public profile: first name, since when a member (no email), and reviews: as a host, the average rating, count and " +
      `the ${RECENT_REVIEWS} newest that guests wrote about their stays; as a guest, how many hosts wrote one`,
    tags: ['users'],
    auth: 'none',
    params: z.object({ id: z.string().min(1).max(100) }),
    query: z.object({ after: Token }),
    handler: async ({ params, query, req }) => {
      const stale = await catchUp(deps, req, query.after, PUBLIC_PROFILE);
      const [profile, reviews] = await Promise.all([deps.users.get(params.id), deps.reviews.ofProfile(params.id, RECENT_REVIEWS)]);
      if (!profile) {
        if (stale) throw notYet();
        throw new HttpProblem(404, 'Not Found', `No user ${params.id}`);
      }
      return { body: { ...profile, reviews, stale }, headers: staleHeaders(stale) };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/me',
    summary: 'Your own account: name, email, role, phone and locale as you set them (PATCH /me on the command API), and since when a member',
    tags: ['users'],
    auth: 'user',
    query: z.object({ after: Token }),
    handler: async ({ query, req, user }) => {
      const stale = await catchUp(deps, req, query.after, PROFILES);
      const profile = await deps.users.own(user!.userId);
      if (!profile) {
        if (stale) throw notYet();
        throw new HttpProblem(404, 'Not Found', 'Your account is not in the profiles read model yet');
      }
      return { body: { ...profile, stale }, headers: staleHeaders(stale) };
    },
  }),
];

import { z } from 'zod';
import { defineRoute, HttpProblem } from '@stayhub/http-kit';
import type { QueryDeps } from '../shared/deps.ts';
import { catchUp, hasToken, notYet, staleHeaders, Token } from '../shared/consistency.ts';

const BLOCKS = ['calendar_blocks', 'listings'];
const NIGHT = /^\d{4}-\d{2}-\d{2}$/;

const nextDay = (night: string): string => new Date(Date.parse(`${night}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

const Block = z.object({
  blockId: z.string(),
  unitTypeId: z.string(),
  keys: z.array(z.string()),
  from: z.string().nullable(),
  to: z.string().nullable(),
  units: z.number().int(),
  blockedBy: z.string(),
  blockedAt: z.string(),
});

export const calendarRoutes = (deps: QueryDeps) => [
  defineRoute({
    method: 'get',
    path: '/listings/:id/blocks',
    summary: "A listing's blocks in force, by first night or slot, for its host (and operators); `from`/`to` span a block of nights",
    tags: ['listings'],
    auth: 'user',
    params: z.object({ id: z.string().min(1).max(100) }),
    query: z.object({ after: Token }),
    responses: { 200: { description: 'The blocks', schema: z.object({ items: z.array(Block), stale: z.boolean() }) } },
    handler: async ({ params, query, req, user }) => {
      const stale = await catchUp(deps, req, query.after, BLOCKS);
      const listing = await deps.listings.get(params.id, { fresh: hasToken(req, query.after) });
      // Another host's calendar looks exactly like a missing listing.
      if (!listing || (listing.hostId !== user!.userId && user!.role !== 'admin')) {
        if (stale) throw notYet();
        throw new HttpProblem(404, 'Not Found', `No listing ${params.id}`);
      }
      const blocks = await deps.calendarBlocks.ofListing(params.id);
      const items = blocks.map((block) => {
        const nights = block.keys.every((key) => NIGHT.test(key));
        return { ...block, from: nights ? block.keys[0]! : null, to: nights ? nextDay(block.keys.at(-1)!) : null };
      });
      return { body: { items, stale }, headers: staleHeaders(stale) };
    },
  }),
];

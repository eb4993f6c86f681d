import { z } from 'zod';
import { defineRoute } from '@stayhub/http-kit';
import type { QueryDeps } from '../shared/deps.ts';
import { catchUp, Paging, staleHeaders, Token } from '../shared/consistency.ts';

const EARNINGS = ['host_earnings'];
const Month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month yyyy-mm');
const Amount = z.object({ amount: z.number().int(), currency: z.string() });
const Sums = { currency: z.string(), gross: z.number().int(), fee: z.number().int(), net: z.number().int(), pending: z.number().int(), paid: z.number().int() };

const EarningsBody = z.object({
  from: Month.nullable(),
  to: Month.nullable(),
  rows: z.array(z.object({ listingId: z.string(), month: Month, ...Sums })),
  totals: z.array(z.object(Sums)),
  stale: z.boolean(),
});
const PayoutsBody = z.object({
  items: z.array(
    z.object({
      payoutId: z.string(),
      amount: Amount,
      status: z.enum(['started', 'sent']),
      entries: z.number().int(),
      startedAt: z.string(),
      sentAt: z.string().nullable(),
      gatewayPayoutId: z.string().nullable(),
      issue: z.object({ taskId: z.string(), operation: z.string(), error: z.string(), since: z.string() }).nullable(),
    }),
  ),
  page: z.number().int(),
  pageSize: z.number().int(),
  hasMore: z.boolean(),
  pending: z.array(Amount),
  stale: z.boolean(),
});

export const payoutRoutes = (deps: QueryDeps) => [
  defineRoute({
    method: 'get',
    path: '/host/earnings',
    summary: "The caller's earnings as a host, per listing and month of check-out: gross, platform fee, net, and of the net what is pending and paid",
    tags: ['payouts'],
    auth: 'user',
    roles: ['host'],
    query: z
      .strictObject({ from: Month.optional(), to: Month.optional(), after: Token })
      .refine((q) => !q.from || !q.to || q.from <= q.to, { message: 'from must not be after to', path: ['from'] }),
    responses: { 200: { description: 'Earnings rows, newest month first, and totals per currency', schema: EarningsBody } },
    handler: async ({ query, req, user }) => {
      const stale = await catchUp(deps, req, query.after, EARNINGS);
      const earnings = await deps.earnings.earnings(user!.userId, query);
      return { body: { from: query.from ?? null, to: query.to ?? null, ...earnings, stale }, headers: staleHeaders(stale) };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/host/payouts',
    summary: "The caller's payouts as a host, newest first, with any payment issue, and the net not yet paid out",
    tags: ['payouts'],
    auth: 'user',
    roles: ['host'],
    query: z.strictObject({ after: Token, ...Paging }),
    responses: { 200: { description: 'A page of payouts', schema: PayoutsBody } },
    handler: async ({ query, req, user }) => {
      const stale = await catchUp(deps, req, query.after, EARNINGS);
      const page = await deps.earnings.payouts(user!.userId, query);
      return { body: { ...page, stale }, headers: staleHeaders(stale) };
    },
  }),
];

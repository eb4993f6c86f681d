import type { Pool } from 'pg';
import { z } from 'zod';
import { WorkflowRunner, type EventStore } from '@stayhub/event-sourcing';
import { defineRoute, HttpProblem, type Route } from '@stayhub/http-kit';
import { listParked, retryParked } from '../replay/parked.ts';
import type { RebuildJobs } from './rebuilds.ts';
import type { PgProjection } from '@stayhub/read-models';
import { projectionStatus } from '../runner/pg-runner.ts';

export type AdminDeps = { pool: Pool; projections: readonly PgProjection[]; eventStore?: EventStore; now: () => Date; rebuilds?: RebuildJobs };

const Name = z.object({ name: z.string().regex(/^[a-z_]{1,100}$/, 'a projection name: lower-case letters and _') });
const RebuildBody = z.strictObject({ projection: Name.shape.name, swap: z.boolean().default(true) });
const TaskQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50) });

type TaskRow = { task_id: string; workflow: string; due_at: Date; attempts: number; last_error: string | null; parked_at: Date | null };
const taskView = (row: TaskRow) => ({
  taskId: row.task_id,
  workflow: row.workflow,
  dueAt: row.due_at.toISOString(),
  attempts: row.attempts,
  lastError: row.last_error,
  parkedAt: row.parked_at?.toISOString() ?? null,
});

/**
 * What an operator needs beside /health and /metrics: each projection's position, lag and parked
 * events (with a retry after a fix), and the workflow tasks that are due or parked. Admins only.
 */
export const adminRoutes = (deps: AdminDeps): Route[] => {
  const projection = (name: string) => {
    const found = deps.projections.find((p) => p.name === name);
    if (!found) throw new HttpProblem(404, 'Not Found', `No projection ${name}; there are ${deps.projections.map((p) => p.name).join(', ')}`);
    return found;
  };
  return [
    defineRoute({
      method: 'get',
      path: '/admin/projections',
      summary: "Each projection's position, lag (events not yet applied) and parked events",
      tags: ['operations'],
      auth: 'user',
      roles: ['admin'],
      handler: async () => {
        const statuses = await projectionStatus(
          deps.pool,
          deps.projections.map((p) => p.name),
          deps.eventStore ? { eventStore: deps.eventStore } : {},
        );
        const projections = await Promise.all(
          statuses.map(async (status) => ({
            ...status,
            parkedEvents: (await listParked(deps.pool, status.name)).map(({ event: _event, ...parked }) => parked),
          })),
        );
        return { body: { projections } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/admin/projections/:name/parked/retry',
      summary: "Apply a projection's parked events again (after a fix); those still failing stay parked with their new error",
      tags: ['operations'],
      auth: 'user',
      roles: ['admin'],
      params: Name,
      handler: async ({ params }) => ({ body: await retryParked(deps.pool, projection(params.name)) }),
    }),
    ...(deps.rebuilds ? rebuildRoutes(deps.rebuilds, projection) : []),
    defineRoute({
      method: 'get',
      path: '/admin/workflows/tasks',
      summary: 'Workflow tasks still to run (soonest due first) and parked ones (newest first), with counts and each workflow subscription',
      tags: ['operations'],
      auth: 'user',
      roles: ['admin'],
      query: TaskQuery,
      handler: async ({ query }) => {
        const { rows } = await deps.pool.query<{ exists: boolean }>("SELECT to_regclass('workflow_tasks') IS NOT NULL AS exists");
        if (!rows[0]?.exists) return { body: { counts: { pending: 0, overdue: 0, parked: 0, subscriptions: [] }, due: [], parked: [] } };
        const columns = 'task_id, workflow, due_at, attempts, last_error, parked_at';
        const [counts, due, parked] = await Promise.all([
          WorkflowRunner.health(deps.pool, deps.now(), deps.eventStore ? { eventStore: deps.eventStore } : {}),
          deps.pool.query<TaskRow>(`SELECT ${columns} FROM workflow_tasks WHERE done_at IS NULL AND parked_at IS NULL ORDER BY due_at LIMIT $1`, [query.limit]),
          deps.pool.query<TaskRow>(`SELECT ${columns} FROM workflow_tasks WHERE parked_at IS NOT NULL ORDER BY parked_at DESC LIMIT $1`, [query.limit]),
        ]);
        return { body: { counts, due: due.rows.map(taskView), parked: parked.rows.map(taskView) } };
      },
    }),
  ];
};

const rebuildRoutes = (rebuilds: RebuildJobs, projection: (name: string) => PgProjection): Route[] => [
  defineRoute({
    method: 'post',
    path: '/admin/rebuilds',
    summary: 'Rebuild a projection into a fresh target beside the live one (swapped in when caught up, unless swap is false); one at a time',
    tags: ['operations'],
    auth: 'user',
    roles: ['admin'],
    body: RebuildBody,
    handler: async ({ body }) => ({ status: 202, body: { rebuild: rebuilds.start(projection(body.projection).name, body.swap) } }),
  }),
  defineRoute({
    method: 'get',
    path: '/admin/rebuilds/current',
    summary: 'The rebuild under way or last finished in this process, with its progress (events done of total)',
    tags: ['operations'],
    auth: 'user',
    roles: ['admin'],
    handler: async () => ({ body: { rebuild: rebuilds.current() } }),
  }),
];

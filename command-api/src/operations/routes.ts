import { z } from 'zod';
import { WorkflowRunner } from '@stayhub/event-sourcing';
import { defineRoute, HttpProblem, type Route } from '@stayhub/http-kit';
import { gauge } from '@stayhub/platform-kit';
import type { CommandDeps } from '../shared/deps.ts';

const TaskParam = z.object({ taskId: z.string().min(1).max(300) });
const Retrying = z.object({ taskId: z.string(), status: z.literal('retrying') });
const ParkedQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) });

/**
 * The operator's view of parked work: workflow tasks (captures, refunds, payouts, mail, holds) that
 * kept failing and were set aside. A money task parked also shows on its booking or order as a
 * `paymentIssue`; retrying it after a fix gives it a fresh round of attempts, and its success
 * resolves the issue.
 */
export const operationsRoutes = (deps: CommandDeps): Route[] => [
  defineRoute({
    method: 'get',
    path: '/admin/parked-tasks',
    summary: 'Workflow tasks parked after failing every attempt, oldest first (operators)',
    tags: ['operations'],
    auth: 'user',
    roles: ['admin'],
    query: ParkedQuery,
    handler: async ({ query }) => ({ body: { items: await WorkflowRunner.parkedTasks(deps.pool, query.limit) } }),
  }),
  defineRoute({
    method: 'post',
    path: '/admin/parked-tasks/:taskId/retry',
    summary: 'Retry a parked task now, with a fresh round of attempts (operators)',
    tags: ['operations'],
    auth: 'user',
    roles: ['admin'],
    params: TaskParam,
    responses: { 202: { description: 'The task is due again now, with a fresh round of attempts', schema: Retrying } },
    handler: async ({ params }) => {
      if (!(await WorkflowRunner.retryParkedTask(deps.pool, params.taskId, deps.clock.now()))) {
        throw new HttpProblem(404, 'Not Found', `No parked task ${params.taskId}`);
      }
      return { status: 202, body: { taskId: params.taskId, status: 'retrying' } };
    },
  }),
];

const parkedGauge = () => gauge('workflow_tasks_parked', 'Workflow tasks parked after failing every attempt, by workflow and task type', ['workflow', 'type']);
const tasksGauge = () =>
  gauge('workflow_tasks_by_type', 'Open workflow tasks by workflow, task type and state (running, due, overdue, scheduled, parked)', [
    'workflow',
    'type',
    'state',
  ]);

/** Refreshes the task gauges (by state, and the parked ones), for a /metrics scrape. */
export const refreshTaskMetrics = async (deps: CommandDeps): Promise<void> => {
  const counts = await WorkflowRunner.taskCounts(deps.pool, deps.clock.now());
  const [parked, tasks] = [parkedGauge(), tasksGauge()];
  parked.reset();
  tasks.reset();
  for (const { workflow, type, state, count } of counts) {
    tasks.set({ workflow, type, state }, count);
    if (state === 'parked') parked.set({ workflow, type }, count);
  }
};

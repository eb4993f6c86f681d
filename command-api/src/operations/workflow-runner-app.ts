import type { Express } from 'express';
import { createHttpApp } from '@stayhub/http-kit';
import type { CommandDeps } from '../shared/deps.ts';
import { refreshTaskMetrics } from './routes.ts';
import { workflowHealthBody, workflowStatus } from './workflow-status.ts';

/** The workflow runner's own process (`WORKFLOWS_IN=own-process`) answers only `/health` and `/metrics` (an admin token reads them). */
export const createWorkflowRunnerApp = (deps: CommandDeps): Express => {
  const status = workflowStatus(deps);
  return createHttpApp({
    title: 'StayHub workflow runner',
    description: 'Runs the workflows (payments, confirmations, deadlines, mail, payouts); no routes besides health and metrics.',
    routes: [],
    tokens: deps.tokens,
    logError: (error, req) => deps.log.error({ err: error, method: req.method, url: req.url }, 'unhandled error'),
    log: deps.log,
    refreshMetrics: () =>
      Promise.all([
        status(),
        refreshTaskMetrics(deps).catch((error: unknown) => deps.log.warn({ err: error }, 'workflow task counts unavailable for /metrics')),
      ]),
    extra: (app) => {
      app.get('/health', async (_req, res) => {
        const { status: code, body } = await workflowHealthBody(deps, status);
        res.status(code).json(body);
      });
    },
  });
};

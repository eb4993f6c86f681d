import { createWorkflowRunnerApp } from './operations/workflow-runner-app.ts';
import { runCommandSideProcess } from './shared/process.ts';

/**
 * The workflows in a process of their own (`WORKFLOWS_IN=own-process`), so that payments,
 * confirmations and mail take their CPU from another core than the command API's. Their commands go
 * through this process's own command processor: a stream the command API appended to meanwhile is a
 * conflict, re-read and decided again, exactly as between two command APIs.
 */
await runCommandSideProcess({
  name: 'workflow-runner',
  workflows: () => true,
  app: (side) => createWorkflowRunnerApp(side.deps),
  port: (config) => config.WORKFLOWS_PORT,
});

import { createCommandApi } from './server.ts';
import { runCommandSideProcess } from './shared/process.ts';

await runCommandSideProcess({
  name: 'command-api',
  // With WORKFLOWS_IN=own-process the workflow runner (`workflow-runner.ts`) runs them in its own process.
  workflows: (config) => config.WORKFLOWS_IN === 'command-api',
  app: (side) => createCommandApi(side.deps),
  port: (config) => config.COMMAND_API_PORT,
  // The read side comes first on shared cores: projections and reads need little CPU per booking, but at once.
  nice: (config) => config.COMMAND_API_NICE,
});

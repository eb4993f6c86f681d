/** Every process the platform runs, by the name the image's `APP` and `dist/<name>.js` use. */
export const appEntries = {
  'command-api': 'command-api/src/main.ts',
  'workflow-runner': 'command-api/src/workflow-runner.ts',
  'query-api': 'query-api/src/main.ts',
  projectors: 'projectors/src/main.ts',
  relay: 'projectors/src/kafka/relay-main.ts',
  payments: 'payment-gateway/src/main.ts',
  chat: 'chat/src/main.ts',
  web: 'web/src/server/main.ts',
  start: 'platform/src/launcher/start-all.ts',
  replay: 'projectors/src/replay/cli.ts',
  workflows: 'command-api/src/operations/workflows-cli.ts',
} as const;

export type AppName = keyof typeof appEntries;

import { createRequire } from 'node:module';
import { join } from 'node:path';

/**
 * Every process the platform runs, by the name the image's `APP` and `dist/<name>.js` use: each is
 * an entry its package exports (its `exports` map names the file), so the launcher and the build
 * know the apps by package, not by where their sources lie.
 */
export const appEntries = {
  'command-api': '@stayhub/command-api/main',
  'workflow-runner': '@stayhub/command-api/workflow-runner',
  'query-api': '@stayhub/query-api/main',
  projectors: '@stayhub/projectors/main',
  relay: '@stayhub/projectors/relay',
  payments: '@stayhub/payment-gateway/main',
  chat: '@stayhub/chat/main',
  web: '@stayhub/web/main',
  start: '@stayhub/platform/launcher',
  replay: '@stayhub/projectors/replay-cli',
  workflows: '@stayhub/command-api/workflows-cli',
} as const;

export type AppName = keyof typeof appEntries;

const require = createRequire(import.meta.url);

/** The source file of an entry: a package entry (`@stayhub/<app>/main`) resolved through its package, or a path from the project root. */
export const entryFile = (root: string, entry: string): string => (entry.startsWith('@') ? require.resolve(entry) : join(root, entry));

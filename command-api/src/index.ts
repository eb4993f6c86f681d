export * from './server.ts';
export * from './compose.ts';
export type { CommandDeps } from './shared/deps.ts';

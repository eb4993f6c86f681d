export * from './compose.ts';
export * from './server.ts';
export * from './realtime/protocol.ts';
export type { ChatDeps } from './shared/deps.ts';

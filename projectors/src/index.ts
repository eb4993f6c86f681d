export * from './compose.ts';
export * from './projections.ts';
export * from './runner/pg-runner.ts';
export type { LogProjectionStatus } from './runner/log-runner.ts';
export { pgRebuildAdapter } from './replay/pg-target.ts';
export { lineProgress, silentProgress } from './replay/progress.ts';
export { rebuild } from './replay/replay.ts';
export { pgEventSource } from './replay/sources.ts';

export * from './topics.ts';
export * from './message.ts';
export * from './checkpoints.ts';
export * from './relay.ts';
export * from './consumer-runner.ts';
export * from './admin.ts';
export * from './from-config.ts';

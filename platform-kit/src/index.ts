export * from './config/config.ts';
export * from './logging.ts';
export * from './metrics.ts';
export * from './priority.ts';
export * from './tracing/correlation.ts';
export * from './launcher.ts';
export * from './process-alive.ts';

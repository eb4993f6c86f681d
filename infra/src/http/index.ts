export * from './app.ts';
export * from './auth.ts';
export * from './idempotency.ts';
export * from './metrics.ts';
export * from './problem.ts';
export * from './route.ts';
export * from './input.ts';

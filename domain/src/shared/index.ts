export * from './decider.ts';
export * from './errors.ts';
export * from './money.ts';
export * from './primitives.ts';
export * from './time.ts';
export * from './payment-issue.ts';
export * from './secrets.ts';

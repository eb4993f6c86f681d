export * from './port.ts';
export * from './postgres.ts';
export * from './redis.ts';
export * from './live.ts';
export * from './from-config.ts';

export * from './event-store/port.ts';
export * from './event-store/postgres.ts';
export * from './postgres/pool.ts';
export * from './postgres/embedded.ts';
export * from './config/config.ts';
export * from './commands/command-processor.ts';

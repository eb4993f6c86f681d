export * from './database.ts';
export * from './event-store-contract.ts';
export * from './provided-context.ts';

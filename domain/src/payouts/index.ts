export * from './events.ts';
export * from './commands.ts';
export * from './ledger.ts';
export * from './workflow.ts';

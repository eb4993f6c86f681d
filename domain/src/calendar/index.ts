export * from './keys.ts';
export * from './calendar.ts';
export * from './workflow.ts';

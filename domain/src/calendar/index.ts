export * from './keys.ts';
export * from './calendar.ts';

export * from './sdk.ts';
export * from './bootstrap.ts';

export * from './details.ts';
export * from './listing.ts';

export * from './details.ts';
export * from './listing.ts';
export * from './opening-hours.ts';
export * from './prices.ts';

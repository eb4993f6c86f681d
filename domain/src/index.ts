export * from './shared/index.ts';
export * as identity from './identity/index.ts';
export * as listings from './listings/index.ts';
export * as calendar from './calendar/index.ts';
export * as bookings from './bookings/index.ts';
export * as commerce from './commerce/index.ts';
export * as chat from './chat/index.ts';
export * as payouts from './payouts/index.ts';

export * from './targets.ts';
export * from './listings/port.ts';
export * from './listings/postgres.ts';
export * from './bookings/port.ts';
export * from './bookings/postgres.ts';

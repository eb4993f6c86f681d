export * from './stay.ts';
export * from './refund.ts';
export * from './events.ts';
export * from './commands.ts';
export * from './state.ts';
export * from './terms.ts';
export * from './booking.ts';
export * from './workflow.ts';

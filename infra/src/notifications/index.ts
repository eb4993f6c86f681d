export * from './port.ts';
export * from './simulated-mail.ts';
export * from './resilient.ts';

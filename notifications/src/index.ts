export * from './port.ts';
export * from './resilient.ts';
export * from './render.ts';
export * from './log-mail.ts';
export * from './smtp.ts';
export * from './from-config.ts';

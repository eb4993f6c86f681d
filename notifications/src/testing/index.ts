export * from './simulated-mail.ts';
export * from './smtp-server.ts';

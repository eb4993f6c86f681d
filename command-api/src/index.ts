export * from './server.ts';
export * from './compose.ts';

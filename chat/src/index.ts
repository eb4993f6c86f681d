export * from './compose.ts';
export * from './server.ts';
export * from './realtime/protocol.ts';

export * from './port.ts';
export * from './simulated.ts';
export * from './webhook.ts';
export * from './faults.ts';
export * from './gateway-server.ts';
export * from './http-client.ts';
export * from './from-config.ts';

export * from './port.ts';
export * from './simulated.ts';
export * from './webhook.ts';
export * from './http-client.ts';
export * from './metrics.ts';
export * from './from-config.ts';

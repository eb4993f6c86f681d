export * from './masking.ts';
export * from './conversation.ts';

export * from './user.ts';
export * from './email.ts';

export * from './build/build.ts';
export * from './build/apps.ts';
export * from './launcher/chat-database.ts';

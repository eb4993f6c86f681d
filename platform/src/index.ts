export * from './build/build.ts';
export * from './build/apps.ts';

export * from './compose.ts';
export * from './projections.ts';
export * from './runner/pg-runner.ts';

// What the global setup hands to every test file (vitest's `provide`/`inject`).
declare module 'vitest' {
  export interface ProvidedContext {
    /** A PostgreSQL URL on which each test file creates its own database. */
    pgAdminUrl: string;
  }
}

export {};

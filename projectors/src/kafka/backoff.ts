export type Backoff = { baseMs: number; maxMs: number };

/** Exponential, with jitter so many retrying clients do not hit a recovering broker in step. */
export const backoffDelay = (attempt: number, { baseMs, maxMs }: Backoff, random: () => number = Math.random): number =>
  Math.round(Math.min(maxMs, baseMs * 2 ** attempt) * (0.5 + random() / 2));

/** Resolves after `ms`, or at once when `signal` aborts. */
export const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });

export class Stopped extends Error {
  override readonly name = 'Stopped';
  constructor() {
    super('stopped');
  }
}

/** pino-compatible subset, so a pino logger can be passed as is. */
export type Logger = {
  info(object: object, message?: string): void;
  warn(object: object, message?: string): void;
  error(object: object, message?: string): void;
};

export const silentLogger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

export const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));

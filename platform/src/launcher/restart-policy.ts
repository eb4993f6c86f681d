/**
 * When the launcher starts an exited process again: at once (half a second) if it had run for
 * `healthyMs` or more, else after a delay that doubles with each quick exit, up to `maxMs`.
 * Returns the delay and the count of quick exits in a row to carry to the next start.
 */
export const nextRestart = (options: {
  ranMs: number;
  quickExits: number;
  healthyMs: number;
  baseMs?: number;
  maxMs?: number;
}): { delayMs: number; quickExits: number } => {
  const quickExits = options.ranMs >= options.healthyMs ? 0 : options.quickExits;
  return { delayMs: Math.min(options.maxMs ?? 30_000, (options.baseMs ?? 500) * 2 ** quickExits), quickExits: quickExits + 1 };
};

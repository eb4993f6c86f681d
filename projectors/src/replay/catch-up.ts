import type { Progress } from './progress.ts';
import type { RebuildOutcome, ReplayDeps } from './run.ts';
import type { RebuildTarget } from './target.ts';

const minPosition = (positions: string[]): string => positions.reduce((a, b) => (b < a ? b : a));

/**
 * Reads from the lowest checkpoint and applies each batch to every target at once (each skips
 * what it already has), reading the next page while the targets write this one. Stops at the
 * head, at `until`, or when `signal` aborts; true if aborted.
 */
export const catchUp = async (
  deps: ReplayDeps,
  targets: readonly RebuildTarget[],
  options: { batchSize: number; signal?: AbortSignal; until?: string; progress?: Progress; outcome?: RebuildOutcome },
): Promise<boolean> => {
  let position = minPosition(await Promise.all(targets.map((t) => t.checkpoint())));
  let total = deps.events.countAfter ? await deps.events.countAfter(position) : 0;
  let done = 0;
  options.progress?.update(0, total);
  // The data of events no target reads is left on the server.
  const types = targets.every((t) => t.handles) ? { types: new Set(targets.flatMap((t) => [...t.handles!])) } : {};
  let next = deps.events.read(position, options.batchSize, types);
  for (;;) {
    if (options.signal?.aborted) return true;
    if (options.until !== undefined && position >= options.until) return false;
    let events = await next;
    const full = events.length === options.batchSize;
    if (options.until !== undefined) events = events.filter((e) => e.globalPosition <= options.until!);
    if (events.length === 0) return false;
    next = full ? deps.events.read(events[events.length - 1]!.globalPosition, options.batchSize, types) : Promise.resolve([]);
    // Not awaited when the targets fail: keep its rejection from going unhandled.
    next.catch(() => undefined);
    await Promise.all(targets.map((target) => target.apply(events)));
    position = events[events.length - 1]!.globalPosition;
    done += events.length;
    if (options.outcome) options.outcome.events += events.length;
    total = Math.max(total, done);
    options.progress?.update(done, total);
    if (!full) return false;
  }
};

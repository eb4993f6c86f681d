import type { Progress } from './progress.ts';
import type { RebuildOutcome, ReplayDeps } from './run.ts';
import type { RebuildTarget } from './target.ts';

const minPosition = (positions: string[]): string => positions.reduce((a, b) => (b < a ? b : a));

/**
 * Reads from the lowest checkpoint and hands each page to every target (each skips what it already
 * has), reading the next page while the targets write this one. Each target takes the pages in
 * order, one after the other, but not in step with the others: one that is done with a page folds
 * the next while a slower one's write of this page is still on the server, so the replay's own CPU
 * and the server's overlap. No target runs more than one page ahead of the slowest, and the next
 * page is read once every target is done with the one before: two pages in hand and one being read
 * at most. Stops at the head, at `until`, or when `signal` aborts, after the pages handed out; true if aborted.
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
  // Each target's pages, one after the other; a page is done when every target has applied it.
  const lanes: Promise<void>[] = targets.map(() => Promise.resolve());
  let inHand: { page: Promise<unknown>; count: number } | undefined;
  const pageDone = async () => {
    if (!inHand) return;
    const { page, count } = inHand;
    inHand = undefined;
    await page;
    done += count;
    if (options.outcome) options.outcome.events += count;
    total = Math.max(total, done);
    options.progress?.update(done, total);
  };
  // On a failure, what the other targets have in hand settles before it is thrown.
  const settle = () => Promise.allSettled(lanes);
  let next = deps.events.read(position, options.batchSize, types);
  try {
    for (;;) {
      if (options.signal?.aborted) {
        await pageDone();
        return true;
      }
      if (options.until !== undefined && position >= options.until) break;
      let events = await next;
      const full = events.length === options.batchSize;
      if (options.until !== undefined) events = events.filter((e) => e.globalPosition <= options.until!);
      if (events.length === 0) break;
      for (const [i, target] of targets.entries()) lanes[i] = lanes[i]!.then(() => target.apply(events));
      const page = Promise.all(lanes);
      page.catch(() => undefined);
      // The page before this one, done by every target, before the next is read: the bound on how far ahead a target runs.
      await pageDone();
      inHand = { page, count: events.length };
      position = events[events.length - 1]!.globalPosition;
      if (!full) break;
      next = deps.events.read(position, options.batchSize, types);
      // Not awaited when stopped: keep its rejection from going unhandled.
      next.catch(() => undefined);
    }
    await pageDone();
    return false;
  } catch (error) {
    await settle();
    throw error;
  }
};

/**
 * The spread booking load (figure 1) in a process of its own: a benchmark that measures something
 * else at the same time (the lag probes) keeps its event loop free of the load's clients.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { lowerPriority } from '@stayhub/platform-kit';
import { booker, spreadBooking } from './bookings.ts';
import { runLoad, type LoadResult } from './load.ts';

/** `nice`: the niceness the load's process gives itself (0: as started), a variant where the clients yield the cores to the platform. */
type SpreadLoad = { commandUrl: string; rentals: string[]; tokens: string[]; concurrency: number; durationMs: number; nice?: number };
const CHILD = 'STAYHUB_BENCH_LOAD_CHILD';

/** Runs the spread load in a child process (this file; fork passes on the loader flags); resolves with its figures. */
export const spreadLoadApart = (load: SpreadLoad): Promise<LoadResult> =>
  new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), [], { env: { ...process.env, [CHILD]: '1' } });
    let result: LoadResult | undefined;
    child.once('message', (message) => {
      result = message as LoadResult;
    });
    child.once('error', reject);
    child.once('exit', (code) => (result ? resolve(result) : reject(new Error(`the load's process exited with ${code} and no figures`))));
    child.send(load);
  });

if (process.env[CHILD] && process.send) {
  process.once('message', async (message) => {
    const { commandUrl, rentals, tokens, concurrency, durationMs, nice = 0 } = message as SpreadLoad;
    lowerPriority(nice);
    const book = booker(commandUrl, tokens);
    const result = await runLoad({ concurrency, durationMs, request: (n) => book(n, spreadBooking(rentals, n)) });
    process.send!(result, () => process.disconnect());
  });
}

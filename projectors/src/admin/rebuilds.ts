import { HttpProblem } from '@stayhub/http-kit';
import type { Progress } from '../replay/progress.ts';
import { rebuild, type RebuildOutcome, type ReplayDeps } from '../replay/replay.ts';

export type RebuildJob = {
  projection: string;
  swap: boolean;
  status: 'running' | 'done' | 'failed';
  /** Events applied so far of those to apply (the total grows while the head moves on). */
  done: number;
  total: number;
  startedAt: string;
  finishedAt: string | null;
  outcome: Pick<RebuildOutcome, 'status' | 'targets' | 'events' | 'seconds'> | null;
  error: string | null;
};

/**
 * Rebuilds started from the operator page, one at a time in this process, with their progress
 * kept for the page to poll. The rebuild itself is the replay tool's: a fresh target beside the
 * live one, swapped in when caught up.
 */
export class RebuildJobs {
  private job: RebuildJob | undefined;

  constructor(
    private readonly deps: Omit<ReplayDeps, 'progress' | 'print'> & { log: (line: string) => void },
    private readonly now: () => Date = () => new Date(),
  ) {}

  current(): RebuildJob | null {
    return this.job ? { ...this.job } : null;
  }

  start(projection: string, swap: boolean): RebuildJob {
    if (this.job?.status === 'running') throw new HttpProblem(409, 'Conflict', `A rebuild of ${this.job.projection} is running; start another when it is done`);
    const job: RebuildJob = {
      projection,
      swap,
      status: 'running',
      done: 0,
      total: 0,
      startedAt: this.now().toISOString(),
      finishedAt: null,
      outcome: null,
      error: null,
    };
    this.job = job;
    const progress = (): Progress => ({
      update: (done, total) => {
        job.done = done;
        job.total = Math.max(total, done);
      },
      stop: () => undefined,
    });
    rebuild({ ...this.deps, print: this.deps.log, progress }, { names: [projection], swap }).then(
      ({ status, targets, events, seconds }) => {
        Object.assign(job, { status: 'done', outcome: { status, targets, events, seconds }, finishedAt: this.now().toISOString() });
      },
      (error: unknown) => {
        Object.assign(job, { status: 'failed', error: String(error), finishedAt: this.now().toISOString() });
      },
    );
    return { ...job };
  }
}

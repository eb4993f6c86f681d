import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool } from 'pg';
import { eventsAfter } from '../event-store/lag.ts';
import type { EventStore, RecordedEvent } from '../event-store/port.ts';
import { inTransaction } from '../postgres/pool.ts';
import { SharedStatement } from '../postgres/shared-statement.ts';
import type { Clock } from '../time/clock.ts';
import { inCausedSpan, markSpanFailed } from '../tracing/spans.ts';
import { ASYNC_COMMIT, workflowSchema } from './schema.ts';
import {
  checkpointOf,
  earliestOf,
  ensureCheckpoints,
  listParkedEvents,
  noteFailure,
  readCheckpoints,
  recordForAll,
  retryParkedEvents,
  WorkflowRecordFailed,
  type ClaimedTask,
  type ParkedWorkflowEvent,
  type RecordOptions,
  type Recorded,
  type RetryParkedResult,
} from './subscription.ts';

/** What a workflow decides on an event: a task, durable, due at a time (now for "at once"). */
export type Reaction<Task = unknown> = { taskId: string; dueAt: string; task: Task };

export type Workflow<Task extends { type: string } = { type: string }> = {
  name: string;
  react: (event: RecordedEvent) => Reaction<Task>[];
  /** Attempts before a failing task is parked; the runner's `maxAttempts` when omitted. */
  maxAttempts?: number;
  execute: (task: Task, context: { now: Date; taskId: string; attempt: number }) => Promise<void>;
  /** Told once a task is parked (to make it visible where it matters), and when a parked task later succeeds. */
  onParked?: (task: Task, context: { now: Date; taskId: string; error: string }) => Promise<void>;
  onRecovered?: (task: Task, context: { now: Date; taskId: string }) => Promise<void>;
};

export type WorkflowRunnerOptions = {
  pool: Pool;
  eventStore: EventStore;
  clock: Clock;
  workflows: Workflow<any>[];
  /** How often due tasks are looked for (also woken by new tasks). */
  tickMs?: number;
  /** Tasks executed at once (each claimed as a slot frees up). */
  concurrency?: number;
  /** A claimed task is handed to another runner if not finished in this time (crash safety). */
  leaseMs?: number;
  maxAttempts?: number;
  /** How a reaction that throws, or tasks that cannot be stored, are retried before the event is parked. */
  reactionRetry?: { attempts?: number; backoffMs?: number };
  /** The longest pause of a failing subscription between tries (it doubles from half a second up to this). */
  maxSubscriptionBackoffMs?: number;
  onError?: (error: unknown, context: Record<string, unknown>) => void;
  /** Told of each task that succeeded, with the correlation id of the event that caused it (for a debug log line). */
  onDone?: (context: { workflow: string; type: string; task: string; correlationId: string | null }) => void;
};

type WorkflowSubscriptionStatus = {
  workflow: string;
  position: string;
  /** Events not yet seen (`null` when the event store cannot count them and the subscription is behind). */
  lag: number | null;
  parked: number;
  lastError: string | null;
  lastErrorAt: string | null;
  failingSince: string | null;
  /** Failing for longer than the health check tolerates: nothing new is being reacted to. */
  stuck: boolean;
};

export type TaskState = 'running' | 'due' | 'overdue' | 'scheduled' | 'parked';

export type WorkflowHealth = { pending: number; overdue: number; parked: number; subscriptions: WorkflowSubscriptionStatus[] };

type TaskRow = ClaimedTask;

/** A parked task, as the operator sees it. */
export type ParkedTask = {
  taskId: string;
  workflow: string;
  type: string;
  task: Record<string, unknown>;
  attempts: number;
  lastError: string | null;
  parkedAt: string;
  dueAt: string;
};

/**
 * Runs process managers on the event store's own subscription (not the log), so a Kafka outage
 * never stops a booking flow. Each workflow follows on its own checkpoint; its reactions become rows
 * in `workflow_tasks` in the same transaction that moves that checkpoint, so a restart neither loses
 * nor repeats a decision, and an event it cannot react to is parked rather than retried for ever
 * (see `subscription.ts`). Due tasks are claimed with a lease, executed, and retried with backoff
 * until they succeed or are parked.
 */
export class WorkflowRunner {
  private readonly tickMs: number;
  private readonly leaseMs: number;
  private readonly maxAttempts: number;
  private readonly concurrency: number;
  private wake: (() => void) | undefined;
  private readonly byName: Map<string, Workflow<any>>;
  /** Tasks that finished, marked done together: one commit for all that finish while the last one is written. */
  private readonly done: SharedStatement<string>;
  /** The tasks executing now: claimed by `executeDue`, or by the subscription as it recorded them. */
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly options: WorkflowRunnerOptions) {
    this.tickMs = options.tickMs ?? 200;
    this.leaseMs = options.leaseMs ?? 30_000;
    this.maxAttempts = options.maxAttempts ?? 12;
    this.concurrency = options.concurrency ?? 128;
    this.done = new SharedStatement((taskIds) =>
      options.pool.query({
        name: 'workflow_done',
        // Without waiting for its WAL flush: a lost mark runs the task again, and tasks are idempotent.
        text: `UPDATE workflow_tasks SET done_at = now(), locked_until = NULL, last_error = NULL
                 FROM ${ASYNC_COMMIT} WHERE task_id = ANY ($1::text[])`,
        values: [taskIds],
      }),
    );
    this.byName = new Map(options.workflows.map((w) => [w.name, w]));
  }

  static async migrate(pool: Pool): Promise<void> {
    // A transaction-scoped lock: a session lock taken and released through the pool may land on two
    // different connections and stay held by an idle one, blocking the next migration for good.
    await inTransaction(pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock(727002)');
      await client.query(workflowSchema);
    });
  }

  /** Runs until `signal` aborts; waits for the database if it is not there yet. */
  async run(signal: AbortSignal): Promise<void> {
    await this.untilPrepared(signal);
    if (signal.aborted) return;
    await Promise.all([this.follow(signal), this.executeDue(signal)]);
    await Promise.allSettled(this.running);
  }

  private async untilPrepared(signal: AbortSignal): Promise<void> {
    for (let failures = 0; !signal.aborted; failures++) {
      try {
        await WorkflowRunner.migrate(this.options.pool);
        await ensureCheckpoints(
          this.options.pool,
          this.options.workflows.map((w) => w.name),
        );
        return;
      } catch (error) {
        this.options.onError?.(error, { part: 'workflow start' });
        await this.pause(failures, signal);
      }
    }
  }

  private pause(failures: number, signal: AbortSignal): Promise<void> {
    const ms = Math.min(this.options.maxSubscriptionBackoffMs ?? 30_000, 500 * 2 ** Math.min(failures, 10));
    return sleep(ms * (0.75 + Math.random() / 2), undefined, { signal }).catch(() => undefined);
  }

  /** Records the reactions to every event not yet seen, then executes every task due now; for tests that move the clock. */
  async runDueTasks(): Promise<number> {
    await this.catchUp();
    let total = 0;
    for (;;) {
      const ran = await this.claimAndExecute();
      total += ran;
      if (ran === 0) return total;
    }
  }

  /** Records every workflow's reactions to the events not yet seen (parking those it cannot react to), executing nothing. */
  async catchUp(): Promise<void> {
    const names = this.workflowNames;
    await ensureCheckpoints(this.options.pool, names);
    const positions = await readCheckpoints(this.options.pool, names);
    for (;;) {
      const events = await this.options.eventStore.readAll({ after: earliestOf(positions), maxCount: 500 });
      if (events.length === 0) break;
      await this.record(positions, events);
    }
  }

  private record(positions: Map<string, string>, events: RecordedEvent[], claim?: RecordOptions['claim']): Promise<Recorded> {
    return recordForAll(this.options.pool, this.options.workflows, positions, events, {
      ...this.options.reactionRetry,
      log: (message, context) => this.options.onError?.(new Error(message), context),
      ...(claim ? { claim } : {}),
    });
  }

  /**
   * One subscription for every workflow (the log read once, not once per workflow), from the
   * checkpoint of the one furthest behind; each workflow reacts to what is after its own. The tasks
   * due at once are stored claimed by this runner (as many as it has free slots) and executed
   * straight away: no claim statement, no second write of their rows. Only when some due tasks
   * were left over is the claiming loop woken. A failure (a lost database, say) is noted on the
   * workflows it concerns and retried with backoff, from the checkpoints.
   */
  private async follow(signal: AbortSignal): Promise<void> {
    const names = this.workflowNames;
    if (names.length === 0) return;
    let failures = 0;
    while (!signal.aborted) {
      try {
        const positions = await readCheckpoints(this.options.pool, names);
        await this.options.eventStore.subscribe({
          after: earliestOf(positions),
          signal,
          onBatch: async (events) => {
            const now = this.options.clock.now();
            const free = this.concurrency - this.running.size;
            const claim = free > 0 ? { limit: free, now, until: new Date(Date.now() + this.leaseMs) } : undefined;
            const { claimed, dueLeft } = await this.record(positions, events, claim);
            failures = 0;
            for (const row of claimed) this.start(row, now);
            if (dueLeft) this.wake?.();
          },
        });
      } catch (error) {
        if (signal.aborted) return;
        const failed = error instanceof WorkflowRecordFailed ? [error.workflow] : names;
        const cause = error instanceof WorkflowRecordFailed ? error.cause : error;
        this.options.onError?.(cause, { part: 'workflow subscription', workflows: failed, failures: failures + 1 });
        for (const workflow of failed) await noteFailure(this.options.pool, workflow, cause);
        await this.pause(failures++, signal);
      }
    }
  }

  /** Events the workflows parked (one workflow's, or all), oldest first. */
  static listParked(pool: Pool, workflow?: string): Promise<ParkedWorkflowEvent[]> {
    return listParkedEvents(pool, workflow);
  }

  /** Reacts again to the events a workflow parked (after a fix); each that now succeeds is unparked. */
  retryParked(workflow: string): Promise<RetryParkedResult> {
    const found = this.byName.get(workflow);
    if (!found) throw new Error(`No workflow named ${workflow}`);
    return retryParkedEvents(this.options.pool, found);
  }

  get workflowNames(): string[] {
    return [...this.byName.keys()];
  }

  /**
   * Keeps up to `concurrency` tasks running: whenever some finish, as many more due tasks are
   * claimed (one statement), so a slow task never holds back the others (no waves). Their
   * completions are marked done together (one statement and one commit for all that finish meanwhile).
   */
  private async executeDue(signal: AbortSignal): Promise<void> {
    const running = this.running;
    let failures = 0;
    while (!signal.aborted) {
      const free = this.concurrency - running.size;
      let claimed: TaskRow[] = [];
      if (free > 0) {
        try {
          claimed = await this.claim(free);
          failures = 0;
        } catch (error) {
          // The database away: wait with backoff rather than failing every tick.
          this.options.onError?.(error, { part: 'workflow tasks', failures: failures + 1 });
          await this.pause(failures++, signal);
          continue;
        }
      }
      const now = this.options.clock.now();
      for (const row of claimed) this.start(row, now);
      // Every slot busy: wait for one to free. Else all that was due runs: wait for new tasks (a
      // subscription wakes the runner when it records some) or the tick (tasks that fall due).
      if (claimed.length === free && running.size > 0) await Promise.race(running);
      else await this.nextTick(signal);
    }
    await Promise.allSettled(running);
  }

  /** Executes a claimed task in a slot of its own. */
  private start(row: TaskRow, now: Date): void {
    const task: Promise<void> = this.execute(row, now)
      // Not even its failure could be stored (the database away): its lease runs out and it is claimed again.
      .catch((error: unknown) => this.options.onError?.(error, { part: 'workflow tasks', task: row.task_id }))
      .finally(() => this.running.delete(task));
    this.running.add(task);
  }

  private nextTick(signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        if (this.wake === done) this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, this.tickMs);
      this.wake = done;
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /**
   * Claims up to `limit` due tasks of the workflows this runner holds, with a lease (a crashed runner's
   * tasks come back when it ends). Another runner's tasks on the same database stay its own.
   */
  private async claim(limit: number): Promise<TaskRow[]> {
    const { rows } = await this.options.pool.query<TaskRow>({
      name: 'workflow_claim',
      text: `UPDATE workflow_tasks t SET locked_until = $2, attempts = t.attempts + 1
               FROM ${ASYNC_COMMIT}
              WHERE t.task_id IN (
                SELECT task_id FROM workflow_tasks
                 WHERE done_at IS NULL AND parked_at IS NULL AND due_at <= $1 AND (locked_until IS NULL OR locked_until < now())
                   AND workflow = ANY($4::text[])
                 ORDER BY due_at LIMIT $3 FOR UPDATE SKIP LOCKED)
              RETURNING t.task_id, t.workflow, t.task, t.attempts, t.parked_times, t.traceparent, t.correlation_id`,
      values: [this.options.clock.now().toISOString(), new Date(Date.now() + this.leaseMs).toISOString(), limit, [...this.byName.keys()]],
    });
    return rows;
  }

  private async claimAndExecute(): Promise<number> {
    const rows = await this.claim(this.concurrency);
    const now = this.options.clock.now();
    await Promise.all(rows.map((row) => this.execute(row, now)));
    return rows.length;
  }

  /** Runs a task in a `workflow <type>` span under the trace of the event that caused it. */
  private execute(row: TaskRow, now: Date): Promise<void> {
    const attributes = {
      'stayhub.workflow': row.workflow,
      'stayhub.task': row.task_id,
      'stayhub.attempt': row.attempts,
      ...(row.correlation_id ? { 'stayhub.correlation_id': row.correlation_id } : {}),
    };
    return inCausedSpan(`workflow ${row.task.type}`, row.traceparent ?? undefined, attributes, () => this.attempt(row, now));
  }

  private async attempt(row: TaskRow, now: Date): Promise<void> {
    const workflow = this.byName.get(row.workflow);
    try {
      if (!workflow) throw new Error(`No workflow named ${row.workflow}`);
      await workflow.execute(row.task, { now, taskId: row.task_id, attempt: row.attempts });
      await this.done.add(row.task_id);
      this.options.onDone?.({ workflow: row.workflow, type: row.task.type, task: row.task_id, correlationId: row.correlation_id });
      if (row.parked_times > 0) await this.tell(() => workflow.onRecovered?.(row.task, { now, taskId: row.task_id }), row.task_id);
    } catch (error) {
      markSpanFailed(error);
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      const park = row.attempts >= (workflow?.maxAttempts ?? this.maxAttempts);
      const backoffMs = Math.min(60_000, 250 * 2 ** (row.attempts - 1)) * (0.5 + Math.random());
      await this.options.pool.query(
        `UPDATE workflow_tasks SET locked_until = NULL, last_error = $2,
                due_at = CASE WHEN $3 THEN due_at ELSE $4 END, parked_at = CASE WHEN $3 THEN now() ELSE NULL END,
                parked_times = parked_times + CASE WHEN $3 THEN 1 ELSE 0 END
          WHERE task_id = $1`,
        [row.task_id, message, park, new Date(now.getTime() + backoffMs).toISOString()],
      );
      this.options.onError?.(error, { task: row.task_id, correlationId: row.correlation_id, attempt: row.attempts, parked: park });
      if (park && workflow) await this.tell(() => workflow.onParked?.(row.task, { now, taskId: row.task_id, error: message }), row.task_id);
    }
  }

  /** A hook's failure is reported, never taken for the task's: the task's outcome is already stored. */
  private async tell(hook: () => Promise<void> | undefined, taskId: string): Promise<void> {
    try {
      await hook();
    } catch (error) {
      this.options.onError?.(error, { task: taskId, part: 'workflow hook' });
    }
  }

  /** Parked tasks, oldest first: what an operator must look at. */
  static async parkedTasks(pool: Pool, limit = 100): Promise<ParkedTask[]> {
    const { rows } = await pool.query<{
      task_id: string;
      workflow: string;
      task: Record<string, unknown> & { type: string };
      attempts: number;
      last_error: string | null;
      parked_at: Date;
      due_at: Date;
    }>(
      `SELECT task_id, workflow, task, attempts, last_error, parked_at, due_at FROM workflow_tasks
        WHERE parked_at IS NOT NULL ORDER BY parked_at, task_id LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({
      taskId: r.task_id,
      workflow: r.workflow,
      type: r.task.type,
      task: r.task,
      attempts: r.attempts,
      lastError: r.last_error,
      parkedAt: r.parked_at.toISOString(),
      dueAt: r.due_at.toISOString(),
    }));
  }

  /** Parked tasks per workflow and task type, for /metrics. */
  static async parkedTaskCounts(pool: Pool): Promise<{ workflow: string; type: string; count: number }[]> {
    const { rows } = await pool.query<{ workflow: string; type: string; count: number }>(
      `SELECT workflow, task->>'type' AS type, count(*)::int AS count FROM workflow_tasks WHERE parked_at IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2`,
    );
    return rows;
  }

  /**
   * Open tasks per workflow, task type and state, for /metrics. The states do not overlap:
   * `running` (claimed, lease not run out), `due` (to run now), `overdue` (due over a minute ago and
   * not running), `scheduled` (due later), `parked`.
   */
  static async taskCounts(pool: Pool, now: Date): Promise<{ workflow: string; type: string; state: TaskState; count: number }[]> {
    const { rows } = await pool.query<{ workflow: string; type: string; state: TaskState; count: number }>(
      `SELECT workflow, task->>'type' AS type,
              CASE WHEN parked_at IS NOT NULL THEN 'parked'
                   WHEN locked_until > now() THEN 'running'
                   WHEN due_at > $1::timestamptz THEN 'scheduled'
                   WHEN due_at < $1::timestamptz - interval '1 minute' THEN 'overdue'
                   ELSE 'due' END AS state,
              count(*)::int AS count
         FROM workflow_tasks WHERE done_at IS NULL GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
      [now.toISOString()],
    );
    return rows;
  }

  /** Gives a parked task (after a fix) a fresh round of attempts, due now; false when no such parked task. */
  static async retryParkedTask(pool: Pool, taskId: string, now: Date): Promise<boolean> {
    const { rowCount } = await pool.query(
      'UPDATE workflow_tasks SET parked_at = NULL, attempts = 0, due_at = $2, locked_until = NULL WHERE task_id = $1 AND parked_at IS NOT NULL',
      [taskId, now.toISOString()],
    );
    return (rowCount ?? 0) > 0;
  }

  /**
   * For /health: pending, overdue and parked task counts, and each workflow subscription's position,
   * lag, parked events and last error; a subscription failing for longer than `stuckAfterMs` is stuck.
   */
  static async health(pool: Pool, now: Date, options: { eventStore?: EventStore; stuckAfterMs?: number } = {}): Promise<WorkflowHealth> {
    const { rows } = await pool.query<{ pending: number; overdue: number; parked: number }>(
      `SELECT count(*) FILTER (WHERE done_at IS NULL AND parked_at IS NULL) AS pending,
              count(*) FILTER (WHERE done_at IS NULL AND parked_at IS NULL AND due_at < $1::timestamptz - interval '1 minute') AS overdue,
              count(*) FILTER (WHERE parked_at IS NOT NULL) AS parked
         FROM workflow_tasks`,
      [now.toISOString()],
    );
    const checkpoints = await pool.query<{
      name: string;
      position: string;
      last_error: string | null;
      last_error_at: Date | null;
      failing_since: Date | null;
      stuck: boolean;
      parked: number;
    }>(
      `SELECT c.name, c.position, c.last_error, c.last_error_at, c.failing_since,
              coalesce(c.failing_since < now() - make_interval(secs => $2::double precision / 1000), false) AS stuck,
              (SELECT count(*) FROM workflow_parked p WHERE c.name = 'workflow:' || p.workflow) AS parked
         FROM subscription_checkpoints c WHERE c.name LIKE $1 ORDER BY c.name`,
      [checkpointOf('%'), options.stuckAfterMs ?? 30_000],
    );
    const subscriptions = await Promise.all(
      checkpoints.rows.map(async (c) => ({
        workflow: c.name.slice(checkpointOf('').length),
        position: c.position,
        lag: options.eventStore ? await eventsAfter(pool, options.eventStore, c.position) : null,
        parked: c.parked,
        lastError: c.last_error,
        lastErrorAt: c.last_error_at?.toISOString() ?? null,
        failingSince: c.failing_since?.toISOString() ?? null,
        stuck: c.stuck,
      })),
    );
    return { ...(rows[0] ?? { pending: 0, overdue: 0, parked: 0 }), subscriptions };
  }
}

import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool } from 'pg';
import type { EventStore, RecordedEvent } from '../event-store/port.ts';
import { inTransaction } from '../postgres/pool.ts';
import type { Clock } from '../time/clock.ts';
import { workflowSchema } from './schema.ts';

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
  /** A claimed task is handed to another runner if not finished in this time (crash safety). */
  leaseMs?: number;
  maxAttempts?: number;
  onError?: (error: unknown, context: Record<string, unknown>) => void;
};

type TaskRow = { task_id: string; workflow: string; task: { type: string }; attempts: number; parked_times: number };

/** A parked task, as the operator sees it. */
export type ParkedTask = { taskId: string; workflow: string; type: string; task: Record<string, unknown>; attempts: number; lastError: string | null; parkedAt: string; dueAt: string };

/**
 * Runs process managers on the event store's own subscription (not the log), so a Kafka outage
 * never stops a booking flow. Reactions become rows in `workflow_tasks` in the same transaction
 * that moves the checkpoint, so a restart neither loses nor repeats a decision; due tasks are
 * claimed with a lease, executed, and retried with backoff until they succeed or are parked.
 */
export class WorkflowRunner {
  private readonly tickMs: number;
  private readonly leaseMs: number;
  private readonly maxAttempts: number;
  private wake: (() => void) | undefined;
  private readonly byName: Map<string, Workflow<any>>;

  constructor(private readonly options: WorkflowRunnerOptions) {
    this.tickMs = options.tickMs ?? 200;
    this.leaseMs = options.leaseMs ?? 30_000;
    this.maxAttempts = options.maxAttempts ?? 12;
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

  /** Runs until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    await WorkflowRunner.migrate(this.options.pool);
    await Promise.all([this.follow(signal), this.executeDue(signal)]);
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

  private async catchUp(): Promise<void> {
    for (;;) {
      const { rows } = await this.options.pool.query<{ position: string }>('SELECT position FROM subscription_checkpoints WHERE name = $1', ['workflows']);
      const events = await this.options.eventStore.readAll({ after: rows[0]?.position ?? '', maxCount: 500 });
      if (events.length === 0) return;
      await this.record('workflows', events);
    }
  }

  private async follow(signal: AbortSignal): Promise<void> {
    const name = 'workflows';
    const { rows } = await this.options.pool.query<{ position: string }>('SELECT position FROM subscription_checkpoints WHERE name = $1', [name]);
    while (!signal.aborted) {
      try {
        await this.options.eventStore.subscribe({
          after: rows[0]?.position ?? '',
          signal,
          onBatch: async (events) => {
            await this.record(name, events);
            this.wake?.();
          },
        });
      } catch (error) {
        this.options.onError?.(error, { part: 'workflow subscription' });
        await sleep(1000, undefined, { signal }).catch(() => undefined);
        const fresh = await this.options.pool.query<{ position: string }>('SELECT position FROM subscription_checkpoints WHERE name = $1', [name]).catch(() => ({ rows: [] }));
        rows.splice(0, rows.length, ...fresh.rows);
      }
    }
  }

  private async record(checkpoint: string, events: RecordedEvent[]): Promise<void> {
    const reactions = events.flatMap((event) =>
      this.options.workflows.flatMap((workflow) => workflow.react(event).map((reaction) => ({ reaction, workflow: workflow.name, event }))),
    );
    await inTransaction(this.options.pool, async (client) => {
      for (const { reaction, workflow, event } of reactions) {
        await client.query(
          `INSERT INTO workflow_tasks (task_id, workflow, due_at, task, caused_by) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (task_id) DO NOTHING`,
          [reaction.taskId, workflow, reaction.dueAt, JSON.stringify(reaction.task), event.eventId],
        );
      }
      await client.query(
        `INSERT INTO subscription_checkpoints (name, position) VALUES ($1, $2)
         ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = now()
         WHERE subscription_checkpoints.position < excluded.position`,
        [checkpoint, events[events.length - 1]!.globalPosition],
      );
    });
  }

  private async executeDue(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      let ran = 0;
      try {
        ran = await this.claimAndExecute();
      } catch (error) {
        this.options.onError?.(error, { part: 'workflow tasks' });
      }
      if (ran === 0) {
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            signal.removeEventListener('abort', done);
            resolve();
          };
          const timer = setTimeout(done, this.tickMs);
          this.wake = done;
          signal.addEventListener('abort', done, { once: true });
        });
      }
    }
  }

  private async claimAndExecute(): Promise<number> {
    const now = this.options.clock.now();
    const { rows } = await this.options.pool.query<TaskRow>(
      `UPDATE workflow_tasks t SET locked_until = $2, attempts = t.attempts + 1
        WHERE t.task_id IN (
          SELECT task_id FROM workflow_tasks
           WHERE done_at IS NULL AND parked_at IS NULL AND due_at <= $1 AND (locked_until IS NULL OR locked_until < now())
           ORDER BY due_at LIMIT 16 FOR UPDATE SKIP LOCKED)
        RETURNING t.task_id, t.workflow, t.task, t.attempts, t.parked_times`,
      [now.toISOString(), new Date(Date.now() + this.leaseMs).toISOString()],
    );
    await Promise.all(rows.map((row) => this.execute(row, now)));
    return rows.length;
  }

  private async execute(row: TaskRow, now: Date): Promise<void> {
    const workflow = this.byName.get(row.workflow);
    try {
      if (!workflow) throw new Error(`No workflow named ${row.workflow}`);
      await workflow.execute(row.task, { now, taskId: row.task_id, attempt: row.attempts });
      await this.options.pool.query('UPDATE workflow_tasks SET done_at = now(), locked_until = NULL, last_error = NULL WHERE task_id = $1', [row.task_id]);
      if (row.parked_times > 0) await this.tell(() => workflow.onRecovered?.(row.task, { now, taskId: row.task_id }), row.task_id);
    } catch (error) {
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
      this.options.onError?.(error, { task: row.task_id, attempt: row.attempts, parked: park });
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
  static async parked(pool: Pool, limit = 100): Promise<ParkedTask[]> {
    const { rows } = await pool.query<{ task_id: string; workflow: string; task: Record<string, unknown> & { type: string }; attempts: number; last_error: string | null; parked_at: Date; due_at: Date }>(
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
  static async parkedCounts(pool: Pool): Promise<{ workflow: string; type: string; count: number }[]> {
    const { rows } = await pool.query<{ workflow: string; type: string; count: number }>(
      `SELECT workflow, task->>'type' AS type, count(*)::int AS count FROM workflow_tasks WHERE parked_at IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2`,
    );
    return rows;
  }

  /** Gives a parked task (after a fix) a fresh round of attempts, due now; false when no such parked task. */
  static async retryParked(pool: Pool, taskId: string, now: Date): Promise<boolean> {
    const { rowCount } = await pool.query(
      'UPDATE workflow_tasks SET parked_at = NULL, attempts = 0, due_at = $2, locked_until = NULL WHERE task_id = $1 AND parked_at IS NOT NULL',
      [taskId, now.toISOString()],
    );
    return (rowCount ?? 0) > 0;
  }

  /** For /health: pending, overdue and parked task counts. */
  static async health(pool: Pool, now: Date): Promise<{ pending: number; overdue: number; parked: number }> {
    const { rows } = await pool.query<{ pending: number; overdue: number; parked: number }>(
      `SELECT count(*) FILTER (WHERE done_at IS NULL AND parked_at IS NULL) AS pending,
              count(*) FILTER (WHERE done_at IS NULL AND parked_at IS NULL AND due_at < $1::timestamptz - interval '1 minute') AS overdue,
              count(*) FILTER (WHERE parked_at IS NOT NULL) AS parked
         FROM workflow_tasks`,
      [now.toISOString()],
    );
    return rows[0] ?? { pending: 0, overdue: 0, parked: 0 };
  }
}

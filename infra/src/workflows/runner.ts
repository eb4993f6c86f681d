import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool } from 'pg';
import { eventsAfter } from '../event-store/lag.ts';
import type { EventStore, RecordedEvent } from '../event-store/port.ts';
import { inTransaction } from '../postgres/pool.ts';
import type { Clock } from '../time/clock.ts';
import { workflowSchema } from './schema.ts';
import {
  checkpointOf, ensureCheckpoints, listParkedEvents, noteFailure, readCheckpoint, recordReactions, retryParkedEvents,
  type ParkedWorkflowEvent, type RetryParkedResult,
} from './subscription.ts';

/** What a workflow decides on an event: a task, durable, due at a time (now for "at once"). */
export type Reaction<Task = unknown> = { taskId: string; dueAt: string; task: Task };

export type Workflow<Task extends { type: string } = { type: string }> = {
  name: string;
  react: (event: RecordedEvent) => Reaction<Task>[];
  /** Attempts before a failing task is parked; the runner's `maxAttempts` when omitted. */
  maxAttempts?: number;
  execute: (task: Task, context: { now: Date; taskId: string; attempt: number }) => Promise<void>;
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
  /** How a reaction that throws, or tasks that cannot be stored, are retried before the event is parked. */
  reactionRetry?: { attempts?: number; backoffMs?: number };
  /** The longest pause of a failing subscription between tries (it doubles from half a second up to this). */
  maxSubscriptionBackoffMs?: number;
  onError?: (error: unknown, context: Record<string, unknown>) => void;
};

export type WorkflowSubscriptionStatus = {
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

export type WorkflowHealth = { pending: number; overdue: number; parked: number; subscriptions: WorkflowSubscriptionStatus[] };

type TaskRow = { task_id: string; workflow: string; task: { type: string }; attempts: number };

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

  /** Runs until `signal` aborts; waits for the database if it is not there yet. */
  async run(signal: AbortSignal): Promise<void> {
    await this.untilPrepared(signal);
    if (signal.aborted) return;
    await Promise.all([...this.options.workflows.map((workflow) => this.follow(workflow, signal)), this.executeDue(signal)]);
  }

  private async untilPrepared(signal: AbortSignal): Promise<void> {
    for (let failures = 0; !signal.aborted; failures++) {
      try {
        await WorkflowRunner.migrate(this.options.pool);
        await ensureCheckpoints(this.options.pool, this.options.workflows.map((w) => w.name));
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
    await ensureCheckpoints(this.options.pool, this.options.workflows.map((w) => w.name));
    for (const workflow of this.options.workflows) {
      for (;;) {
        const events = await this.options.eventStore.readAll({ after: await readCheckpoint(this.options.pool, workflow.name), maxCount: 500 });
        if (events.length === 0) break;
        await this.record(workflow, events);
      }
    }
  }

  private record(workflow: Workflow<any>, events: RecordedEvent[]): Promise<void> {
    return recordReactions(this.options.pool, workflow, events, {
      ...this.options.reactionRetry,
      log: (message, context) => this.options.onError?.(new Error(message), context),
    });
  }

  /** One workflow's subscription: a failure (a lost database, say) is noted and retried with backoff, from the checkpoint. */
  private async follow(workflow: Workflow<any>, signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      try {
        await this.options.eventStore.subscribe({
          after: await readCheckpoint(this.options.pool, workflow.name),
          signal,
          onBatch: async (events) => {
            await this.record(workflow, events);
            failures = 0;
            this.wake?.();
          },
        });
      } catch (error) {
        if (signal.aborted) return;
        this.options.onError?.(error, { part: 'workflow subscription', workflow: workflow.name, failures: failures + 1 });
        await noteFailure(this.options.pool, workflow.name, error);
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

  private async executeDue(signal: AbortSignal): Promise<void> {
    for (let failures = 0; !signal.aborted; ) {
      let ran = 0;
      try {
        ran = await this.claimAndExecute();
        failures = 0;
      } catch (error) {
        // The database away: wait with backoff rather than failing every tick.
        this.options.onError?.(error, { part: 'workflow tasks', failures: failures + 1 });
        await this.pause(failures++, signal);
        continue;
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
        RETURNING t.task_id, t.workflow, t.task, t.attempts`,
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
    } catch (error) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      const park = row.attempts >= (workflow?.maxAttempts ?? this.maxAttempts);
      const backoffMs = Math.min(60_000, 250 * 2 ** (row.attempts - 1)) * (0.5 + Math.random());
      await this.options.pool.query(
        `UPDATE workflow_tasks SET locked_until = NULL, last_error = $2,
                due_at = CASE WHEN $3 THEN due_at ELSE $4 END, parked_at = CASE WHEN $3 THEN now() ELSE NULL END
          WHERE task_id = $1`,
        [row.task_id, message, park, new Date(now.getTime() + backoffMs).toISOString()],
      );
      this.options.onError?.(error, { task: row.task_id, attempt: row.attempts, parked: park });
    }
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
    const checkpoints = await pool.query<{ name: string; position: string; last_error: string | null; last_error_at: Date | null; failing_since: Date | null; stuck: boolean; parked: number }>(
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

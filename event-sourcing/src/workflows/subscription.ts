import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool, PoolClient } from 'pg';
import { isAfter, type RecordedEvent } from '../event-store/port.ts';
import { inTransaction } from '../postgres/pool.ts';
import { ASYNC_COMMIT } from './schema.ts';

/**
 * The subscription side of the workflows: each workflow follows the event store on its own
 * checkpoint, turns events into durable tasks, and parks an event it cannot turn into tasks (its
 * reaction throws, or its tasks cannot be stored) after a few attempts, so one bad event never stops
 * the others, nor the other workflows. One reader of the log serves them all (`recordForAll`).
 */

/** The structural part of a workflow this module needs (the runner's `Workflow` has it). */
export type Reacting = { name: string; react: (event: RecordedEvent) => { taskId: string; dueAt: string; task: unknown }[] };

/** The checkpoint row of one workflow's subscription. */
export const checkpointOf = (workflow: string): string => `workflow:${workflow}`;
/** The one checkpoint all workflows shared before each had its own: a new workflow checkpoint starts from it. */
const SHARED_CHECKPOINT = 'workflows';

export type RecordOptions = {
  /** Tries per event before it is parked (the first included). */
  attempts?: number;
  /** The first retry's delay; each next one doubles. */
  backoffMs?: number;
  log?: (message: string, context: Record<string, unknown>) => void;
  /**
   * Up to `limit` of the tasks due by `now` are stored already claimed until `until` (attempt 1), and
   * returned: the runner that records them executes them at once, with no claim of their own.
   */
  claim?: { limit: number; now: Date; until: Date };
};

/** A task stored claimed by the runner that recorded it (see `RecordOptions.claim`). */
export type ClaimedTask = {
  task_id: string;
  workflow: string;
  task: { type: string };
  attempts: number;
  parked_times: number;
  traceparent: string | null;
  correlation_id: string | null;
};

/** What recording a batch left to do: the tasks it claimed, and whether tasks due now were left to a claim. */
export type Recorded = { claimed: ClaimedTask[]; dueLeft: boolean };

/** PostgreSQL text refuses NUL; an error message may quote event data. */
const printable = (error: unknown): string =>
  (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).replaceAll('\u0000', '\uFFFD').slice(0, 2000);

/** Creates the checkpoint of each workflow that has none, where the shared one stood (or at the beginning). */
export const ensureCheckpoints = async (pool: Pool, workflows: readonly string[]): Promise<void> => {
  for (const workflow of workflows) {
    await pool.query(
      `INSERT INTO subscription_checkpoints (name, position)
       VALUES ($1, coalesce((SELECT position FROM subscription_checkpoints WHERE name = $2), ''))
       ON CONFLICT (name) DO NOTHING`,
      [checkpointOf(workflow), SHARED_CHECKPOINT],
    );
  }
};

/** Each workflow's checkpoint, read in one statement (`''`: from the beginning). */
export const readCheckpoints = async (pool: Pool, workflows: readonly string[]): Promise<Map<string, string>> => {
  const { rows } = await pool.query<{ name: string; position: string }>('SELECT name, position FROM subscription_checkpoints WHERE name = ANY ($1::text[])', [
    workflows.map(checkpointOf),
  ]);
  const byName = new Map(rows.map((r) => [r.name, r.position]));
  return new Map(workflows.map((w) => [w, byName.get(checkpointOf(w)) ?? '']));
};

/** Where a reader serving every workflow starts: after the checkpoint of the one furthest behind. */
export const earliestOf = (positions: ReadonlyMap<string, string>): string =>
  [...positions.values()].reduce((a, b) => (isAfter(a, b) ? b : a), [...positions.values()][0] ?? '');

/** Recording one workflow's reactions failed even event by event (the database away): its subscription is behind. */
export class WorkflowRecordFailed extends Error {
  override readonly name = 'WorkflowRecordFailed';
  constructor(
    readonly workflow: string,
    override readonly cause: unknown,
  ) {
    super(`workflow ${workflow}: ${printable(cause)}`);
  }
}

/**
 * Records every workflow's reactions to one batch of the log, read once for them all: each workflow
 * reacts to the events after its own checkpoint (`positions`, moved on here as they are stored).
 * When every reaction succeeds, the tasks of all workflows and their checkpoints are one statement;
 * otherwise each workflow records its part on its own (`recordReactions`: retries, then parks what
 * it cannot react to or store), so one workflow's bad event never holds back another's.
 */
export const recordForAll = async (
  pool: Pool,
  workflows: readonly Reacting[],
  positions: Map<string, string>,
  events: RecordedEvent[],
  options: RecordOptions = {},
): Promise<Recorded> => {
  const due = workflows
    .map((workflow) => ({ workflow, events: events.filter((e) => isAfter(e.globalPosition, positions.get(workflow.name) ?? '')) }))
    .filter((d) => d.events.length > 0);
  if (due.length === 0) return { claimed: [], dueLeft: false };
  const moved = () => {
    for (const d of due) positions.set(d.workflow.name, d.events[d.events.length - 1]!.globalPosition);
  };
  let rows: ReturnType<typeof taskRows> | undefined = [];
  try {
    for (const d of due)
      rows.push(
        ...taskRows(
          d.workflow.name,
          d.events.map((event) => ({ event, reactions: d.workflow.react(event) })),
        ),
      );
  } catch {
    rows = undefined; // a reaction threw: each workflow records on its own, and the one that threw retries and parks
  }
  if (rows) {
    try {
      const { claiming, dueLeft } = claimDue(rows, options.claim);
      const claimed = await recordTasksAndCheckpoints(
        pool,
        due.map((d) => ({ workflow: d.workflow.name, position: d.events[d.events.length - 1]!.globalPosition })),
        rows,
      );
      moved();
      // A task already stored (the batch delivered again) is not claimed here: a claim finds it.
      const stored = new Set(claimed);
      return {
        claimed: claiming.filter((row) => stored.has(row.task_id)).map(claimedTask),
        dueLeft: dueLeft || claiming.some((row) => !stored.has(row.task_id)),
      };
    } catch (error) {
      options.log?.('workflows batch failed; storing workflow by workflow', { workflows: due.map((d) => d.workflow.name), error: printable(error) });
    }
  }
  for (const d of due) {
    try {
      await recordReactions(pool, d.workflow, d.events, options);
    } catch (error) {
      throw new WorkflowRecordFailed(d.workflow.name, error);
    }
    positions.set(d.workflow.name, d.events[d.events.length - 1]!.globalPosition);
  }
  return { claimed: [], dueLeft: true };
};

type TaskRowOut = ReturnType<typeof taskRows>[number];

/** Marks up to `claim.limit` of the rows due by `claim.now` as claimed (attempt 1, leased until `claim.until`). */
const claimDue = (rows: TaskRowOut[], claim: RecordOptions['claim']): { claiming: TaskRowOut[]; dueLeft: boolean } => {
  const now = claim?.now.getTime() ?? 0;
  const due = rows.filter((row) => Date.parse(row.due_at) <= now);
  const claiming = claim ? due.slice(0, Math.max(0, claim.limit)) : [];
  const until = claim?.until.toISOString();
  for (const row of claiming) Object.assign(row, { attempts: 1, locked_until: until });
  return { claiming, dueLeft: !claim || due.length > claiming.length };
};

const claimedTask = (row: TaskRowOut): ClaimedTask => ({
  task_id: row.task_id,
  workflow: row.workflow,
  task: row.task as { type: string },
  attempts: 1,
  parked_times: 0,
  traceparent: row.traceparent,
  correlation_id: row.correlation_id,
});

type Decided = { event: RecordedEvent; reactions: ReturnType<Reacting['react']> } | { event: RecordedEvent; error: unknown };

const decide = async (workflow: Reacting, event: RecordedEvent, attempts: number, backoffMs: number): Promise<Decided> => {
  let error: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      return { event, reactions: workflow.react(event) };
    } catch (caught) {
      error = caught;
      if (attempt < attempts) await sleep(backoffMs * 2 ** (attempt - 1));
    }
  }
  return { event, error };
};

type Reacted = Extract<Decided, { reactions: unknown }>;

const taskRows = (workflow: string, decided: readonly Reacted[]) =>
  decided.flatMap((d) => {
    const { traceparent = null, correlationId = null } = d.event.metadata;
    return d.reactions.map((reaction) => ({
      task_id: reaction.taskId,
      workflow,
      due_at: reaction.dueAt,
      task: reaction.task,
      caused_by: d.event.eventId,
      traceparent,
      correlation_id: correlationId,
    }));
  });

/**
 * Tasks and the checkpoints they move, of one workflow or several, in one statement (one round trip,
 * one transaction, no WAL wait: see ASYNC_COMMIT). A row may come claimed (`attempts`, `locked_until`);
 * the ids of those stored claimed are returned (one already stored stays as it was).
 */
const recordTasksAndCheckpoints = async (
  pool: Pool,
  checkpoints: { workflow: string; position: string }[],
  rows: ReturnType<typeof taskRows>,
): Promise<string[]> => {
  const { rows: claimed } = await pool.query<{ task_id: string }>({
    name: 'workflows_record',
    text: `WITH tasks AS (
             INSERT INTO workflow_tasks (task_id, workflow, due_at, task, caused_by, traceparent, correlation_id, attempts, locked_until)
             SELECT task_id, workflow, due_at, task, caused_by, traceparent, correlation_id, coalesce(attempts, 0), locked_until
               FROM json_populate_recordset(NULL::workflow_tasks, $3::json)
             ON CONFLICT (task_id) DO NOTHING
             RETURNING task_id, locked_until),
           moved AS (
             INSERT INTO subscription_checkpoints (name, position)
             SELECT c.name, c.position FROM unnest($1::text[], $2::text[]) AS c(name, position), ${ASYNC_COMMIT}
             ON CONFLICT (name) DO UPDATE SET position = greatest(subscription_checkpoints.position, excluded.position), updated_at = now(),
                                              failing_since = NULL, last_error = NULL)
           SELECT task_id FROM tasks WHERE locked_until IS NOT NULL`,
    values: [checkpoints.map((c) => checkpointOf(c.workflow)), checkpoints.map((c) => c.position), JSON.stringify(rows)],
  });
  return claimed.map((r) => r.task_id);
};

/** The tasks of a batch's reactions in one statement (a retried batch inserts nothing twice). */
const insertTasks = async (client: PoolClient, workflow: string, decided: readonly Reacted[]): Promise<void> => {
  const rows = taskRows(workflow, decided);
  if (rows.length === 0) return;
  await client.query(
    `INSERT INTO workflow_tasks (task_id, workflow, due_at, task, caused_by, traceparent, correlation_id)
     SELECT task_id, workflow, due_at, task, caused_by, traceparent, correlation_id FROM json_populate_recordset(NULL::workflow_tasks, $1::json)
     ON CONFLICT (task_id) DO NOTHING`,
    [JSON.stringify(rows)],
  );
};

const park = (client: PoolClient, workflow: string, event: RecordedEvent, error: unknown) =>
  client.query(
    `INSERT INTO workflow_parked (workflow, event_id, position, event, error) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (workflow, event_id) DO UPDATE SET error = excluded.error, parked_at = now()`,
    [workflow, event.eventId, event.globalPosition, JSON.stringify(event), printable(error)],
  );

/** Tasks and checkpoint need not wait for their WAL flush (see ASYNC_COMMIT). */
const rebuildable = (client: PoolClient) => client.query('SET LOCAL synchronous_commit = off');

/** Moves the checkpoint and clears the failure the subscription may have had. */
const advance = (client: PoolClient, workflow: string, position: string) =>
  client.query(
    `INSERT INTO subscription_checkpoints (name, position) VALUES ($1, $2)
     ON CONFLICT (name) DO UPDATE SET position = greatest(subscription_checkpoints.position, excluded.position), updated_at = now(),
                                      failing_since = NULL, last_error = NULL`,
    [checkpointOf(workflow), position],
  );

/**
 * Records one workflow's reactions to a batch of events and moves its checkpoint, in one
 * transaction. An event whose reaction keeps throwing is parked. When storing the batch fails,
 * each event's tasks are stored on their own (a savepoint each, retried with backoff) and an event
 * whose tasks still cannot be stored is parked. Parking is in the same transaction as the
 * checkpoint, so a lost connection parks nothing: the batch is simply delivered again.
 */
const recordReactions = async (pool: Pool, workflow: Reacting, events: RecordedEvent[], options: RecordOptions = {}): Promise<void> => {
  if (events.length === 0) return;
  const attempts = options.attempts ?? 3;
  const backoffMs = options.backoffMs ?? 50;
  const last = events[events.length - 1]!.globalPosition;
  const decided: Decided[] = [];
  for (const event of events) decided.push(await decide(workflow, event, attempts, backoffMs));
  const parkFailedReactions = async (client: PoolClient) => {
    for (const d of decided) {
      if (!('error' in d)) continue;
      options.log?.('workflow reaction failed; event parked', {
        workflow: workflow.name,
        eventId: d.event.eventId,
        type: d.event.type,
        error: printable(d.error),
      });
      await park(client, workflow.name, d.event, d.error);
    }
  };
  try {
    const reacted = decided.filter((d): d is Reacted => 'reactions' in d);
    if (reacted.length === decided.length) {
      // The common case: tasks and checkpoint in one statement (one round trip, one transaction).
      await recordTasksAndCheckpoints(pool, [{ workflow: workflow.name, position: last }], taskRows(workflow.name, reacted));
      return;
    }
    await inTransaction(pool, async (client) => {
      await rebuildable(client);
      await insertTasks(
        client,
        workflow.name,
        decided.filter((d): d is Extract<Decided, { reactions: unknown }> => 'reactions' in d),
      );
      await parkFailedReactions(client);
      await advance(client, workflow.name, last);
    });
    return;
  } catch (error) {
    options.log?.('workflow batch failed; storing event by event', { workflow: workflow.name, error: printable(error) });
  }
  await inTransaction(pool, async (client) => {
    await rebuildable(client);
    for (const d of decided) {
      if (!('reactions' in d)) continue;
      let failure: unknown;
      for (let attempt = 1; attempt <= attempts; attempt++) {
        await client.query('SAVEPOINT one_event');
        try {
          await insertTasks(client, workflow.name, [d]);
          await client.query('RELEASE SAVEPOINT one_event');
          failure = undefined;
          break;
        } catch (error) {
          failure = error;
          await client.query('ROLLBACK TO SAVEPOINT one_event');
          if (attempt < attempts) await sleep(backoffMs * 2 ** (attempt - 1));
        }
      }
      if (failure !== undefined) {
        options.log?.('workflow tasks could not be stored; event parked', {
          workflow: workflow.name,
          eventId: d.event.eventId,
          type: d.event.type,
          error: printable(failure),
        });
        await park(client, workflow.name, d.event, failure);
      }
    }
    await parkFailedReactions(client);
    await advance(client, workflow.name, last);
  });
};

/** Notes on the checkpoint that the subscription is failing (best effort: the database may be what fails). */
export const noteFailure = async (pool: Pool, workflow: string, error: unknown): Promise<void> => {
  await pool
    .query(
      `UPDATE subscription_checkpoints SET last_error = $2, last_error_at = now(), failing_since = coalesce(failing_since, now())
        WHERE name = $1`,
      [checkpointOf(workflow), printable(error)],
    )
    .catch(() => undefined);
};

export type ParkedWorkflowEvent = {
  workflow: string;
  eventId: string;
  position: string;
  type: string;
  streamId: string;
  error: string;
  parkedAt: string;
  event: RecordedEvent;
};

/** Events parked by one workflow (or all), oldest first. */
export const listParkedEvents = async (pool: Pool, workflow?: string): Promise<ParkedWorkflowEvent[]> => {
  const { rows } = await pool.query<{ workflow: string; event_id: string; position: string; event: string; error: string; parked_at: Date }>(
    `SELECT workflow, event_id, position, event, error, parked_at FROM workflow_parked
      WHERE $1::text IS NULL OR workflow = $1 ORDER BY position, workflow`,
    [workflow ?? null],
  );
  return rows.map((r) => {
    const event = JSON.parse(r.event) as RecordedEvent;
    return {
      workflow: r.workflow,
      eventId: r.event_id,
      position: r.position,
      type: event.type,
      streamId: event.streamId,
      error: r.error,
      parkedAt: r.parked_at.toISOString(),
      event,
    };
  });
};

export type RetryParkedResult = { retried: string[]; failed: { eventId: string; error: string }[] };

/**
 * Reacts to each parked event of a workflow again (after a fix): its tasks are stored and the event
 * unparked in one transaction; one that still fails stays parked with its new error.
 */
export const retryParkedEvents = async (pool: Pool, workflow: Reacting): Promise<RetryParkedResult> => {
  const result: RetryParkedResult = { retried: [], failed: [] };
  for (const parked of await listParkedEvents(pool, workflow.name)) {
    try {
      const retried = await inTransaction(pool, async (client) => {
        const { rows } = await client.query('SELECT 1 FROM workflow_parked WHERE workflow = $1 AND event_id = $2 FOR UPDATE', [workflow.name, parked.eventId]);
        if (rows.length === 0) return false; // retried meanwhile by someone else
        await insertTasks(client, workflow.name, [{ event: parked.event, reactions: workflow.react(parked.event) }]);
        await client.query('DELETE FROM workflow_parked WHERE workflow = $1 AND event_id = $2', [workflow.name, parked.eventId]);
        return true;
      });
      if (retried) result.retried.push(parked.eventId);
    } catch (error) {
      await pool.query('UPDATE workflow_parked SET error = $3, parked_at = now() WHERE workflow = $1 AND event_id = $2', [
        workflow.name,
        parked.eventId,
        printable(error),
      ]);
      result.failed.push({ eventId: parked.eventId, error: printable(error) });
    }
  }
  return result;
};

import type { Stack } from '../harness.ts';

/**
 * `runDueTasks` once the workflow runner has seen every event stored so far. The event store only
 * hands out events below the server's oldest open transaction, so a transaction held open in any
 * database of a shared test server can hide fresh events for a moment; this waits that out.
 */
export const runDueTasksSettled = async (stack: Stack, timeoutMs = 20_000): Promise<number> => {
  const { rows } = await stack.pool.query<{ head: string | null }>(
    "SELECT lpad(transaction_id::text, 20, '0') || '-' || lpad(global_position::text, 20, '0') AS head FROM es_events ORDER BY transaction_id DESC, global_position DESC LIMIT 1",
  );
  const head = rows[0]?.head ?? '';
  const deadline = Date.now() + timeoutMs;
  let ran = 0;
  for (;;) {
    ran += await stack.runDueTasks();
    // Each workflow follows on its own checkpoint: the slowest one counts.
    const checkpoint = await stack.pool.query<{ position: string }>(
      "SELECT min(position) AS position FROM subscription_checkpoints WHERE name LIKE 'workflow:%'",
    );
    if ((checkpoint.rows[0]?.position ?? '') >= head) return ran;
    if (Date.now() > deadline) throw new Error(`the workflow runner did not reach ${head} in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

/** The notification workflow's mail tasks: waiting (or retrying), parked, done. */
export const mailTasks = async (stack: Stack) =>
  (
    await stack.pool.query<{ pending: number; parked: number; done: number }>(
      `SELECT count(*) FILTER (WHERE done_at IS NULL AND parked_at IS NULL)::int AS pending, count(*) FILTER (WHERE parked_at IS NOT NULL)::int AS parked,
            count(*) FILTER (WHERE done_at IS NOT NULL)::int AS done
       FROM workflow_tasks WHERE workflow = 'notifications'`,
    )
  ).rows[0]!;

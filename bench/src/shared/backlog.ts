import { withAdmin as withClient } from './database.ts';
import { summarise, type Latency } from './stats.ts';

const ENCODED = `lpad(transaction_id::text, 20, '0') || '-' || lpad(global_position::text, 20, '0')`;

/**
 * What the platform still owes when the load stops: events the workflow subscription and the
 * slowest projection have not processed yet, and workflow tasks already due but not done.
 */
export const backlog = (url: string) =>
  withClient(url, async (client) => {
    const behind = async (table: string): Promise<number | null> => {
      const exists = await client.query(`SELECT to_regclass($1) AS t`, [table]);
      if (!exists.rows[0].t) return null;
      const { rows } = await client.query<{ n: string }>(
        `SELECT count(*) AS n FROM es_events WHERE ${ENCODED} > coalesce((SELECT min(position) FROM ${table}), '')`,
      );
      return Number(rows[0]!.n);
    };
    const due = await client.query<{ n: string }>(`SELECT count(*) AS n FROM workflow_tasks WHERE done_at IS NULL AND parked_at IS NULL AND due_at <= now()`);
    return {
      workflowEventsBehind: await behind('subscription_checkpoints'),
      projectionEventsBehind: await behind('projection_checkpoints'),
      workflowTasksDue: Number(due.rows[0]!.n),
    };
  });

/**
 * Answer → confirmation of instantly booked stays: waits (up to `timeoutMs`) until every answered
 * booking has its `BookingConfirmed` stored, then reports the delays and when the last one landed
 * relative to the end of the load.
 */
export const confirmations = async (url: string, answeredAt: Map<string, number>, loadEnd: number, timeoutMs = 60_000) => {
  const deadline = Date.now() + timeoutMs;
  const confirmedAt = new Map<string, number>();
  await withClient(url, async (client) => {
    while (confirmedAt.size < answeredAt.size && Date.now() < deadline) {
      const { rows } = await client.query<{ booking: string; at: Date }>(
        `SELECT data->>'bookingId' AS booking, occurred_at AS at FROM es_events WHERE type = 'BookingConfirmed'`,
      );
      for (const row of rows) if (answeredAt.has(row.booking)) confirmedAt.set(row.booking, row.at.getTime());
      if (confirmedAt.size < answeredAt.size) await new Promise((r) => setTimeout(r, 250));
    }
  });
  const delays = [...confirmedAt].map(([booking, at]) => Math.max(0, at - answeredAt.get(booking)!));
  const last = Math.max(...confirmedAt.values());
  return {
    answered: answeredAt.size,
    confirmed: confirmedAt.size,
    answerToConfirmationMs: summarise(delays) satisfies Latency,
    lastConfirmedAfterLoadEndMs: Number.isFinite(last) ? Math.max(0, Math.round(last - loadEnd)) : null,
  };
};

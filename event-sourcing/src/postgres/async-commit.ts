/**
 * Joined into a statement (FROM), makes its implicit transaction commit without waiting for its WAL
 * flush. For writes that a crash may lose without losing anything acknowledged: the workflows'
 * bookkeeping (tasks recorded, claims, done marks, checkpoints: derived from events already durable,
 * so a crash that loses it re-derives it; a task runs again, and tasks are idempotent) and the
 * secrets written before the event that needs them (a card token: the append that follows commits
 * with a WAL flush, and the WAL is flushed in order, so once that append is acknowledged the token's
 * commit is on disk too; a token lost with an append that never committed is a request that failed).
 */
export const ASYNC_COMMIT = `(SELECT set_config('synchronous_commit', 'off', true)) AS async_commit`;

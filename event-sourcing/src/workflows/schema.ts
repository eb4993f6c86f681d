export { ASYNC_COMMIT } from '../postgres/async-commit.ts';

export const workflowSchema = /* sql */ `
CREATE TABLE IF NOT EXISTS subscription_checkpoints (
  name       text PRIMARY KEY,
  position   text COLLATE "C" NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS workflow_tasks (
  task_id      text PRIMARY KEY,
  workflow     text NOT NULL,
  due_at       timestamptz NOT NULL,
  task         jsonb NOT NULL,
  attempts     int NOT NULL DEFAULT 0,
  locked_until timestamptz,
  last_error   text,
  done_at      timestamptz,
  parked_at    timestamptz,
  caused_by    uuid,
  created_at   timestamptz NOT NULL DEFAULT now()
);
-- how often the task was parked: a success after that resolves what the parking raised
ALTER TABLE workflow_tasks ADD COLUMN IF NOT EXISTS parked_times int NOT NULL DEFAULT 0;
-- The trace and correlation id of the event that caused a task: its run continues that trace and logs that id.
ALTER TABLE workflow_tasks ADD COLUMN IF NOT EXISTS traceparent text;
ALTER TABLE workflow_tasks ADD COLUMN IF NOT EXISTS correlation_id text;
-- Each workflow follows on its own checkpoint ('workflow:<name>'); a failing one notes why and since when.
ALTER TABLE subscription_checkpoints ADD COLUMN IF NOT EXISTS last_error text;
ALTER TABLE subscription_checkpoints ADD COLUMN IF NOT EXISTS last_error_at timestamptz;
ALTER TABLE subscription_checkpoints ADD COLUMN IF NOT EXISTS failing_since timestamptz;
-- Events a workflow could not turn into tasks, kept (as JSON text: whatever they hold) to be retried after a fix.
CREATE TABLE IF NOT EXISTS workflow_parked (
  workflow   text NOT NULL,
  event_id   uuid NOT NULL,
  position   text COLLATE "C" NOT NULL,
  event      text NOT NULL,
  error      text NOT NULL,
  parked_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workflow, event_id)
);
CREATE INDEX IF NOT EXISTS workflow_tasks_due ON workflow_tasks (due_at) WHERE done_at IS NULL AND parked_at IS NULL;
`;
